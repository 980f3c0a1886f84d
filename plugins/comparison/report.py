"""The whole input/output comparison of a campaign as one JSON-ready dict (docs/comparison.md).

:func:`build_report` is pure: it reads a campaign's tables (scores and answers rows) and the
instrument definitions and returns plain dicts, lists, strings, ints, floats and None (no NaN).

- **Pairing** is by participant code. The waves are *linked* when at least one participant has a
  score or an answer in both; otherwise every scale falls back to the independent-groups
  comparison (:mod:`.stats_groups`).
- **Scales** are the (instrument, scale) pairs with at least one score in each wave, by
  instrument id and then in the instrument's scale order. Missing scores are dropped pairwise.
- **Subgroups.** ``group_by`` is one of ``form``, ``role``, ``group`` (class), ``variant`` or
  ``mentor``, read from the answers rows of the two waves (the first non-empty value of each
  participant). A key that no row carries is skipped (no subgroups, ``group_by`` None). Each scale
  has a row for everyone (``group`` None) and, with subgroups, one per group in sorted order;
  participants without a value form the group «not specified» (in the interface language).
- **Hiding.** Rows under ``min_group`` pairs are hidden (n only). When the hidden groups of a scale
  hold fewer than ``min_group`` people together, the smallest shown group is hidden too, so that
  no hidden group can be worked out as the total minus the shown groups.
- **Holm** runs over the scales' Wilcoxon p (Mann–Whitney p when not linked) within each group.
- **RCI reliability**: ``published_reliability[(instrument, scale)]`` if given, else the scale's
  published ``reliability`` from the instrument file (its ``source`` goes into the row as
  ``reliability_citation``), otherwise the alpha (KR-20) of every answer to the instrument in the
  before wave (at least ``min_group`` complete).
- **People** (``with_people=True``, for the workbook's disclosure policy only): each scale row carries
  ``people``, the sorted participant codes behind its numbers: ``row`` (the pairs; both waves'
  participants when not linked), ``before`` and ``after``, and, where computed, ``improved``,
  ``no_change``, ``deteriorated`` (the RCI classes) and ``normalised``; the report carries
  ``people`` for the attrition counts (``both``, ``before_only``, ``after_only``). Left out by
  default, so the JSON of the command line, the page and the API never lists codes.
- **Correlations** (linked waves only): see ``factors.py``.
- **Columns.** The work is done on a campaign's columns
  (:func:`.report_columns.build_report_columns`, issue 25): :func:`build_report` turns the tables
  into columns (:func:`surveys.core.analysis_tables.from_tables`) and hands them over.
- **Words.** Everything else is numbers, ids and the school's own names, except ``method_note`` (see
  ``method_note.py``) and the «not specified» group: both are written in the language of the app
  context the report is built in (English outside one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from surveys.core.analysis_tables import from_tables
from surveys.core.contracts import MIN_GROUP, CampaignTables
from surveys.core.definitions import Instrument

from .report_columns import CATEGORY_FACTORS, GROUP_KEYS, build_report_columns
from .report_rows import SECONDARY
from .stats_paired import MIN_PAIRS

__all__ = ["CATEGORY_FACTORS", "GROUP_KEYS", "SECONDARY", "build_report", "build_report_columns"]


def build_report(
    tables: CampaignTables,
    instruments: Mapping[str, Instrument],
    before_wave_id: int,
    after_wave_id: int,
    group_by: str | None = None,
    min_group: int = MIN_GROUP,
    min_pairs: int = MIN_PAIRS,
    published_reliability: Mapping[tuple[str, str], float] | None = None,
    normal_bands: Mapping[tuple[str, str], str] | None = None,
    with_people: bool = False,
) -> dict[str, Any]:
    """The comparison of ``before_wave_id`` with ``after_wave_id`` (see the module docstring and docs/comparison.md).

    ``normal_bands`` optionally names the normal band of a scale, ``{(instrument, scale): band id}``;
    ``with_people`` keeps the participant codes behind the numbers (``people``, see above).
    Raises ValueError for an unknown wave, the same wave twice or an unknown ``group_by``.
    """
    return build_report_columns(
        from_tables(tables, key_waves=(before_wave_id, after_wave_id)),
        instruments,
        before_wave_id,
        after_wave_id,
        group_by=group_by,
        min_group=min_group,
        min_pairs=min_pairs,
        published_reliability=published_reliability,
        normal_bands=normal_bands,
        with_people=with_people,
    )
