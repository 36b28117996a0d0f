"""Domain errors as a person reads them, in German (the English catalogue translates).

The engines (process, casework, rules, portfolio, platform) refuse in English for the REST API;
a page names their refusal by its stable code instead. Only what the apps and the web layer
raise is worded in German already and is shown as it is.
"""

from __future__ import annotations

from kontor.errors import KontorError
from kontor.web.i18n import Phrase

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

MISSING = {
    "reason": "Bitte Begründung angeben.",
    "user_id": "Bitte Benutzer angeben.",
    "group_id": "Bitte Gruppe angeben.",
    "message": "Bitte Nachricht angeben.",
}
"""What to ask for when an engine misses a field, by the field's name."""

REFUSALS = {
    "casework.task_not_found": "Diese Aufgabe gibt es nicht.",
    "casework.concurrent_task_change": "Die Aufgabe wurde gerade geändert; bitte neu laden.",
    "casework.bulk_too_large": "Zu viele Aufgaben auf einmal; bitte weniger auswählen.",
    "casework.form_not_found": "Dieses Formular gibt es nicht.",
    "casework.form_version_taken": "Diese Formularversion gibt es schon.",
    "casework.invalid_form_data": "Die Formulardaten sind ungültig.",
    "cases.not_found": "Diesen Vorgang gibt es nicht.",
    "cases.concurrent_change": "Der Vorgang wurde gerade geändert; bitte neu laden.",
    "cases.transition_refused": "Nicht möglich: der Status des Vorgangs erlaubt das nicht.",
    "cases.duplicate_business_key": "Einen Vorgang mit diesem Geschäftsschlüssel gibt es schon.",
    "cases.invalid_data": "Die Vorgangsdaten sind ungültig.",
    "cases.unknown_type": "Diese Vorgangsart gibt es nicht.",
    "attachments.not_found": "Diesen Anhang gibt es nicht.",
    "attachments.not_owner": (
        "Entfernen darf nur, wer die Datei hinzugefügt hat, oder ein Verantwortlicher."
    ),
    "process.instance_not_found": "Diese Prozessinstanz gibt es nicht.",
    "process.definition_not_found": "Diesen Prozess gibt es nicht (nicht bereitgestellt).",
    "process.instance_not_active": "Nicht möglich: die Instanz läuft nicht mehr.",
    "process.instance_suspended": "Nicht möglich: die Instanz ist angehalten.",
    "process.unknown_wait_state": "Nicht möglich: das ist hier nicht (mehr) offen.",
    "process.message_not_correlated": "Nicht möglich: keine Instanz wartet auf diese Nachricht.",
    "process.duplicate_business_key": "Eine Instanz mit diesem Geschäftsschlüssel läuft schon.",
    "process.concurrent_modification": "Die Instanz wurde gerade geändert; bitte neu laden.",
    "process.step_stopped": "Die Instanz wurde gerade geändert; bitte neu laden.",
    "process.invalid_model": "Das Prozessmodell ist ungültig.",
    "rules.not_found": "Dieses Entscheidungsmodell gibt es nicht.",
    "rules.unknown_decision": "Das Modell hat diese Entscheidung nicht.",
    "rules.unknown_hook": "Diesen Hook-Punkt gibt es nicht.",
    "rules.hook_not_bound": "Dieser Hook-Punkt ist nicht gebunden.",
    "rules.invalid_model": "Das Entscheidungsmodell ist ungültig.",
    "rules.evaluation_limit": "Die Entscheidung braucht zu viel Rechenzeit oder Speicher.",
    "filters.name_taken": "Einen Filter dieses Namens gibt es schon.",
    "filters.not_owner": "Nur wer den Filter gespeichert hat, kann ihn löschen.",
    "filters.not_found": "Diesen gespeicherten Filter gibt es nicht.",
    "portfolio.not_found": "Diesen Datensatz gibt es nicht.",
    "portfolio.concurrent_change": "Der Datensatz wurde gerade geändert; bitte neu laden.",
    "portfolio.in_use": "Nicht möglich: der Datensatz wird noch verwendet.",
    "portfolio.invalid_data": "Die Daten sind ungültig.",
    "platform.absence_not_found": "Diese Abwesenheit gibt es nicht.",
    "platform.mail_unavailable": "Die E-Mail konnte nicht versandt werden.",
    "exchange.file_too_large": "Die Datei ist zu groß.",
    "exchange.export_too_large": "Zu viele Zeilen für einen Export; bitte stärker filtern.",
    "kontor.not_found": "Nicht gefunden.",
    "kontor.permission_denied": "Dafür fehlt Ihnen die Berechtigung.",
}
"""Refusals of the engines in German, by their stable code."""

PASSWORD_RULES = {
    "min_length": "Das Passwort braucht mindestens {limit} Zeichen.",
    "max_length": "Das Passwort darf höchstens {limit} Zeichen haben.",
    "common": "Das Passwort ist zu verbreitet oder gleich dem Login; bitte ein anderes wählen.",
}
"""The password rules the platform names (``details["rule"]``), in German."""

FIELD_REFUSALS = {
    (409, "login"): "Diesen Login gibt es schon.",
    (422, "login"): "Bitte einen Login angeben.",
    (422, "code"): "Der Code stimmt nicht oder wurde schon benutzt.",
    (422, "password"): "Das Passwort stimmt nicht.",
    (422, "current_password"): "Das bisherige Passwort stimmt nicht.",
    (422, "expires_at"): "Das Ablaufdatum muss in der Zukunft und im erlaubten Zeitraum liegen.",
    (422, "token"): "Der Link ist unbekannt, benutzt oder abgelaufen; bitte einen neuen anfordern.",
    (422, "ends_at"): "Eine Abwesenheit endet nach ihrem Beginn.",
    (422, "substitute_user_id"): "Bitte eine andere Person oder Gruppe als Vertretung angeben.",
}
"""The platform's refusals of a named field (by status and field), in German."""

BY_STATUS = {
    404: "Nicht gefunden.",
    403: "Dafür fehlt Ihnen die Berechtigung.",
    409: "Nicht möglich: der aktuelle Stand erlaubt das nicht.",
    422: "Nicht möglich: die Eingabe ist ungültig.",
}
"""An engine's refusal without a wording of its own, by its HTTP status."""

OTHERWISE = "Nicht möglich: die Aktion wurde abgelehnt."

SPEAKING_GERMAN = ("kontor.web.", "kontor.apps.")
"""Where refusals are worded in German for the people using the pages."""


def german_error(error: KontorError) -> str:
    """A short German sentence for ``error`` (a ``Phrase``, so that English translates it)."""
    details = error.details
    if error.code == "casework.invalid_task_transition":
        state = str(details.get("state"))
        state = STATE_WORDS.get(state, state)
        return Phrase("Nicht möglich: die Aufgabe ist {state}.", state=state)
    if error.code == "casework.not_task_worker":
        return "Nicht erlaubt: Sie bearbeiten diese Aufgabe nicht."
    if error.code in REFUSALS:
        return REFUSALS[error.code]
    if error.code == "kontor.invalid_input" and details.get("field") in MISSING:
        return MISSING[str(details["field"])]
    if isinstance(details.get("unavailable"), list):
        listed = ", ".join(str(name) for name in details["unavailable"])
        return Phrase("Für Ihren Mandanten nicht verfügbar: {permissions}", permissions=listed)
    rule = details.get("rule")
    if rule in PASSWORD_RULES:
        return Phrase(PASSWORD_RULES[str(rule)], limit=str(details.get("limit", "")))
    if worded_in_german(error):
        return Phrase("Nicht möglich: {reason}", reason=error.message)
    by_field = FIELD_REFUSALS.get((error.status, str(details.get("field"))))
    if by_field is not None:
        return by_field
    return BY_STATUS.get(error.status, OTHERWISE)


def worded_in_german(error: KontorError) -> bool:
    """Whether ``error`` was raised by an app or the web layer (which word it in German)."""
    trace = error.__traceback__
    if trace is None:  # made, never raised: only the web layer does that
        return True
    while trace.tb_next is not None:
        trace = trace.tb_next
    module = str(trace.tb_frame.f_globals.get("__name__", ""))
    return module.startswith(SPEAKING_GERMAN)
