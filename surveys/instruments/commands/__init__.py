"""The instruments feature's commands of the ``surveys`` command group (``surveys.cli`` adds them)."""
