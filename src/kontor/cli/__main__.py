"""``python -m kontor.cli`` runs the ``kontor`` command."""

from kontor.cli.main import main

main()
