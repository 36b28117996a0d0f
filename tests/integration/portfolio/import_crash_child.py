"""Child process of the import crash test: drives the waiting GDV import until it is killed.

Usage: import_crash_child.py DATABASE_URL DATA_DIR
Prints ``step K`` each time the run shows a new step and ``done`` when the run is finished.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kontor.bootstrap import bootstrap
from kontor.settings import Environment, Settings


def main() -> None:
    url, data_dir = sys.argv[1], Path(sys.argv[2])
    settings = Settings(environment=Environment.TEST, database_url=url, data_dir=data_dir)
    kontor = bootstrap(settings)
    assert kontor.imports is not None
    kontor.imports.run_one(progress=lambda run: print(f"step {run.step_number}", flush=True))
    print("done", flush=True)
    kontor.engine.dispose()


if __name__ == "__main__":
    main()
