"""``kontor secrets``: rotate stored credentials onto the current secret key."""

from __future__ import annotations

import typer

from kontor import db
from kontor.cli.common import load_settings, print_json
from kontor.integration.rotation import rotate_integration_secrets
from kontor.platform.second_factor import rotate_second_factor_seeds
from kontor.platform_wiring import secret_box

app = typer.Typer(help="Secrets stored encrypted at rest.", no_args_is_help=True)


@app.command("rotate")
def rotate() -> None:
    """Seal every stored secret still under a key of KONTOR_SECRET_KEYS_RETIRED anew under
    KONTOR_SECRET_KEY; afterwards the retired keys can be dropped."""
    settings = load_settings()
    engine = db.create_database_engine(settings.effective_database_url)
    try:
        with engine.begin() as connection:  # all or nothing
            seeds = rotate_second_factor_seeds(connection, secret_box(settings, "second-factor"))
            integration = rotate_integration_secrets(
                connection, secret_box(settings, "integration")
            )
    finally:
        engine.dispose()
    print_json({"second_factor_seeds": seeds, **integration})
