"""The component's public face exports exactly what it names."""

import kontor.process
import kontor.process.bpmn
import kontor.process.runtime


def test_every_exported_name_exists():
    for module in (kontor.process, kontor.process.bpmn, kontor.process.runtime):
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert missing == [], module.__name__
