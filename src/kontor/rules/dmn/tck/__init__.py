"""DMN TCK runner: discover test folders, run the cases, report passed/failed/errors."""

from kontor.rules.dmn.tck.report import CaseResult, TckReport
from kontor.rules.dmn.tck.runner import discover, run_folder, run_tck

__all__ = ["CaseResult", "TckReport", "discover", "run_folder", "run_tck"]
