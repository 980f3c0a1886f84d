"""``surveys instrument import-xlsform FILE``: an ODK / KoboToolbox form as a questionnaire file of ours.

The conversion is :func:`surveys.instruments.xlsform.convert`; this command writes the YAML, prints every
problem on standard error and checks the result with the same loader as ``instrument check``.
Exit codes: 0 converted as is, 1 converted but something was left out (the file is still written),
2 nothing usable (or the output exists and ``--force`` was not given).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from surveys.core.errors import DefinitionError
from surveys.core.loader import load_instrument
from surveys.core.schema import ROLES
from surveys.instruments.commands import checked_line
from surveys.instruments.xlsform import convert, to_yaml
from surveys.instruments.xlsform_results import Conversion
from surveys.state import get_state


def default_output(path: str, form_id: str) -> Path:
    """Next to the form, named by its id: ``forms/start.xlsx`` -> ``forms/<id>.yaml``."""
    return Path(path).with_name(f"{form_id}.yaml")


def _report(conversion: Conversion) -> None:
    for problem in conversion.problems:
        click.echo(str(problem), err=True)


@click.command("import-xlsform")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="The YAML file to write [default: <id>.yaml next to FILE]."
)
@click.option(
    "--audience",
    multiple=True,
    default=("mentee",),
    show_default=True,
    type=click.Choice(ROLES),
    help="Who answers the questionnaire (XLSForm has no such field); repeat for several roles.",
)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@with_appcontext
def import_xlsform(path: str, output: str | None, audience: tuple[str, ...], force: bool) -> None:
    """Convert an XLSForm (.xlsx from ODK or KoboToolbox) into a questionnaire file; see docs/xlsform.md."""
    conversion = convert(path, audience=list(dict.fromkeys(audience)))
    if conversion.definition is None:
        _report(conversion)
        sys.exit(2)
    target = Path(output) if output else default_output(path, conversion.definition["id"])
    if target.exists() and not force:
        click.echo(_("%(path)s: the file exists; use --force to overwrite it", path=target), err=True)
        sys.exit(2)
    text = to_yaml(conversion.definition, path)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as err:
        click.echo(_("%(path)s: cannot write the file: %(error)s", path=target, error=err.strerror or err), err=True)
        sys.exit(2)
    _report(conversion)
    state = get_state()
    try:
        loaded = load_instrument(target, state.registry.question_types, text=text)
    except DefinitionError as err:
        for problem in err.problems:
            click.echo(str(problem), err=True)
        click.echo(_("%(path)s: written, but it does not load; fix the problems above", path=target), err=True)
        sys.exit(2)
    click.echo(checked_line(target, loaded))
    if loaded.id in state.registry.instruments:
        message = _(
            "%(path)s: note: an instrument '%(id)s' is already loaded; change the id to add both",
            path=target,
            id=loaded.id,
        )
        click.echo(message, err=True)
    sys.exit(0 if conversion.complete else 1)
