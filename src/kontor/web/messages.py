"""Domain errors as a person reads them, in German (the English catalogue translates)."""

from __future__ import annotations

from kontor.errors import KontorError

STATE_WORDS = {
    "created": "angelegt",
    "ready": "offen",
    "reserved": "zugewiesen",
    "in_progress": "in Bearbeitung",
    "suspended": "angehalten",
    "completed": "erledigt",
    "failed": "fehlgeschlagen",
    "exited": "abgebrochen",
    "obsolete": "hinfällig",
}
"""The task states in German."""

FIELD_WORDS = {"reason": "Begründung", "user_id": "Benutzer", "group_id": "Gruppe"}


def german_error(error: KontorError) -> str:
    """A short German sentence for ``error``."""
    details = error.details
    if error.code == "casework.invalid_task_transition":
        state = STATE_WORDS.get(str(details.get("state")), str(details.get("state")))
        return f"Nicht möglich: die Aufgabe ist {state}."
    if error.code == "casework.not_task_worker":
        return "Nicht erlaubt: Sie bearbeiten diese Aufgabe nicht."
    if error.code in ("casework.task_not_found", "kontor.not_found"):
        return "Nicht gefunden."
    if error.code == "kontor.permission_denied":
        return "Dafür fehlt Ihnen die Berechtigung."
    if error.code == "kontor.invalid_input" and details.get("field") in FIELD_WORDS:
        return f"Bitte {FIELD_WORDS[str(details['field'])]} angeben."
    return f"Nicht möglich: {error.message}"
