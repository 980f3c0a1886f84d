"""The commands of the ``surveys`` command group (``register_commands``, called by the app factory).

The group itself is started by ``surveys.__main__.main``, so that this module never imports the factory."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from .core.errors import DefinitionError
from .core.loader import load_instrument
from .instruments.commands import echo_checked
from .plugins import describe_plugins
from .state import get_state
from .web.serve_address import base_url_mismatch, serve_command, served_url


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
@with_appcontext
def serve(host: str, port: int, threads: int) -> None:
    """Run the app under the waitress production WSGI server."""
    import waitress

    from surveys.web.proxies import waitress_options

    click.echo(_("Serving on %(url)s", url=f"http://{host}:{port}/"))
    app = current_app._get_current_object()
    base = str(app.config["SURVEYS_BASE_URL"])
    if base_url_mismatch(base, host, port, proxied=bool(app.config["SURVEYS_PROXY_HOPS"])):
        click.echo(base_url_warning(base, host, port), err=True)
    # waitress reads a whole body before the app sees it: past the app's limit it answers 413 unread itself
    options = {"max_request_body_size": app.config["MAX_CONTENT_LENGTH"], **waitress_options(app.config)}
    waitress.serve(app, host=host, port=port, threads=threads, **options)


def base_url_warning(base: str, host: str, port: int) -> str:
    served = served_url(host, port)
    return _(
        "Warning: participants' links will carry %(base)s, but this server listens on %(served)s, so those "
        "links will not open. Set SURVEYS_BASE_URL to the address participants reach, for example: "
        "SURVEYS_BASE_URL=%(served)s surveys serve --host %(host)s --port %(port)s",
        base=base,
        served=served,
        host=host,
        port=port,
    )


@click.command("demo")
@click.option("--seed", default=2025, show_default=True, type=int)
@with_appcontext
def demo(seed: int) -> None:
    """Build a demo school with answered and open waves; print a login and a link."""
    from flask_migrate import upgrade

    from .demo import build_demo

    upgrade()
    result = build_demo(seed=seed)
    command = serve_command(result.base_url)
    start = [(_("Start the app:"), command)] if command else []
    lines = start + [
        (_("Staff login:"), result.email),
        (_("Password:"), result.password),
        (_("Sign in at:"), f"{result.base_url}/login"),
        (_("Participant link:"), result.link),
    ]
    width = max(len(label) for label, _value in lines) + 1
    for label, value in lines:
        click.echo(f"{label:{width}}{value}")


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def plugins(as_json: bool) -> None:
    """List the loaded plugins, their versions and what each registers."""
    state = get_state()
    rows = describe_plugins(state.pm, state.registry)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']} {row['version']}")
        click.echo("  " + _("hooks: %(hooks)s", hooks=", ".join(row["hooks"]) or "-"))
        for item in row["registers"]:
            click.echo("  " + _registers(item))


def _registers(item: str) -> str:
    """One "kind name" item of a plugin's registrations, in words of the interface language."""
    kind, _space, name = item.rpartition(" ")
    if kind == "question type":
        return _("registers question type %(name)s", name=name)
    if kind == "instrument":
        return _("registers instrument %(name)s", name=name)
    if kind == "analysis":
        return _("registers analysis %(name)s", name=name)
    return _("registers %(item)s", item=item)


instrument = AppGroup("instrument", help="Check and list questionnaire files.")


@instrument.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def instrument_check(paths: tuple[str, ...]) -> None:
    """Validate questionnaire files; print file:line: message for each problem."""
    types = get_state().registry.question_types
    failed = False
    for path in paths:
        try:
            loaded = load_instrument(path, types)
        except DefinitionError as err:
            failed = True
            for problem in err.problems:
                click.echo(str(problem), err=True)
            continue
        echo_checked(path, loaded)
    if failed:
        sys.exit(1)


@instrument.command("list")
@with_appcontext
def instrument_list() -> None:
    """List the loaded instruments and the plugin each comes from."""
    registry = get_state().registry
    for instrument_id, loaded in sorted(registry.instruments.items()):
        owner = registry.instrument_owner[instrument_id]
        click.echo(f"{instrument_id}\tv{loaded.version}\t{owner}\t{loaded.title.ru}")


def register_commands(cli: AppGroup) -> None:
    from surveys.exports.commands import export, exports
    from surveys.instruments.commands.plugin import plugin
    from surveys.instruments.commands.texts import add_texts
    from surveys.instruments.commands.xlsform import import_xlsform
    from surveys.participation.commands import score, scores
    from surveys.transfer.commands.campaign import campaign
    from surveys.transfer.commands.responses import responses
    from surveys.workspace.commands import user
    from surveys.workspace.erasure_commands import participant, retention

    from .api.cli import api_token

    instrument.add_command(score)
    instrument.add_command(add_texts)
    instrument.add_command(import_xlsform)
    commands = (serve, demo, plugins, plugin, instrument, user, campaign, responses, scores, export, exports, api_token)
    commands += (participant, retention)
    for command in commands:
        cli.add_command(command)
