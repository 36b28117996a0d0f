"""An invitation e-mail through a real SMTP server, its link opened in a real browser: the page
sets the password and signs the new user in; the link does not work a second time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.browser import axe_violations, follow, require_browser
from support.messaging import wait_for
from support.server import Server, kontor_env, running_server
from support.smtp import Inbox, smtp_inbox

INVITED = "ines@betrieb.example"
PASSWORD = "ein langes Kennwort für Ines"


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as received:
        yield received


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[Server]:
    require_browser()
    data_dir: Path = tmp_path_factory.mktemp("mail")
    smtp = {"KONTOR_SMTP_HOST": "127.0.0.1", "KONTOR_SMTP_PORT": str(inbox.port),
            "KONTOR_SMTP_STARTTLS": "false"}  # fmt: skip
    with running_server(kontor_env(data_dir, **smtp)) as running:
        yield running


def test_invitation_link_sets_the_password_and_signs_in(
    server: Server, inbox: Inbox, page: Any
) -> None:
    with server.client() as client:
        body = {"login": INVITED, "display_name": "Ines Invited", "email": INVITED,
                "groups": ["operator_staff"]}  # fmt: skip
        created = client.post("/api/platform/users", json=body)
        assert created.status_code == 201, created.text
    wait_for(lambda: len(inbox.to(INVITED)) == 1, "the invitation e-mail")
    link = inbox.link(INVITED)
    assert link.startswith(f"{server.base}/password?code=")

    page.goto(link)
    page.get_by_role("heading", name="Kennwort setzen").wait_for()
    assert axe_violations(page) == []
    page.get_by_label("Neues Kennwort").fill(PASSWORD)
    page.get_by_label("Kennwort wiederholen").fill(PASSWORD + " anders")
    follow(page.get_by_role("button", name="Kennwort setzen und anmelden"))
    assert page.get_by_role("alert").inner_text() == "Die beiden Kennwörter stimmen nicht überein."

    page.get_by_label("Neues Kennwort").fill(PASSWORD)
    page.get_by_label("Kennwort wiederholen").fill(PASSWORD)
    follow(page.get_by_role("button", name="Kennwort setzen und anmelden"))
    assert page.url == f"{server.base}/"
    assert page.get_by_text("Angemeldet als Ines Invited").is_visible()
    wait_for(lambda: len(inbox.to(INVITED)) == 2, "the confirmation of the new password")
    assert inbox.to(INVITED)[-1]["Subject"] == "Kontor: Ihr Kennwort wurde geändert"

    page.goto(link)  # single use: the same link a second time
    assert page.get_by_role("alert").inner_text().startswith("Dieser Link ist unbekannt")
    assert page.get_by_label("Neues Kennwort").count() == 0
