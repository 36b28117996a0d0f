"""Through the bus and the store: a refused operation changes neither the task nor its history."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from kontor.bootstrap import bootstrap
from kontor.casework.tasks import CreateTask, TaskStore, WorkOnTask
from kontor.errors import KontorError
from kontor.messaging import FakeClock
from kontor.settings import Settings
from support.backends import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)

TENANT = "t1"
PEOPLE = st.sampled_from(["anna", "ben", "carl"])
OPERATIONS = [
    "claim", "release", "start", "delegate", "resolve", "reject", "complete", "suspend",
    "resume", "save_draft", "assign", "cancel", "fail",
]  # fmt: skip
STEPS = st.lists(
    st.tuples(
        st.sampled_from(OPERATIONS),
        PEOPLE,
        st.fixed_dictionaries({}, optional={"user_id": PEOPLE, "reason": st.just("why")}),
    ),
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_every_refused_operation_leaves_task_and_history_as_they_were(
    engine: Engine, steps: list[tuple[str, str, dict[str, str]]]
) -> None:
    kontor = bootstrap(Settings(), engine=engine, clock=FakeClock())
    task = kontor.bus.handle(
        CreateTask(tenant_id=TENANT, actor="anna", name="Check", candidate_groups=["claims"])
    )

    def snapshot() -> tuple[object, object]:
        with kontor.bus.unit_of_work() as uow:
            store = TaskStore(uow.connection, TENANT)
            return store.get(task.id), store.history(task.id)

    for operation, actor, arguments in steps:
        before = snapshot()
        command = WorkOnTask(
            tenant_id=TENANT, actor=actor, actor_groups=["claims"], task_id=task.id,
            operation=operation, arguments=arguments,
        )  # fmt: skip
        try:
            kontor.bus.handle(command)
        except KontorError as error:
            refused = error.status
        else:
            continue
        assert refused in (403, 409, 422)
        assert snapshot() == before
