"""``python -m surveys``: the same as the ``surveys`` command."""

from .cli import main

main()
