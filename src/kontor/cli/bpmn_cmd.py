"""``kontor bpmn``: check BPMN files and try them out in memory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kontor.cli.common import fail, load_settings, print_json
from kontor.process import (
    BpmnImportError,
    Definitions,
    FeelEvaluator,
    RuntimeCommandError,
    Severity,
    parse_bpmn_file,
    validate,
    verdicts,
)
from kontor.process.bpmn import Expression
from kontor.process.simulation import Simulation, simulate

app = typer.Typer(help="BPMN process models: validate and run.", no_args_is_help=True)

FileArgument = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A .bpmn file.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _load(path: Path) -> Definitions:
    try:
        return parse_bpmn_file(path)
    except BpmnImportError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error


@app.command("check")
def check(file: FileArgument, as_json: JsonOption = False) -> None:
    """Validate a BPMN file; exit 1 when it has errors."""
    definitions = _load(file)
    issues = validate(definitions)
    verdict_of = verdicts(definitions)
    if as_json:
        print_json(
            {
                "file": str(file),
                "issues": [
                    {
                        "severity": i.severity.value,
                        "code": i.code,
                        "message": i.message,
                        "process": i.process_id,
                        "element": i.element_id,
                        "line": i.line,
                    }
                    for i in issues
                ],
                "processes": {
                    pid: {"executable": v.executable, "reasons": list(v.reasons)}
                    for pid, v in verdict_of.items()
                },
            }
        )
    else:
        for issue in issues:
            typer.echo(f"{file}: {issue}")
        for pid, v in verdict_of.items():
            typer.echo(f"process '{pid}': {'executable' if v.executable else 'not executable'}")
        errors = sum(1 for i in issues if i.severity is Severity.ERROR)
        notes = sum(1 for i in issues if i.severity is Severity.NOTE)
        summary = f"{errors} error(s), {len(issues) - errors - notes} warning(s)"
        typer.echo(summary + (f", {notes} note(s) on modelling-only processes" if notes else ""))
    if any(i.severity is Severity.ERROR for i in issues):
        raise typer.Exit(1)


@app.command("run")
def run(
    file: FileArgument,
    process: Annotated[
        str | None, typer.Option("--process", help="Process id (default: the first).")
    ] = None,
    var: Annotated[
        list[str] | None,
        typer.Option("--var", help="A start variable as name=FEEL, e.g. amount=5000."),
    ] = None,
    complete_user_tasks: Annotated[
        bool, typer.Option("--complete-user-tasks", help="Complete user tasks as they open.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Run one instance in memory (FEEL, JUEL), skipping time to due timers; exit 1 on incident.

    Each step has the server's budget (KONTOR_PROCESS_STEP_MAX_ELEMENTS, …_MAX_SECONDS).
    """
    settings = load_settings()
    definitions = _load(file)
    process_id = process or next(iter(definitions.processes), None)
    if process_id is None or process_id not in definitions.processes:
        fail(f"no process {process_id!r} in {file}", code=1)
    evaluator = FeelEvaluator()
    variables = _start_variables(var or [], evaluator)
    try:
        outcome = simulate(
            definitions,
            process_id,
            variables,
            evaluator=evaluator,
            complete_user_tasks=complete_user_tasks,
            limits=settings.process_step_limits,
        )
    except RuntimeCommandError as error:
        fail(str(error), code=1)
    if as_json:
        print_json(_report(outcome))
    else:
        _print_report(outcome)
    if outcome.outcome == "incident":
        raise typer.Exit(1)


def _start_variables(assignments: list[str], evaluator: FeelEvaluator) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for assignment in assignments:
        name, separator, text = assignment.partition("=")
        if not separator or not name.strip():
            fail(f"--var expects name=FEEL, got {assignment!r}")
        try:
            variables[name.strip()] = evaluator.evaluate(Expression(text), variables)
        except Exception as error:  # any FEEL failure is the user's input, not a crash
            fail(f"--var {name.strip()}: {error}")
    return variables


def _report(outcome: Simulation) -> dict[str, Any]:
    state = outcome.state
    return {
        "process": state.process_id,
        "outcome": outcome.outcome,
        "completed": [
            {"id": a.element_id, "name": a.name, "type": a.kind} for a in outcome.completed
        ],
        "variables": state.variables,
        "waiting_at": outcome.waiting_at,
        "incidents": [
            {"element": i.element_id, "reason": i.reason} for i in state.incidents.values()
        ],
        "step_limit_reached": outcome.step_limit_reached,
    }


def _print_report(outcome: Simulation) -> None:
    report = _report(outcome)
    typer.echo(f"process '{report['process']}': {report['outcome']}")
    for number, activity in enumerate(report["completed"], start=1):
        name = f" ({activity['name']})" if activity["name"] else ""
        typer.echo(f"  {number:>3}. {activity['id']}{name} [{activity['type']}]")
    typer.echo("variables:")
    for name, value in sorted(report["variables"].items()):
        typer.echo(f"  {name} = {value!r}")
    if report["waiting_at"]:
        typer.echo(f"waiting at: {', '.join(report['waiting_at'])}")
    for incident in report["incidents"]:
        typer.echo(f"incident at '{incident['element']}': {incident['reason']}")
    if report["step_limit_reached"]:
        typer.echo("stopped: step limit reached (an endless loop or timer cycle?)")
