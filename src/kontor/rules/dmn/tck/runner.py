"""Runs DMN TCK test folders: each folder holds *.dmn models and *-test-*.xml files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kontor.rules.dmn.boxed_eval import call_function
from kontor.rules.dmn.errors import DmnError
from kontor.rules.dmn.evaluator import Evaluation, evaluate_decision, evaluate_service
from kontor.rules.dmn.explain import DecisionResult
from kontor.rules.dmn.importer import load_dmn_files
from kontor.rules.dmn.model import BusinessKnowledgeModel, Definitions
from kontor.rules.dmn.tck.compare import describe, values_match
from kontor.rules.dmn.tck.report import ERROR, FAILED, PASSED, CaseResult, TckReport
from kontor.rules.dmn.tck.values import TestCase, TestFile, read_test_file


def discover(directory: Path) -> list[Path]:
    """Folders below `directory` (or itself) that contain both models and test files."""
    folders = sorted({path.parent for path in directory.rglob("*-test-*.xml")})
    return [folder for folder in folders if any(folder.glob("*.dmn"))]


def run_tck(directory: Path) -> TckReport:
    """Run every test case found below `directory`."""
    report = TckReport()
    for folder in discover(directory):
        report.cases.extend(run_folder(folder))
    return report


def run_folder(folder: Path) -> list[CaseResult]:
    """Run the test files of one TCK folder."""
    test_files = sorted(folder.glob("*-test-*.xml"))
    try:
        models = load_dmn_files(sorted(folder.glob("*.dmn")), strict=False)
        import_problem = None
    except DmnError as exc:
        models, import_problem = {}, f"import failed: {exc}"
    except Exception as exc:  # a crash must not stop the whole run
        models, import_problem = {}, f"import crashed: {type(exc).__name__}: {exc}"
    results: list[CaseResult] = []
    for test_path in test_files:
        test_file = read_test_file(test_path)
        prefix = f"{folder.name}/{test_path.stem}"
        model = _main_model(models, test_file)
        for case in test_file.cases:
            test_id = f"{prefix}:{case.case_id}"
            if import_problem or model is None:
                results.append(CaseResult(test_id, ERROR, import_problem or "model not found"))
                continue
            try:
                results.append(_run_case(test_id, model, case))
            except Exception as exc:  # report crashes per case
                results.append(CaseResult(test_id, ERROR, f"crash: {type(exc).__name__}: {exc}"))
    return results


def _main_model(models: Mapping[str, Definitions], test_file: TestFile) -> Definitions | None:
    for model in models.values():
        if model.file == test_file.model_name:
            return model
    return next(iter(models.values()), None) if len(models) == 1 else None


def _inputs(model: Definitions, case: TestCase) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    own: dict[str, Any] = {}
    imported: dict[str, dict[str, Any]] = {}
    for node in case.inputs:
        if node.namespace and node.namespace != model.namespace:
            imported.setdefault(node.namespace, {})[node.name] = node.value
        else:
            own[node.name] = node.value
    return own, imported


def _run_case(test_id: str, model: Definitions, case: TestCase) -> CaseResult:
    inputs, imported = _inputs(model, case)
    service_result: DecisionResult | None = None
    if case.kind == "decisionService" and case.invocable:
        service_result = evaluate_service(model, case.invocable, inputs)
    problems: list[str] = []
    for node in case.results:
        if service_result is not None:
            outputs = service_result.value if isinstance(service_result.value, dict) else {}
            result = DecisionResult(outputs.get(node.name), service_result.messages)
        elif case.kind == "bkm" and case.invocable:
            result = _invoke_bkm(model, case.invocable, inputs)
        else:
            result = evaluate_decision(model, node.name, inputs, imported_inputs=imported)
        if node.error_result:
            if result.value is not None:
                problems.append(f"{node.name}: expected an error, got {describe(result.value)}")
            continue
        if not values_match(node.expected, result.value):
            detail = "; ".join(str(message) for message in result.messages[:2])
            problems.append(
                f"{node.name}: expected {describe(node.expected)}, got {describe(result.value)}"
                + (f" ({detail})" if detail else "")
            )
    if problems:
        return CaseResult(test_id, FAILED, " | ".join(problems))
    return CaseResult(test_id, PASSED)


def _invoke_bkm(model: Definitions, name: str, inputs: Mapping[str, Any]) -> DecisionResult:
    run = Evaluation(model, inputs)
    element = model.find(name)
    if not isinstance(element, BusinessKnowledgeModel):
        return DecisionResult(None)
    function = run.bkm_function(model, element)
    value = call_function(function, list(inputs.items()), run)
    return DecisionResult(value, tuple(run.messages))
