"""The administration's forms, declared as JSON Schema with UI hints (the task forms' renderer)."""

from __future__ import annotations

from collections.abc import Sequence

from kontor.platform import Group
from kontor.web.views import FormView

EMAIL = r"^[^@\s]+@[^@\s]+$"
TENANT_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"


def invitation_form(groups: Sequence[Group]) -> FormView:
    """Invite a user into one of the caller's groups (they set their password from the mail)."""
    return FormView(
        key="admin.invite_user",
        title="Benutzer einladen",
        schema={
            "type": "object",
            "required": ["display_name", "login", "email", "group"],
            "properties": {
                "display_name": {"type": "string", "title": "Name", "maxLength": 200},
                "login": {
                    "type": "string",
                    "title": "Anmeldename",
                    "minLength": 3,
                    "maxLength": 254,
                },
                "email": {"type": "string", "title": "E-Mail", "pattern": EMAIL, "maxLength": 254},
                "group": {
                    "type": "string",
                    "title": "Gruppe",
                    "enum": [group.group_id for group in groups],
                },
            },
        },
        ui={"group": {"widget": "radio", "options": {g.group_id: g.name for g in groups}}},
    )


BROKER_SYSTEM_FORM = FormView(
    key="admin.broker_system",
    title="Maklersystem anlegen",
    schema={
        "type": "object",
        "required": ["company_name", "tenant_id", "contact_name", "email", "login"],
        "properties": {
            "company_name": {"type": "string", "title": "Firma", "maxLength": 200},
            "tenant_id": {"type": "string", "title": "Kennung", "pattern": TENANT_ID},
            "contact_name": {"type": "string", "title": "Ansprechpartner", "maxLength": 200},
            "email": {"type": "string", "title": "E-Mail", "pattern": EMAIL, "maxLength": 254},
            "login": {"type": "string", "title": "Anmeldename", "minLength": 3, "maxLength": 254},
        },
    },
    ui={"tenant_id": {"help": "Kleinbuchstaben, Ziffern, - und _, z. B. makler-nord"}},
)
"""A broker system with its first user, who gets an invitation e-mail."""
