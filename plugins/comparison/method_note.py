"""A plain-language note on how a comparison report was computed, in the interface language.

:func:`method_note` reads only the report dict (:func:`.report.build_report`) and says what was
actually done: which waves, whether they were linked, the thresholds, the tests used with their n,
the corrections, the reliability behind the RCI, what was hidden and why. The same report in the same
language always gives the same text. The sentences are translated when the note is written (English
msgids, Russian in the project's catalogue), so the note is in the language of the request (the page,
the API's ``Accept-Language``) or of ``SURVEYS_DEFAULT_LOCALE`` (the command line, background work);
outside any app context (a pure test) it is English. Decimals follow the language too (``0,89``/``0.89``).

:func:`note_table` gives the same note as the rows of the workbook's ``comparison method`` sheet:
explanations as plain text, and each figure computed from a group of people (the attrition counts,
each scale's line) wrapped in ``counted`` with those people's codes, so that the export's
disclosure policy can hide it (surveys/core/published.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from surveys.core.published import counted

from . import explain
from .numbers import decimal

GROUPED = {
    "form": _l("Results are given for all participants and separately by form of mentoring."),
    "role": _l("Results are given for all participants and separately by participant role."),
    "group": _l("Results are given for all participants and separately by class (group)."),
    "variant": _l("Results are given for all participants and separately by pair variant."),
    "mentor": _l("Results are given for all participants and separately by mentor."),
}
FACTOR_NAMES = {
    "form": _l("form of mentoring"),
    "variant": _l("pair variant"),
    "satisfaction": _l("satisfaction index"),
    "meetings": _l("number of meetings"),
}
# The reasons of stats_paired.py and stats_individual.py (English, in the report) as the note words them.
ATTRITION_ROWS = {
    "both": _l("Participants in both waves"),
    "before_only": _l("Participants in the first wave only"),
    "after_only": _l("Participants in the second wave only"),
}


def _num(x: float, digits: int = 2) -> str:
    return decimal(x, digits).replace("-", "−")


def _no_scales() -> str:
    return _("No scale was measured in both waves.")


def _by_scale() -> str:
    return _("By scale:")


def _everyone() -> str:
    return _("all participants")


def _reason(reason: str, min_group: int, min_pairs: int) -> str:
    """A row's reason in words: the same words as the page's (explain.reason)."""
    return explain.reason(reason, min_group, min_pairs) or ""


def _row_subject(row: Mapping[str, Any], group_by: str | None) -> str:
    group = explain.group_name(row["group"], group_by)
    who = _everyone() if group is None else _("group «%(group)s»", group=group)
    return f"— «{row['title']}» ({row['instrument']}), {who}"


def _row_counts(row: Mapping[str, Any], linked: bool) -> str:
    marks = row.get("marks") or {}  # a disclosed report: a hidden count says why instead
    if linked:
        n = row["n_pairs"]
        return (
            f"n = {marks['n']}" if n is None and "n" in marks else ngettext("n = %(num)d pair", "n = %(num)d pairs", n)
        )
    before = marks.get("before", row["before"]["n"]) if row["before"]["n"] is None else row["before"]["n"]
    after = marks.get("after", row["after"]["n"]) if row["after"]["n"] is None else row["after"]["n"]
    return _("n = %(before)s before and %(after)s after", before=before, after=after)


def _row_tail(row: Mapping[str, Any], min_group: int, min_pairs: int) -> str:
    """What was computed for the row and why something was not: "; a test, … (a reason)", or ""."""
    done = []
    if row["wilcoxon"]:
        exact = _("exact p") if row["wilcoxon"]["method"] == "exact" else _("normal approximation")
        done.append(_("Wilcoxon test (%(method)s)", method=exact))
    if row["t_test"]:
        done.append(_("paired t-test (df = %(df)s)", df=row["t_test"]["df"]))
    if row["independent"]:
        done.append(_("Mann–Whitney test and Cliff's delta"))
    if row["rci"]:
        reliability = _num(row["rci"]["reliability"])
        if row["rci"]["reliability_source"] == "published":
            done.append(_("RCI (reliability %(r)s, published)", r=reliability))
        else:
            done.append(_("RCI (reliability %(r)s, input wave alpha)", r=reliability))
    if row["bands"] and row["bands"]["test"]:
        done.append(_("McNemar test") if row["bands"]["test"]["name"] == "McNemar" else _("Bowker test"))
    text = "; " + ", ".join(done) if done else ""
    if row["reason"]:
        text += f" ({_reason(row['reason'], min_group, min_pairs)})"
    return text


def _row_line(row: Mapping[str, Any], report: Mapping[str, Any]) -> str:
    tail = _row_tail(row, report["min_group"], report["min_pairs"])
    return f"{_row_subject(row, report['group_by'])}: {_row_counts(row, report['linked'])}{tail}."


def _opening(report: Mapping[str, Any]) -> str:
    return _(
        "Comparison of the waves «%(before)s» (before) and «%(after)s» (after) of the campaign «%(campaign)s».",
        before=report["before"]["name"],
        after=report["after"]["name"],
        campaign=report["campaign"],
    )


def _paragraphs(report: Mapping[str, Any]) -> list[str]:
    att = {**report["attrition"], **(report.get("attrition_marks") or {})}
    counts = _(
        "Participants in both waves: %(both)s, in the first only: %(before)s, in the second only: %(after)s.",
        both=att["both"],
        before=att["before_only"],
        after=att["after_only"],
    )
    out = [f"{_opening(report)} {counts}"]
    out += _explanations(report)
    rows: Sequence[Mapping[str, Any]] = report["scales"]
    if rows:
        lines = [_row_line(r, report) for r in rows]
        out.append(_by_scale() + "\n" + "\n".join(lines))
    else:
        out.append(_no_scales())
    return out


def _thresholds(linked: bool, min_group: int, min_pairs: int) -> str:
    """What is hidden and what is shown without tests, and why."""
    if linked:
        text = _(
            "Rows with fewer than %(n)s pairs are hidden (only the count is shown), so that no one's individual "
            "results can be made out.",
            n=min_group,
        )
    else:
        text = _(
            "Rows with fewer than %(n)s participants in a wave are hidden (only the count is shown), so that no "
            "one's individual results can be made out.",
            n=min_group,
        )
    if min_pairs > min_group:
        if linked:
            more = _(
                "If the number of pairs is from %(low)s to %(high)s, only descriptive statistics are shown (mean, "
                "median, mean difference), without statistical tests.",
                low=min_group,
                high=min_pairs - 1,
            )
        else:
            more = _(
                "If the number of participants in each wave is from %(low)s to %(high)s, only descriptive "
                "statistics are shown (mean, median, mean difference), without statistical tests.",
                low=min_group,
                high=min_pairs - 1,
            )
        text += " " + more
    return text


def _explanations(report: Mapping[str, Any]) -> list[str]:
    """The paragraphs between the opening and the scales: how it was done, no group's figures."""
    rows: Sequence[Mapping[str, Any]] = report["scales"]
    min_group, min_pairs, linked = report["min_group"], report["min_pairs"], report["linked"]
    out = []
    if linked:
        out.append(
            _(
                "The waves are linked by participant codes: the results of the same people are compared (a paired "
                "comparison, the difference «after − before»). A participant without a score on a scale in one of "
                "the waves is left out of the comparison on that scale."
            )
        )
    else:
        out.append(
            _(
                "No participant code appears in both waves, so two independent groups were compared: the "
                "Mann–Whitney U test (two-sided) and Cliff's delta. This is weaker evidence than a paired "
                "comparison: the difference may be due to different people having answered the two waves."
            )
        )
    if report["group_by"]:
        out.append(str(GROUPED[report["group_by"]]))
    out.append(_thresholds(linked, min_group, min_pairs))
    if any(r["wilcoxon"] or r["t_test"] for r in rows):
        out.append(
            _(
                "Statistical tests: the Wilcoxon signed-rank test (zero differences handled by Pratt's method; an "
                "exact p for n ≤ 20, otherwise the normal approximation with corrections for ties and zeros); "
                "Student's paired t-test; the 95 percent confidence interval of the mean difference (from the t "
                "distribution); effect sizes: d_z (the mean difference / the standard deviation of the "
                "differences) and Kerby's rank-biserial correlation (tied scores are counted in the rank sum). "
                "All tests are two-sided, at the significance level 0.05."
            )
        )
    families: dict[Any, int] = {}
    for r in rows:
        if r["p_holm"] is not None:
            families[r["group"]] = families.get(r["group"], 0) + 1
    if families:
        sizes = ", ".join(
            f"{_everyone() if g is None else f'«{g}»'} — {m}" for g, m in sorted(families.items(), key=_group_key)
        )
        if linked:
            text = _(
                "Correction for multiple comparisons: the p-values of the Wilcoxon test are adjusted by the Holm "
                "method across the scales within each group (p_holm); the number of scales: %(sizes)s.",
                sizes=sizes,
            )
        else:
            text = _(
                "Correction for multiple comparisons: the p-values of the Mann–Whitney test are adjusted by the Holm "
                "method across the scales within each group (p_holm); the number of scales: %(sizes)s.",
                sizes=sizes,
            )
        out.append(text)
    rci = [r for r in rows if r["rci"]]
    if rci:
        out.append(_rci_paragraph(rci))
    if any(r["bands"] for r in rows):
        out.append(
            _(
                "Transitions between the bands of a scale (the «before → after» table): McNemar's test for two "
                "bands (exact binomial when fewer than 25 people changed band, otherwise χ² with a continuity "
                "correction) or Bowker's test of symmetry for three or more bands. «Normalisation» is a move into "
                "the normal band (unless it is named explicitly: the first band of a scale where more is worse, "
                "the last where more is better)."
            )
        )
    if report["correlations"]:
        out.append(_correlations_paragraph(report["correlations"], min_pairs, report["min_group"]))
    return out


def _rci_paragraph(rci: Sequence[Mapping[str, Any]]) -> str:
    published = sorted(
        {
            f"«{r['title']}»"
            + (f" ({r['rci']['reliability_citation']})" if r["rci"].get("reliability_citation") else "")
            for r in rci
            if r["rci"]["reliability_source"] == "published"
        }
    )
    alpha = sorted({f"«{r['title']}»" for r in rci if r["rci"]["reliability_source"] != "published"})
    sources = []
    if published:
        sources.append(_("published reliability — for the scales %(scales)s", scales=", ".join(published)))
    if alpha:
        sources.append(
            _(
                "Cronbach's alpha (or KR-20) of the input wave's answers — for the scales %(scales)s",
                scales=", ".join(alpha),
            )
        )
    return _(
        "Individual changes: the Jacobson–Truax reliable change index, RCI = (after − before) / "
        "(√2 · SD_before · √(1 − r)), where SD_before is the standard deviation of the «before» scores of the "
        "compared participants; a change is reliable when |RCI| > 1.96, and its sign is read as «improvement» "
        "or «deterioration» by the direction of the scale. Reliability r: %(sources)s.",
        sources="; ".join(sources),
    )


def _correlations_paragraph(correlations: Sequence[Mapping[str, Any]], min_pairs: int, min_group: int) -> str:
    """Which test for which factor, and why: ordered or numeric factors get Spearman's ρ, factors whose
    categories have no order a rank test between the categories (any coding of them would make ρ
    depend on how they are named)."""

    def names(rows: Sequence[Mapping[str, Any]]) -> str:
        return ", ".join(str(FACTOR_NAMES.get(f, f)) for f in sorted({c["factor"] for c in rows}))

    ordered = [c for c in correlations if c.get("test", "spearman") == "spearman"]
    categorical = [c for c in correlations if c.get("test", "spearman") != "spearman"]
    parts = []
    if ordered:
        parts.append(
            _(
                "Link between the changes and the programme's ordered or numeric factors (%(factors)s): Spearman's "
                "rank correlation ρ, not corrected for multiple comparisons; with n < %(n)s the result is marked as "
                "unreliable (a small sample).",
                factors=names(ordered),
                n=min_pairs,
            )
        )
    if categorical:
        parts.append(
            _(
                "The categories of %(factors)s have no order, so a correlation with them coded as numbers would "
                "depend on how they are named; instead the changes are compared between the categories by a rank "
                "test: the Mann–Whitney U test with the rank-biserial correlation r for two categories (r from 0 "
                "to 1, with the name of the category whose changes are larger), the Kruskal–Wallis H test with ε² "
                "for three or more; not corrected for multiple comparisons. Categories with fewer than %(k)s "
                "participants are left out of the test.",
                factors=names(categorical),
                k=min_group,
            )
        )
        for factor in sorted({c["factor"] for c in categorical}):
            left = sorted({str(n) for c in categorical if c["factor"] == factor for n in c.get("left_out") or ()})
            if left:
                parts.append(
                    _(
                        "Left out of the test for «%(factor)s» (fewer than %(k)s participants): %(names)s.",
                        factor=str(FACTOR_NAMES.get(factor, factor)),
                        k=min_group,
                        names=", ".join(f"«{n}»" for n in left),
                    )
                )
    text = " ".join(parts)
    if any(c["factor"] == "meetings" for c in correlations):
        text += " " + _(
            "The number of meetings is how many meeting diaries a participant filled in over the waves from the "
            "input to the output one; participants without a single diary are left out of this calculation."
        )
    return text


def _group_key(item: tuple[Any, int]) -> tuple[int, str]:
    return (0, "") if item[0] is None else (1, str(item[0]))


def method_note(report: Mapping[str, Any]) -> str:
    """The method note of a comparison report, paragraphs separated by blank lines."""
    return "\n\n".join(_paragraphs(report))


def note_table(report: Mapping[str, Any]) -> list[list[Any]]:
    """The method note as ``[text, figures]`` rows, from a report built with ``with_people=True``.

    The attrition counts and each scale's line (n, the tests run, the reliability, the reason) are
    ``counted`` with the codes of the people they come from; a scale's line when the waves are not
    linked is split by wave (each wave's n from its own participants). The rest is plain text.
    """
    people, att = report["people"], report["attrition"]
    table: list[list[Any]] = [[_opening(report), None]]
    table += [[str(label), counted(att[key], people[key])] for key, label in ATTRITION_ROWS.items()]
    table += [[paragraph, None] for paragraph in _explanations(report)]
    if not report["scales"]:
        return [*table, [_no_scales(), None]]
    table.append([_by_scale(), None])
    for row in report["scales"]:
        subject, codes = _row_subject(row, report["group_by"]), row["people"]
        about = (row["instrument"], row["scale"])  # decided with that scale's aggregates in an export
        tail = _row_tail(row, report["min_group"], report["min_pairs"])
        if report["linked"]:
            table.append([subject, counted(f"{_row_counts(row, True)}{tail}.", codes["row"], about)])
            continue
        table.append(
            [_("%(subject)s, before", subject=subject), counted(f"n = {row['before']['n']}", codes["before"], about)]
        )
        table.append(
            [_("%(subject)s, after", subject=subject), counted(f"n = {row['after']['n']}", codes["after"], about)]
        )
        if tail:
            table.append([subject, counted(tail.removeprefix("; ").strip() + ".", codes["row"], about)])
    return table


def note_blocks(note: str) -> list[dict[str, Any]]:
    """The method note as blocks to render: ``{"text": paragraph}``, or ``{"text": heading, "list":
    lines}`` for a paragraph whose lines after the first are a list (the scales' «— …» lines)."""
    blocks: list[dict[str, Any]] = []
    for paragraph in note.split("\n\n"):
        first, *rest = paragraph.split("\n")
        if rest:
            blocks.append({"text": first, "list": [line.removeprefix("— ") for line in rest]})
        elif first:
            blocks.append({"text": first})
    return blocks
