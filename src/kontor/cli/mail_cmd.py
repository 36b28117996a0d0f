"""``kontor mail list``: the e-mail kept in the local sink (development and test)."""

from __future__ import annotations

import typer

from kontor.cli.common import fail, load_settings, print_json
from kontor.platform import MaildirSink
from kontor.platform_wiring import mailer_for

app = typer.Typer(help="E-mail kept locally in development.", no_args_is_help=True)


@app.command("list")
def list_mail() -> None:
    """Print the mail in the local sink as JSON, oldest first."""
    settings = load_settings()
    mailer = mailer_for(settings)
    if not isinstance(mailer, MaildirSink):
        fail("e-mail is not kept locally here: it goes to KONTOR_SMTP_HOST (or nowhere)")
    print_json(
        [
            {
                "date": message["Date"],
                "to": message["To"],
                "subject": message["Subject"],
                "body": message.get_content(),
            }
            for message in mailer.messages()
        ]
    )
