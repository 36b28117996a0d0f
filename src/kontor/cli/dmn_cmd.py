"""``kontor dmn`` and ``kontor feel``: evaluate, check and test decision models from files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from kontor.cli.common import fail, print_json
from kontor.errors import KontorError
from kontor.rules.dmn import Definitions, DmnError, check_model, evaluate_decision, load_dmn
from kontor.rules.dmn.tck import run_tck
from kontor.rules.feel import FeelSyntaxError, FeelWarning, compile_expression, to_feel, to_json
from kontor.rules.scenarios import ScenarioReport, parse_scenarios, run_scenarios

app = typer.Typer(help="Decision models (DMN): evaluate, check, test.", no_args_is_help=True)

ModelFile = Annotated[Path, typer.Argument(help="A DMN file.")]


@app.command("eval")
def evaluate(
    file: ModelFile,
    decision: Annotated[str, typer.Option("--decision", "-d", help="Decision name or id.")],
    input_json: Annotated[
        str, typer.Option("--input", "-i", help="Input data as a JSON object.")
    ] = "{}",
    explain: Annotated[bool, typer.Option("--explain", help="Show which rules matched.")] = False,
) -> None:
    """Evaluate one decision of a DMN file and print the result as JSON."""
    model = _load_model(file)
    inputs = _json_object(input_json, "--input")
    result = evaluate_decision(model, decision, inputs, explain=explain)
    output: dict[str, Any] = {
        "decision": decision,
        "value": to_json(result.value),
        "messages": [str(message) for message in result.messages],
    }
    if result.explanation is not None:
        output["explanation"] = result.explanation.to_json()
    print_json(output)


@app.command("check")
def check(file: ModelFile) -> None:
    """Print the deploy-time warnings (overlapping rules, gaps) of a DMN file as JSON."""
    model = _load_model(file)
    print_json(
        {
            "file": str(file),
            "warnings": [warning.to_json() for warning in check_model(model)],
        }
    )


@app.command("test")
def run_scenario_file(
    file: ModelFile,
    scenarios_file: Annotated[Path, typer.Argument(help="Scenarios as JSON or CSV.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run test scenarios against a DMN file; exit 1 when any fails."""
    model = _load_model(file)
    try:
        scenarios = parse_scenarios(_read_text(scenarios_file), scenarios_file.name)
    except KontorError as error:
        fail(f"{scenarios_file}: {error.message}")
    report = run_scenarios(model, scenarios)
    if as_json:
        print_json(report.to_json())
    else:
        _print_report(report)
    if report.failed:
        raise typer.Exit(1)


@app.command("tck")
def tck(
    directory: Annotated[Path, typer.Argument(help="A DMN TCK folder (or one of its levels).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run the DMN TCK test cases found below a folder and print each outcome and the totals."""
    if not directory.is_dir():
        fail(f"{directory}: not a folder")
    report = run_tck(directory)
    if as_json:
        print_json(report.to_json())
        return
    for case in report.cases:
        typer.echo(f"{case.status:<7} {case.test_id}" + (f": {case.reason}" if case.reason else ""))
    typer.echo(
        f"{report.total} cases: {report.passed} passed, {report.failed} failed, "
        f"{report.errors} errors"
    )


def feel(
    expression: Annotated[str, typer.Argument(help="A FEEL expression.")],
    context: Annotated[
        str, typer.Option("--context", "-c", help="Variables as a JSON object.")
    ] = "{}",
) -> None:
    """Evaluate a FEEL expression and print its value as JSON (warnings go to stderr)."""
    scope = to_feel(_json_object(context, "--context"))
    warnings: list[FeelWarning] = []
    try:
        value = compile_expression(expression, scope.keys()).evaluate(scope, warnings)
    except FeelSyntaxError as error:
        fail(f"FEEL syntax error: {error}")
    for warning in warnings:
        typer.echo(f"warning: {warning.code}: {warning.message}", err=True)
    print_json(to_json(value))


def _print_report(report: ScenarioReport) -> None:
    for outcome in report.outcomes:
        if outcome.passed:
            typer.echo(f"PASS {outcome.scenario.name}")
            continue
        line = (
            f"FAIL {outcome.scenario.name}: expected {_shown(outcome.scenario.expected)}, "
            f"got {_shown(outcome.actual)}"
        )
        typer.echo(line + "".join(f"; {message}" for message in outcome.messages))
    typer.echo(f"{len(report.outcomes)} scenarios: {report.passed} passed, {report.failed} failed")


def _shown(value: Any) -> str:
    return json.dumps(to_json(value), ensure_ascii=False, default=str)


def _load_model(file: Path) -> Definitions:
    try:
        return load_dmn(_read_text(file).encode("utf-8"), file_name=str(file))
    except DmnError as error:
        fail(str(error))


def _read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"{file}: cannot read: {error}")


def _json_object(text: str, option: str) -> dict[str, Any]:
    try:
        value = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        fail(f"{option} is not valid JSON: {error}")
    if not isinstance(value, dict):
        fail(f"{option} must be a JSON object")
    return value
