"""``surveys plugin new NAME``: start a new method as a plugin package (see docs/plugins.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from surveys.cli_language import gettext as _
from surveys.instruments.scaffold import ScaffoldError, create_plugin
from surveys.plugins import entry_point_names

plugin = AppGroup("plugin", help="Make plugins: packages that add methods to surveys.")


@plugin.command("new", with_appcontext=False)
@click.argument("name")
@click.option("--path", "parent", default=".", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to create the package in.")  # fmt: skip
@click.option("--title", default=None, help="The method's title, shown to participants (default: from NAME).")
def plugin_new(name: str, parent: Path, title: str | None) -> None:
    """Create a plugin package NAME: a questionnaire, a scorer and known-answer tests."""
    try:
        made = create_plugin(name, parent, title, taken=set(entry_point_names()))
    except ScaffoldError as err:
        click.echo(f"surveys plugin new: {_(err.message, **err.params)}", err=True)
        sys.exit(2)
    click.echo(_("Created plugin '%(name)s' in %(folder)s:", name=made.name, folder=made.folder))
    for path in made.files:
        click.echo(f"  {path.relative_to(made.folder)}")
    click.echo(_("Next:"))
    click.echo(f"  pip install -e '{made.folder}[test]'")
    click.echo("  surveys plugins")
    click.echo(f"  python -m pytest {made.folder}")
