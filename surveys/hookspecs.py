"""Every hook a plugin can implement. Each docstring is the contract.

Hooks are called with keyword arguments only. A spec may gain arguments over time,
never lose or rename one. Registration hooks return lists; ``None`` means "nothing
from me". Every hook here is documented in docs/plugins.md and has a test named
``test_hook_<name>``.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("surveys")


@hookspec
def surveys_register_question_types():
    """Return a list of :class:`surveys.core.question_types.QuestionType` objects.

    Each type has a unique ``name`` (lower_snake), an ``options_schema`` (a marshmallow
    schema for the options it accepts), a ``template`` that renders it, and the methods
    ``answer_keys``, ``item_ranges``, ``make_fields``, ``dump``, ``load`` and ``export``.
    Two plugins registering the same name stop the start-up with an error naming both.
    """


@hookspec
def surveys_register_instruments():
    """Return a list of questionnaire files (``str`` or ``pathlib.Path``) this plugin provides.

    Every file goes through the one loader and validator (docs/format.md); a file with
    errors stops the start-up with ``file:line: message``. Two plugins registering the
    same instrument id stop the start-up with an error naming both plugins and files.
    """


@hookspec
def surveys_score_response(instrument, answers, profile):
    """Score one set of answers; return a list of ``ScoreResult`` or ``None``.

    ``instrument`` is a loaded :class:`surveys.core.definitions.Instrument`; ``answers``
    maps answer keys to stored values; ``profile`` is a
    :class:`surveys.core.definitions.Profile` (the participant's age and sex, for norm
    tables; its fields are None when unknown). An implementation may leave ``profile``
    out of its signature. Must be pure: no database, request or clock.
    Return ``None`` when the instrument is not yours; the first non-``None`` result
    wins, and the core's declarative scorer runs last. If the implementation raises,
    the error is logged, the instrument's scales are stored as missing with the reason
    ``scorer failed``, and the participant's response is kept.
    """


@hookspec
def surveys_register_analyses():
    """Return a list of :class:`surveys.core.contracts.Analysis` objects.

    An analysis has a unique ``name``, a ``title``, ``applies_to`` (what data it takes:
    ``"wave_pair"`` or ``"campaign"``) and ``run(data) -> result``, a pure function
    of stored answers and scores that never writes back.
    """


@hookspec
def surveys_export_sheets(campaign, tables):
    """Return a list of :class:`surveys.core.contracts.Sheet` to add to a campaign's workbook.

    ``campaign`` is the campaign being exported; ``tables`` is a
    :class:`surveys.core.contracts.CampaignTables` with its answers and scores already read.
    Plugins describe sheets (name, columns, rows); only the core writes the workbook.
    Return ``None`` to add nothing.

    Every value computed from a group of people (a count, a mean, a distribution, a quote) is
    wrapped in :class:`surveys.core.published.Counted` with the codes of the participants it comes
    from; the core decides over all sheets of the export at once what an aggregated audience may
    see (docs/privacy.md). A sheet of an aggregated export with any other number outside its
    ``plain_columns`` is left out, and the error logged.
    """


@hookspec
def surveys_register_blueprints():
    """Return a list of Flask blueprints.

    A blueprint without its own ``url_prefix`` is mounted under ``/plugins/<plugin name>``.
    """


@hookspec
def surveys_register_commands(cli):
    """Add click commands to ``cli``, the application's command group; return ``None``.

    Commands then run as ``surveys <command>`` and ``flask --app surveys <command>``.
    """


@hookspec
def surveys_response_submitted(response):
    """Called after a response has been submitted, scored and committed; return ``None``.

    For side effects only (notifications, caches). A failure is logged and never
    touches the stored response.
    """


@hookspec
def surveys_dashboard_panels(view):
    """Return a list of :class:`surveys.core.contracts.Panel` for a programme's dashboard and its
    printed report, or ``None``.

    ``view`` is a :class:`surveys.core.contracts.ProgrammeView`: the programme, its campaigns
    and ``view.tables(campaign)`` (read once, shared by every plugin). Every staff role reads the
    dashboard, the viewer included, so panels carry aggregated data only and hide groups under
    ``view.min_group``. When ``view.charts`` is False, leave charts out (only the headlines are
    shown). If the implementation raises, the error is logged and its panels are left out.
    """
