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
from kontor.process.bpmn import EventKind, Expression
from kontor.process.simulation import (
    PendingMessage,
    ProcessNotFoundError,
    SimulatedInstance,
    Simulation,
    simulate,
)

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
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="BPMN files: their processes run together (messages, signals, calls).",
        ),
    ],
    process: Annotated[
        list[str] | None,
        typer.Option(
            "--process",
            help="Process to start (repeatable; default: the first executable one of the first "
            "file). Others start when a message, signal or call activity starts them.",
        ),
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
    """Run a collaboration in memory (FEEL, JUEL), skipping time to due timers; exit 1 on incident.

    The files are validated first; one with errors is refused with the report (exit 1). Each
    step has the server's budget (KONTOR_PROCESS_STEP_MAX_ELEMENTS, …_MAX_SECONDS).
    """
    settings = load_settings()
    models = [_load(file) for file in files]
    _refuse_invalid(files, models)
    process_ids = process or _first_process(models)
    evaluator = FeelEvaluator()
    variables = _start_variables(var or [], evaluator)
    try:
        outcome = simulate(
            models,
            process_ids,
            variables,
            evaluator=evaluator,
            complete_user_tasks=complete_user_tasks,
            limits=settings.process_step_limits,
        )
    except (ProcessNotFoundError, RuntimeCommandError) as error:
        fail(str(error), code=1)
    if as_json:
        print_json(report_of(outcome))
    else:
        _print_report(outcome)
    if outcome.outcome == "incident":
        raise typer.Exit(1)


def _refuse_invalid(files: list[Path], models: list[Definitions]) -> None:
    errors = [
        (file, issue)
        for file, definitions in zip(files, models, strict=True)
        for issue in validate(definitions)
        if issue.severity is Severity.ERROR
    ]
    if errors:
        for file, issue in errors:
            typer.echo(f"{file}: {issue}", err=True)
        fail(f"refused: {len(errors)} error(s); nothing ran", code=1)


def _first_process(models: list[Definitions]) -> list[str]:
    """The first executable process of the first file, one with a none start event if there is
    one; the others wait for their message, signal or call."""
    definitions = models[0]
    verdict_of = verdicts(definitions)
    candidates = [pid for pid, verdict in verdict_of.items() if verdict.executable]
    startable = [
        pid
        for pid in candidates
        if any(
            node.event_kind is EventKind.NONE for node in definitions.process(pid).start_events()
        )
    ]
    first = next(iter(startable or candidates or definitions.processes), None)
    if first is None:
        fail("the first file holds no process", code=1)
    return [first]


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


def _instance_report(instance: SimulatedInstance) -> dict[str, Any]:
    return {
        "number": instance.number,
        "process": instance.process_id,
        "started_by": instance.started_by,
        "outcome": instance.outcome,
        "completed": [
            {"id": a.element_id, "name": a.name, "type": a.kind} for a in instance.completed
        ],
        "variables": instance.state.variables,
        "waiting_at": instance.waiting_at,
    }


def _message_report(message: PendingMessage) -> dict[str, Any]:
    return {"name": message.name, "from": message.sender, "to": message.target}


def report_of(outcome: Simulation) -> dict[str, Any]:
    """The run as JSON: the first instance at the top (as for one process), then all of them."""
    instances = [_instance_report(instance) for instance in outcome.instances]
    names = {
        (i.process_id, a.element_id): (a.name, a.kind)
        for i in outcome.instances
        for a in i.completed
    }
    first = instances[0]
    return {
        "process": first["process"],
        "outcome": outcome.outcome,
        "completed": first["completed"],
        "variables": first["variables"],
        "waiting_at": first["waiting_at"],
        "incidents": [
            {
                "instance": i.number,
                "process": i.process_id,
                "element": incident.element_id,
                "reason": incident.reason,
            }
            for i in outcome.instances
            for incident in i.state.incidents.values()
        ],
        "instances": instances,
        "activity_counts": [
            {
                "process": process_id,
                "id": element_id,
                "name": names[process_id, element_id][0],
                "type": names[process_id, element_id][1],
                "count": count,
            }
            for (process_id, element_id), count in outcome.activity_counts().items()
        ],
        "undelivered_messages": [_message_report(m) for m in outcome.undelivered],
        "messages_to_black_box_pools": [_message_report(m) for m in outcome.sent_outside],
        "step_limit_reached": outcome.step_limit_reached,
    }


def _print_report(outcome: Simulation) -> None:
    report = report_of(outcome)
    several = len(report["instances"]) > 1
    for instance in report["instances"]:
        label = f"instance {instance['number']}: " if several else ""
        started = f" ({instance['started_by']})" if several else ""
        typer.echo(f"{label}process '{instance['process']}'{started}: {instance['outcome']}")
        for number, activity in enumerate(instance["completed"], start=1):
            name = f" ({activity['name']})" if activity["name"] else ""
            typer.echo(f"  {number:>3}. {activity['id']}{name} [{activity['type']}]")
        typer.echo("variables:")
        for name, value in sorted(instance["variables"].items()):
            typer.echo(f"  {name} = {value!r}")
        if instance["waiting_at"]:
            typer.echo(f"waiting at: {', '.join(instance['waiting_at'])}")
    if several:
        typer.echo("activities completed (how often):")
        for row in report["activity_counts"]:
            name = f" ({row['name']})" if row["name"] else ""
            typer.echo(f"  {row['process']}/{row['id']}{name} [{row['type']}] ×{row['count']}")
    for incident in report["incidents"]:
        label = f"instance {incident['instance']}: " if several else ""
        typer.echo(f"{label}incident at '{incident['element']}': {incident['reason']}")
    for message in report["undelivered_messages"]:
        to = f" to '{message['to']}'" if message["to"] else ""
        typer.echo(f"message '{message['name']}' from {message['from']}{to}: nobody took it")
    for message in report["messages_to_black_box_pools"]:
        typer.echo(
            f"message '{message['name']}' from {message['from']} to pool '{message['to']}' "
            "(no process): left the model"
        )
    if report["step_limit_reached"]:
        typer.echo("stopped: step limit reached (an endless loop or timer cycle?)")
