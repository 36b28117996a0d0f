"""A real browser for the UI tests: Debian's Chromium driven by Playwright (skips without it)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from support.server import KONTOR, OPERATOR_LOGIN, OPERATOR_PASSWORD, Server

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(
    os.environ.get("KONTOR_SCREENSHOTS") or Path(tempfile.gettempdir()) / "kontor-screenshots"
)
"""Where the pictures go: ``KONTOR_SCREENSHOTS=docs/screenshots`` renews the README's pictures;
by default a temporary folder, so that a test run never changes the repository."""


def require_browser() -> Any:
    """Playwright's sync API, or skip when Chromium or Playwright is missing."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("browser tests need Debian's chromium (/usr/bin/chromium); .ci/run installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need the playwright package (dev extra)")
    return sync_playwright


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium for the block."""
    sync_playwright = require_browser()
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in(
    page: Any, base: str, login: str = OPERATOR_LOGIN, password: str = OPERATOR_PASSWORD
) -> None:
    """Log in through the login page as a person does."""
    page.goto(f"{base}/login")
    page.get_by_label("Anmeldename").fill(login)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{base}/")


def follow(target: Any) -> None:
    """Click a link (or a form's submit button) and wait until the page it opens has loaded.

    Playwright's click returns once the navigation has started, while the old document may still
    be shown; reading the page right after it would read the page being left."""
    with target.page.expect_navigation():
        target.click()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical accessibility violations axe-core finds on the page."""
    if not AXE.exists():
        pytest.skip("the accessibility check needs node_modules/axe-core (npm ci)")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page: Any, name: str) -> None:
    """Keep a picture of the page (for the README when ``KONTOR_SCREENSHOTS`` names docs/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def operator_id(server: Server) -> str:
    """The operator's user id."""
    with server.client() as client:
        return str(client.get("/api/auth/me").json()["user_id"])


def create_task(server: Server, **fields: Any) -> str:
    """A standalone task created through the API; its id."""
    with server.client() as client:
        answer = client.post("/api/tasks", content=json.dumps(fields, default=str),
                             headers={"Content-Type": "application/json"})  # fmt: skip
        assert answer.status_code == 201, answer.text
        return str(answer.json()["task_id"])


def due(days: int) -> str:
    """A due date ``days`` from a fixed day, as ISO text."""
    return (dt.datetime(2027, 1, 1, 9, 0, tzinfo=dt.UTC) + dt.timedelta(days=days)).isoformat()


def add_user(server: Server, tenant: str, kind: str, login: str, group: str, password: str) -> None:
    """A tenant (if new) with one user in ``group``, created as an operator does on the CLI."""
    listed = subprocess.run([*KONTOR, "tenant", "list"], env=server.env, check=True,
                            capture_output=True, text=True)  # fmt: skip
    if tenant not in listed.stdout:
        create = ["tenant", "create", tenant, "--name", tenant.title(), "--kind", kind]
        subprocess.run([*KONTOR, *create], env=server.env, check=True, capture_output=True)
    subprocess.run(
        [*KONTOR, "user", "create", "--tenant", tenant, "--login", login, "--group", group,
         "--password-stdin"],
        env=server.env, input=password, text=True, check=True, capture_output=True,
    )  # fmt: skip


def client_for(server: Server) -> httpx.Client:
    """An API client with the operator's token."""
    return server.client()
