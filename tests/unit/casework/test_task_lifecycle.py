"""The task lifecycle: what each operation does, and laws no sequence of operations breaks."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.casework.tasks.domain import (
    FINAL_STATES,
    PENDING,
    REJECTED,
    SYSTEM,
    Actor,
    Task,
    TaskState,
    apply,
    initial_state,
)
from kontor.casework.tasks.errors import InvalidTaskTransition, NotTaskWorker
from kontor.casework.tasks.operations import (
    Assign,
    Cancel,
    Claim,
    Complete,
    Delegate,
    Escalate,
    Fail,
    Forward,
    MakeObsolete,
    Reject,
    Release,
    Resolve,
    Resume,
    Route,
    SaveDraft,
    Start,
    Suspend,
)
from kontor.errors import InvalidInput

NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
ANNA = Actor("anna", frozenset({"claims"}))
BEN = Actor("ben", frozenset({"claims"}))
CARL = Actor("carl", frozenset({"underwriting"}))
BOSS = Actor("boss", manager=True)


def new_task(*, groups=("claims",), assignee=None, process=False) -> Task:
    return Task(
        id="t1",
        tenant_id="acme",
        name="Check claim",
        state=initial_state(assignee, (), groups),
        created_at=NOW,
        assignee=assignee,
        candidate_groups=groups,
        process_task_id="ut1" if process else None,
        process_instance_id="pi1" if process else None,
    )


def run(task, *steps):
    for operation, actor in steps:
        task = apply(task, operation, actor, NOW).task
    return task


def test_delegated_task_returns_to_its_owner_after_resolve():
    task = run(new_task(), (Claim(), ANNA), (Delegate("ben", "needs a second look"), ANNA))
    assert (task.owner, task.assignee, task.delegation) == ("anna", "ben", PENDING)
    with pytest.raises(InvalidTaskTransition, match="cannot complete a task that is reserved"):
        apply(task, Complete(), BEN, NOW)
    task = run(task, (Resolve({"checked": True}), BEN))
    assert (task.owner, task.assignee, task.delegation) == ("anna", "anna", "resolved")
    task = run(task, (Complete({"amount": "12.50"}), ANNA))
    assert task.state == TaskState.COMPLETED
    assert task.variables == {"checked": True, "amount": "12.50"}


def test_a_delegated_task_that_ends_leaves_no_delegation_pending():
    delegated = run(new_task(), (Claim(), ANNA), (Delegate("ben"), ANNA), (Start(), BEN))
    with pytest.raises(InvalidTaskTransition, match="the delegate resolves or rejects"):
        apply(delegated, Fail("broken"), BEN, NOW)
    cancelled = run(delegated, (Cancel(), ANNA))
    assert (cancelled.state, cancelled.delegation) == (TaskState.EXITED, None)
    withdrawn = run(delegated, (MakeObsolete(), SYSTEM))
    assert (withdrawn.state, withdrawn.delegation) == (TaskState.OBSOLETE, None)


def test_rejection_returns_to_the_queue_or_the_owner_with_an_outcome():
    rejected = apply(run(new_task(), (Claim(), ANNA)), Reject("not my field"), ANNA, NOW)
    assert rejected.task.state == TaskState.READY
    assert rejected.task.assignee is None
    assert rejected.task.outcome == REJECTED
    assert rejected.entry.reason == "not my field"
    delegated = run(new_task(), (Claim(), ANNA), (Delegate("ben"), ANNA))
    back = run(delegated, (Reject("no time"), BEN))
    assert (back.state, back.assignee, back.delegation) == (TaskState.RESERVED, "anna", None)


def test_escalation_moves_the_task_to_a_group_with_a_higher_priority():
    step = apply(new_task(), Escalate("waiting too long", group_id="leads", priority=90), BOSS, NOW)
    assert step.task.candidate_groups == ("leads",)
    assert step.task.priority == 90
    assert (step.entry.operation, step.entry.actor, step.entry.reason) == (
        "escalate",
        "boss",
        "waiting too long",
    )
    assert step.entry.details == {"group_id": "leads", "priority": 90}


def test_only_candidates_claim_and_only_the_assignee_completes():
    with pytest.raises(NotTaskWorker):
        apply(new_task(), Claim(), CARL, NOW)
    with pytest.raises(NotTaskWorker):
        apply(run(new_task(), (Claim(), ANNA)), Complete(), BEN, NOW)


def test_suspended_task_resumes_where_it_was_and_drafts_are_kept():
    task = run(new_task(), (Start(), ANNA), (SaveDraft({"note": "half"}), ANNA), (Suspend(), BOSS))
    with pytest.raises(InvalidTaskTransition, match="cannot complete a task that is suspended"):
        apply(task, Complete(), ANNA, NOW)
    task = run(task, (Resume(), BOSS))
    assert (task.state, task.draft) == (TaskState.IN_PROGRESS, {"note": "half"})


def test_escalation_without_a_target_only_raises_the_priority():
    task = run(new_task(), (Claim(), ANNA), (Escalate("urgent", priority=95), BOSS))
    assert (task.state, task.assignee, task.priority) == (TaskState.RESERVED, "anna", 95)


def test_a_process_task_ends_only_with_its_activity():
    task = new_task(process=True)
    with pytest.raises(InvalidTaskTransition, match="ends with its process activity"):
        apply(task, Cancel(), BOSS, NOW)
    with pytest.raises(NotTaskWorker):
        apply(task, MakeObsolete(), BOSS.__class__("boss"), NOW)
    assert apply(task, MakeObsolete(), SYSTEM, NOW).task.state == TaskState.OBSOLETE


ACTORS = st.sampled_from([ANNA, BEN, CARL, BOSS, SYSTEM])
USERS = st.sampled_from(["anna", "ben", "carl"])
GROUPS = st.sampled_from(["claims", "underwriting", "leads"])
DATA = st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 3), max_size=2)
OPERATIONS = st.one_of(
    st.builds(Claim),
    st.builds(Release),
    st.builds(Assign, st.none() | USERS),
    st.builds(Start),
    st.builds(Delegate, USERS),
    st.builds(Resolve, DATA),
    st.builds(Forward, st.none() | USERS, st.none() | GROUPS),
    st.builds(Reject, st.just("no"), st.booleans()),
    st.builds(
        Escalate,
        st.just("late"),
        st.none() | USERS,
        st.none() | GROUPS,
        st.none() | st.integers(0, 100),
    ),
    st.builds(Suspend),
    st.builds(Resume),
    st.builds(SaveDraft, DATA),
    st.builds(Complete, DATA),
    st.builds(Fail, st.just("broken")),
    st.builds(Cancel),
    st.builds(MakeObsolete),
    st.builds(
        Route, st.none() | USERS, st.none(), st.none() | st.tuples(GROUPS), st.integers(0, 100)
    ),
)


def assert_consistent(task: Task) -> None:
    if task.state in (TaskState.RESERVED, TaskState.IN_PROGRESS):
        assert task.assignee is not None
    if task.state == TaskState.READY:
        assert task.assignee is None
        assert task.candidate_users or task.candidate_groups
    if task.state == TaskState.CREATED:
        assert task.assignee is None
        assert not task.candidate_users
        assert not task.candidate_groups
    if task.delegation == PENDING:
        assert task.owner is not None
        assert task.state in (TaskState.RESERVED, TaskState.IN_PROGRESS, TaskState.SUSPENDED)
    assert (task.state == TaskState.SUSPENDED) == (task.suspended_from is not None)
    assert task.suspended_from not in FINAL_STATES | {TaskState.SUSPENDED}
    if task.state == TaskState.COMPLETED:
        assert not task.draft
        assert task.delegation != PENDING
    if task.from_process:
        assert task.state not in (TaskState.EXITED, TaskState.FAILED)
    assert 0 <= task.priority <= 100


@settings(max_examples=300, deadline=None)
@given(
    process=st.booleans(),
    steps=st.lists(st.tuples(OPERATIONS, ACTORS), max_size=25),
)
def test_no_sequence_of_operations_breaks_the_lifecycle(process, steps):
    task = new_task(process=process)
    history = []
    for operation, actor in steps:
        try:
            step = apply(task, operation, actor, NOW)
        except (InvalidTaskTransition, NotTaskWorker, InvalidInput):
            continue  # refused: the task is immutable, so the caller still holds it unchanged
        assert task.state not in FINAL_STATES, "a finished task never changes again"
        task = step.task
        history.append(step.entry)
        assert step.entry.state == task.state
        assert step.entry.operation == operation.name
        assert_consistent(task)
    assert len(history) <= len(steps)
