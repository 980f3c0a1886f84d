"""Words for the comparison's numbers: each statistic's label, symbol and one-line explanation, the
glossary of the ideas behind them, and the reasons a figure is missing, in the interface language.

The page (``comparison/campaign.html``) and the dashboard and report panels show the same words
(``comparison/_explain.html`` renders them). The explanations are written for a school administrator
and checked against what the code computes (docs/comparison.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveys.core.export_labels import role_label

# The reasons of stats_paired.py and stats_individual.py, spelt out so that this module (loaded with
# the page's blueprint) does not import scipy; a test checks they stay the same.
NO_VARIANCE = "differences do not vary: t-test and d_z undefined"
ALL_ZERO = "all differences are zero: Wilcoxon test undefined"
ONE_PAIR = "one pair: t-test and d_z undefined"
NO_DIRECTION = "the scale has no direction (higher_is): no reliable change classes"
NO_RELIABILITY = "no reliability for the RCI (no published value, input alpha unavailable)"
NO_SPREAD = "before scores do not vary: RCI undefined"
SECONDARY = "hidden so that a smaller hidden group cannot be worked out from the total"


@dataclass(frozen=True)
class Statistic:
    """A statistic as the reader meets it: «label (symbol): explanation»."""

    key: str
    label: object  # lazy strings, translated when shown
    symbol: object  # "" when the statistic has none
    explanation: object

    @property
    def heading(self) -> str:
        """The label with the symbol in brackets, e.g. «Размер эффекта (d_z)»."""
        return f"{self.label} ({self.symbol})" if str(self.symbol) else str(self.label)


_STATISTICS = (
    Statistic("n_pairs", _l("Pairs"), "n", _l("people who answered in both waves; only they are compared")),
    Statistic(
        "n_waves",
        _l("Participants"),
        "n",
        _l("how many people answered in the earlier and in the later wave (the waves are not linked)"),
    ),
    Statistic("mean", _l("Mean before and after"), "M", _l("the average score of these people in each wave")),
    Statistic(
        "median",
        _l("Median before and after"),
        "Me",
        _l("the middle score of each wave: half of the people scored lower, half higher"),
    ),
    Statistic(
        "difference",
        _l("Mean change"),
        "Δ",
        _l("the average of each person's «after − before», in points of the scale; a plus means the score rose"),
    ),
    Statistic(
        "ci",
        _l("Confidence interval of the change"),
        _l("95% CI"),
        _l(
            "the values of the true mean change that agree with these data: an interval built this way covers "
            "the true value in 95 cases out of 100; if it does not include 0, the change is significant at 0.05 "
            "by the t-test"
        ),
    ),
    Statistic(
        "wilcoxon",
        _l("Wilcoxon test"),
        "p",
        _l(
            "the chance of getting changes at least this large if in fact nothing changed; "
            "the test uses the ranks of the changes, so a few extreme answers do not dominate it"
        ),
    ),
    Statistic(
        "p_holm",
        _l("p corrected for several scales"),
        "p_holm",
        _l(
            "the p of the test (Wilcoxon; Mann–Whitney when the waves are not linked) adjusted by the Holm "
            "method because several scales were tested at once; below 0.05 the change is called noticeable"
        ),
    ),
    Statistic(
        "t_test",
        _l("Paired t-test"),
        "p",
        _l("the same question asked of the mean change; it assumes the changes are spread roughly normally"),
    ),
    Statistic(
        "d_z",
        _l("Effect size"),
        "d_z",
        _l(
            "how large the change is compared with how much the changes differ from person to person; "
            "0.2 is small, 0.5 medium, 0.8 large"
        ),
    ),
    Statistic(
        "rank_biserial",
        _l("Rank-biserial correlation"),
        "r_rb",
        _l(
            "the effect size of the Wilcoxon test, from −1 to +1: the rises minus the falls, weighted by their "
            "ranks; +1 means everyone's score rose, 0 as much rise as fall"
        ),
    ),
    Statistic(
        "mann_whitney",
        _l("Mann–Whitney test"),
        "p",
        _l(
            "for waves answered by different people: the chance of a difference between the two groups at least "
            "this large if the waves did not differ"
        ),
    ),
    Statistic(
        "cliffs_delta",
        _l("Cliff's delta"),
        "δ",
        _l(
            "the effect size between two groups, from −1 to +1: how much more often a score of the later wave is "
            "higher than a score of the earlier one than lower; 0 means no difference"
        ),
    ),
    Statistic(
        "rci",
        _l("Reliable change"),
        "RCI",
        _l(
            "a person's change counts as reliable when it exceeds what the questionnaire's measurement error "
            "could produce (|RCI| > 1.96); people are counted as improved, with no reliable change, or deteriorated"
        ),
    ),
    Statistic(
        "bands",
        _l("Band transitions"),
        _l("before → after"),
        _l(
            "how many people moved from each band of the scale before (rows) to each band after (columns); "
            "the diagonal is those who stayed"
        ),
    ),
    Statistic(
        "band_test",
        _l("McNemar or Bowker test"),
        "p",
        _l("whether people moved between bands in one direction more often than in the other"),
    ),
    Statistic(
        "normalised",
        _l("Moved into the normal band"),
        "",
        _l("people who were outside the normal band before and are in it after"),
    ),
    Statistic(
        "band_shares",
        _l("Share in each band"),
        "%",
        _l("the part of the compared people whose score falls in each band, in each wave"),
    ),
    Statistic(
        "spearman",
        _l("Spearman correlation"),
        "ρ",
        _l(
            "how closely the change goes together with a programme factor, from −1 to +1; 0 means no link; "
            "a link does not prove that the factor caused the change"
        ),
    ),
    Statistic(
        "correlation_p",
        _l("Significance of the correlation"),
        "p",
        _l("the chance of a link at least this strong if in fact there were none; not corrected for several tests"),
    ),
    Statistic(
        "factor_u",
        _l("Mann–Whitney test between categories"),
        "U",
        _l(
            "for a factor with two categories without an order (a form of mentoring, a pair variant): whether the "
            "changes in one category tend to be larger than in the other"
        ),
    ),
    Statistic(
        "factor_r",
        _l("Rank-biserial correlation between categories"),
        "r",
        _l(
            "how much more often a change in the named category is larger than a change in the other one than "
            "smaller, from 0 to 1; 0 means no difference"
        ),
    ),
    Statistic(
        "kruskal_h",
        _l("Kruskal–Wallis test"),
        "H",
        _l(
            "for a factor with three or more categories without an order: whether the changes differ between "
            "the categories"
        ),
    ),
    Statistic(
        "epsilon_squared",
        _l("Effect size between categories"),
        "ε²",
        _l("how much of the spread of the changes goes with the category, from 0 to 1; 0 means none"),
    ),
    Statistic(
        "gap",
        _l("Expected, real and gap"),
        _l("real − expected"),
        _l(
            "the mean expectation in the input wave, the mean satisfaction in the output wave and their difference; "
            "a negative gap means reality fell short"
        ),
    ),
    Statistic(
        "verdict",
        _l("Conclusion"),
        "",
        _l(
            "a noticeable improvement or deterioration when the Holm-corrected p is below 0.05, "
            "taking into account whether a higher score is better or worse"
        ),
    ),
)
STATISTICS = {s.key: s for s in _STATISTICS}

GLOSSARY = (
    (
        "p",
        _l("p (significance)"),
        _l(
            "The chance of seeing a change at least as large as the one observed if, in reality, nothing had "
            "changed. A small p (below 0.05) means chance alone is an unlikely explanation. It is not the chance "
            "that the programme worked, and it says nothing about how large the change is: for that, look at the "
            "change itself and the effect size."
        ),
    ),
    (
        "holm",
        _l("Holm correction"),
        _l(
            "When many scales are tested at once, some will look changed by chance alone. The Holm method raises "
            "the p of each scale to allow for how many were tested, so that the chance of at least one false "
            "alarm among them stays at 5 %. The conclusions use this corrected p."
        ),
    ),
    (
        "rci",
        _l("Reliable change index (RCI)"),
        _l(
            "Every questionnaire measures with some error, so a person's score moves a little even when nothing "
            "has changed. The RCI compares a person's change with that error, using the scale's reliability; a "
            "change of more than 1.96 standard errors of a difference is called reliable. It tells how many "
            "individual people changed for the better or worse, not just whether the average moved."
        ),
    ),
    (
        "bands",
        _l("Bands"),
        _l(
            "The ranges of a scale's score with their meaning as the questionnaire's authors define them, for "
            "example «minimal», «mild», «moderate», «severe». The band tables show how many people moved from one "
            "band to another between the waves."
        ),
    ),
)

REASONS = {
    "no pairs": _l("no pairs"),
    NO_VARIANCE: _l("every change is the same: the t-test and d_z cannot be computed"),
    ALL_ZERO: _l("every change is zero: the Wilcoxon test cannot be computed"),
    ONE_PAIR: _l("one pair: the t-test and d_z cannot be computed"),
    NO_DIRECTION: _l("the scale does not say whether a higher score is better: no reliable change classes"),
    NO_RELIABILITY: _l(
        "no reliability for the RCI: the scale has no published value and the input wave's alpha could not be computed"
    ),
    NO_SPREAD: _l("everyone had the same score before: the RCI cannot be computed"),
    SECONDARY: _l("hidden so that a smaller hidden group cannot be worked out from the total"),
}


def statistics(*keys: str) -> list[Statistic]:
    """The statistics named, in the order given."""
    return [STATISTICS[key] for key in keys]


def glossary() -> list[tuple[str, str, str]]:
    """The glossary's entries as ``(anchor, term, explanation)`` in the interface language."""
    return [(anchor, str(term), str(text)) for anchor, term, text in GLOSSARY]


def reason(text: str | None, min_group: int, min_pairs: int) -> str | None:
    """A row's ``reason`` (English parts joined by "; ", see report.py) in the interface language;
    a part not known here (a mark of the disclosure policy, already in words) is kept as it is."""
    if not text:
        return None
    parts = []
    for part in text.split("; "):
        if part == f"fewer than {min_group} pairs":
            parts.append(_("fewer than %(n)s pairs: hidden", n=min_group))
        elif part == f"fewer than {min_pairs} pairs":
            parts.append(_("fewer than %(n)s pairs: only descriptive statistics, no tests", n=min_pairs))
        elif part == f"fewer than {min_group} participants in a wave":
            parts.append(_("fewer than %(n)s participants in a wave: hidden", n=min_group))
        elif part == f"fewer than {min_pairs} participants in a wave":
            parts.append(
                _("fewer than %(n)s participants in a wave: only descriptive statistics, no tests", n=min_pairs)
            )
        else:
            parts.append(str(REASONS.get(part, part)))
    return "; ".join(parts)


def group_name(value: str | None, group_by: str | None) -> str | None:
    """A subgroup as people read it: a role in words («Наставляемый»), other groups as the school named them.
    The report's dict and its JSON keep the stored value."""
    if value is not None and group_by == "role":
        return role_label(value)
    return value
