"""``python -m self_distill`` runs the CLI."""

from self_distill.cli import main

main()
