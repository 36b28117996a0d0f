"""Who sees what, and the Easy-BKM switch changed at run time."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from importlib.resources import files

import pytest
from fastapi.testclient import TestClient

from kontor.apps.portfolio_transfer import EASY_BKM
from kontor.bootstrap import Kontor
from kontor.messaging import FakeClock
from kontor.platform import UNDERWRITERS, TenantKind
from support.backends import BACKENDS
from support.identity import api_caller
from support.transfer import (
    BASE,
    TransferWorld,
    household,
    insurer_with_broker,
    transfer_world,
)

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def easy_bkm(switched_on: bool) -> bytes:
    """The shipped Easy-BKM model with its one rule answering ``switched_on``."""
    shipped = files("kontor.apps.portfolio_transfer").joinpath("decisions").joinpath("easy_bkm.dmn")
    answer = "true" if switched_on else "false"
    return (
        shipped.read_text("utf-8").replace("<text>false</text>", f"<text>{answer}</text>").encode()
    )


def test_a_broker_sees_only_its_own_and_an_insurer_only_what_its_brokers_forwarded(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    other_broker = insurer_with_broker(kontor, "makler-b")
    foreign = api_caller(kontor, "fremd-versicherer", kind=TenantKind.INSURER, group=UNDERWRITERS)
    insurer_with_broker(kontor, "makler-c", insurer="fremd-versicherer")
    [request_id] = world.add(household("HR-1"))
    world.act(request_id, "forward")
    for stranger in (other_broker, foreign):
        assert world.seen_by(stranger, request_id).status_code == 404
        listed = client.get(f"{BASE}/requests", headers=stranger.headers).json()
        assert listed["items"] == []
        protocol = client.get(f"{BASE}/protocol", headers=stranger.headers).json()
        assert protocol["items"] == []
        bulk = client.post(f"{BASE}/bulk/withdraw", json={"request_ids": [request_id]},
                           headers=stranger.headers).json()  # fmt: skip
        assert bulk["results"][0]["problem"]["status"] == 404
    as_b = world.act(request_id, "set_interest")  # the right side, still allowed
    assert as_b.status_code == 200
    stolen = client.post(
        f"{BASE}/requests", json={"contract_ids": [world.seen_by(world.broker, request_id)
                                                   .json()["contract_id"]]},
        headers=other_broker.headers,
    ).json()  # fmt: skip
    assert stolen["results"][0]["problem"]["field"] == "contract_id"  # not B's contract


def test_easy_bkm_forwards_and_sets_interest_by_machine_once_switched_on(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    [by_hand] = world.add(household("HR-1"))
    assert world.status(by_hand) == "Warte auf Anfrage"  # shipped switched off

    rules = "/api/rules/deployments?file_name=easy_bkm_on.dmn"
    deployed = client.post(rules, content=easy_bkm(True), headers=world.admin.headers)
    assert deployed.status_code == 201, deployed.text  # the binding follows the latest version
    [easy] = world.add(household("HR-2"))
    seen = world.exact(world.underwriter, easy)
    assert seen["status"] == "Zeichnungsinteresse"
    assert seen["case_status"] == "Berechnung erfolgreich"  # calculated at once
    assert seen["calculation"]["premium"] == seen["calculation"]["previous_premium"]
    protocol = client.get(f"{BASE}/requests/{easy}/protocol", headers=world.broker.headers)
    [note] = [e for e in protocol.json()["items"] if e["text"].startswith("Easy-BKM")]
    assert note["actor"] is None
    assert note["data"]["decision"]

    back = {"model_key": "portfolio_transfer_easy_bkm", "decision": "easy_bkm", "version": 1}
    rebound = client.put(f"/api/rules/hooks/{EASY_BKM.name}", json=back,
                         headers=world.admin.headers)  # fmt: skip
    assert rebound.status_code == 200, rebound.text
    [again_by_hand] = world.add(household("HR-3"))
    assert world.status(again_by_hand) == "Warte auf Anfrage"
    decisions = client.get("/api/rules/decisions", headers=world.admin.headers).json()
    # only the "on" is recorded: a contract left with the broker leaves no trace at the insurer
    assert [d["output"] for d in decisions if d["hook"] == EASY_BKM.name] == [True]


def test_the_protocol_export_holds_text_cells_only(kontor: Kontor, client: TestClient) -> None:
    world = transfer_world(kontor, client)
    [request_id] = world.add(household("HR-1"))
    world.act(request_id, "forward")
    world.act(request_id, "request_information", remark='=HYPERLINK("http://evil","x")')
    answer = client.get(f"{BASE}/protocol/export", headers=world.broker.headers)
    assert answer.status_code == 200
    with zipfile.ZipFile(io.BytesIO(answer.content)) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet
    assert "Bemerkung: =HYPERLINK" in sheet.replace("&quot;", '"')


def test_the_background_loop_runs_the_calculations_every_five_minutes(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    first, second = world.add(household("HR-1"), household("HR-2"))
    world.bulk("forward", [first, second])
    world.act(first, "set_interest")
    kontor.background_round()
    assert world.exact(world.underwriter, first)["case_status"] == "Berechnung erfolgreich"
    world.act(second, "set_interest")
    kontor.background_round()  # the last round was just now
    assert world.exact(world.underwriter, second)["case_status"] == "Berechnung ausführen"
    clock = kontor.clock
    assert isinstance(clock, FakeClock)
    clock.advance(dt.timedelta(minutes=5))
    kontor.background_round()
    assert world.exact(world.underwriter, second)["case_status"] == "Berechnung erfolgreich"


def test_deleting_the_broker_system_takes_its_requests_and_copies_from_the_insurer(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    [request_id] = world.add(household("HR-1"))
    world.act(request_id, "forward")
    copy_id = world.seen_by(world.underwriter, request_id).json()["contract_id"]
    deleted = client.delete("/api/tenants/broker-systems/makler-a", headers=world.admin.headers)
    assert deleted.status_code == 200, deleted.text
    assert world.seen_by(world.underwriter, request_id).status_code == 404
    assert client.get(f"{BASE}/requests", headers=world.underwriter.headers).json()["items"] == []
    assert client.get(f"{BASE}/protocol", headers=world.underwriter.headers).json()["items"] == []
    assert world.contract("versicherer-t", copy_id) is None


def test_a_sub_brokers_requests_go_to_the_insurer_above_its_broker(
    kontor: Kontor, client: TestClient
) -> None:
    world = transfer_world(kontor, client)
    sub_broker = insurer_with_broker(kontor, "makler-a-unter", insurer="makler-a")
    contracts = TransferWorld(
        kontor, client, world.underwriter, world.admin, sub_broker, "makler-a-unter"
    )
    [request_id] = contracts.add(household("HR-9"))
    contracts.act(request_id, "forward")
    assert world.seen_by(world.underwriter, request_id).json()["status"] == "Anfrage"
    assert world.seen_by(world.broker, request_id).status_code == 404  # not the parent broker's


def test_lists_filter_by_status_and_page_with_a_cursor(kontor: Kontor, client: TestClient) -> None:
    world = transfer_world(kontor, client)
    requests = world.add(*(household(f"HR-{n}") for n in range(5)))
    world.bulk("forward", requests[:3])
    waiting = client.get(f"{BASE}/requests", params={"status": "Warte auf Anfrage"},
                         headers=world.broker.headers).json()  # fmt: skip
    assert {item["request_id"] for item in waiting["items"]} == set(requests[3:])
    seen, after = [], None
    while True:
        params: dict[str, object] = {"limit": 2, **({"after": after} if after else {})}
        page = client.get(f"{BASE}/requests", params=params, headers=world.broker.headers).json()
        seen += [item["request_id"] for item in page["items"]]
        after = page["next_cursor"]
        if after is None:
            break
    assert sorted(seen) == sorted(requests)
    assert len(seen) == len(set(seen))
    foreign = client.get(f"{BASE}/requests", params={"after": requests[4]},
                         headers=world.underwriter.headers)  # fmt: skip
    assert (foreign.status_code, foreign.json()["field"]) == (422, "after")  # not forwarded
