"""The attacker's property test (issue 20): what an aggregated audience sees gives no small group away.

Hypothesis builds small campaigns (8–30 people: mentees and mentors in two or three forms of mentoring
and two classes) answering GAD-7 through the real submit path in an input and an output wave, some in
one wave only. The test works out from the data it made who is behind every published figure: an
``aggregates`` row (wave × role × form × class) stands for the people of that role, form and class who
answered in that wave, its band count for those of them in the band; a comparison row for the pairs
(each wave's answerers when the waves are not linked), a cross-table cell for the pairs moving from
band i to band j, an RCI class for the pairs whose change is reliable that way; an attrition count for
the people in both waves or in one only. Each shown count and mean is checked against the data.

Then it attacks, independently of surveys/core/disclosure.py: a shown figure gives its group's count
(and with a mean, its sum), a linear equation over the participants; a hidden group is recovered when
its 0/1 vector is a rational combination of the shown groups' vectors (exact elimination over
fractions). An output fails when a hidden group of 1 to k − 1 people is recovered from what the same
output shows (one workbook; one API answer), when a figure of 1 to k − 1 people is shown, or when
«<k» marks a group that is not small. What it found is kept as plain tests, each with the smallest
campaign that showed it: LEAVER and JOINER (the workbook's aggregates were decided apart from its other
tables and from the other wave's), SMALL_WAVE (the reliability sheet's n) and BOWKER (a symmetry test over
hidden cells), all fixed. BY_ROLE (two API answers taken together: each answer is decided on its own, the
unit the issue names) stays a strict xfail, documented in docs/privacy.md.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
import tempfile
import zipfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from statistics import fmean, stdev
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

import plugins.anxiety_scale
from surveys.core.contracts import MIN_GROUP
from surveys.core.disclosure import PROTECTING, SMALL, hidden_label
from surveys.core.models import Membership, Organisation, Participant, User
from surveys.extensions import db
from tests.api_support import auth, token_for
from tests.conftest import post_form, submit_in_wave
from tests.export_support import Keyed, readme_keys

K = MIN_GROUP
ROLES = ("mentee", "mentor")
FORMS = ("ученик–ученик", "учитель–ученик", "студент–ученик")
CLASSES = ("7А", "8Б")
WAVES = {"Вход": "before", "Выход": "after"}  # the names the test gives the input and the output wave
ALL = "все"  # the aggregates sheet's «everyone at this level»
ROLE_IDS = {"Наставник": "mentor", "Наставляемый": "mentee"}  # the roles as the Russian workbook shows them
CUTS = (5, 10, 15)  # GAD-7 bands (Spitzer et al., 2006): 0–4 minimal, 5–9 mild, 10–14 moderate, 15–21 severe
ALPHA = 0.92  # GAD-7's published reliability (ibid.), which the comparison's RCI uses
CRITICAL = 1.96  # |RCI| above it is a reliable change
GAD7 = yaml.safe_load((Path(plugins.anxiety_scale.__file__).parent / "gad7.yaml").read_text(encoding="utf-8"))
BAND_LABELS = [band["label"]["ru"] for band in GAD7["scales"][0]["bands"]]
RCI_COLUMNS = {"improved": "improved", "no_change": "no_reliable_change", "deteriorated": "deteriorated"}
ATTRITION_LINES = {
    "both": "Участники в обеих волнах",
    "before_only": "Участники только в первой волне",
    "after_only": "Участники только во второй волне",
}


@dataclass(frozen=True)
class Person:
    role: str
    form: str
    group: str
    before: tuple[int, ...] | None  # the seven GAD-7 answers (0–3) in the input wave; None: not answered
    after: tuple[int, ...] | None  # the same in the output wave


def band(total: int) -> int:
    return sum(total >= cut for cut in CUTS)


class Truth:
    """Who answered what, worked out from the people the test submits (codes P00, P01, …)."""

    def __init__(self, people: list[Person]) -> None:
        self.people = {f"P{number:02d}": person for number, person in enumerate(people)}
        self.totals = {
            wave: {code: sum(getattr(p, wave)) for code, p in self.people.items() if getattr(p, wave) is not None}
            for wave in ("before", "after")
        }
        self.pairs = frozenset(self.totals["before"]) & frozenset(self.totals["after"])

    def who(self, wave: str, **attributes: str) -> frozenset[str]:
        """The people who answered in ``wave`` with these role, form and group."""
        return frozenset(
            code
            for code in self.totals[wave]
            if all(getattr(self.people[code], name) == value for name, value in attributes.items())
        )

    def mean(self, wave: str, group: frozenset[str]) -> float | None:
        return fmean(self.totals[wave][code] for code in group) if group else None

    def attrition(self) -> dict[str, frozenset[str]]:
        before, after = frozenset(self.totals["before"]), frozenset(self.totals["after"])
        return {"both": before & after, "before_only": before - after, "after_only": after - before}

    def classes(self, pairs: frozenset[str]) -> dict[str, frozenset[str]] | None:
        """The reliable change classes of ``pairs`` (SD of their before totals, n − 1); None when undefined."""
        before = [self.totals["before"][code] for code in sorted(pairs)]
        if len(before) < 2 or stdev(before) == 0:
            return None
        limit = CRITICAL * math.sqrt(2) * stdev(before) * math.sqrt(1 - ALPHA)
        change = {code: self.totals["after"][code] - self.totals["before"][code] for code in pairs}
        return {
            "improved": frozenset(c for c, d in change.items() if d < -limit),  # higher GAD-7 is worse
            "no_change": frozenset(c for c, d in change.items() if abs(d) <= limit),
            "deteriorated": frozenset(c for c, d in change.items() if d > limit),
        }

    def moved(self, pairs: frozenset[str], i: int, j: int) -> frozenset[str]:
        """The pairs from band i before to band j after."""
        return frozenset(c for c in pairs if (band(self.totals["before"][c]), band(self.totals["after"][c])) == (i, j))

    def normalised(self, pairs: frozenset[str]) -> frozenset[str]:
        return frozenset(c for c in pairs if band(self.totals["before"][c]) != 0 and band(self.totals["after"][c]) == 0)


@dataclass(frozen=True)
class Figure:
    """A published figure: where it is, the people it is computed from, what the output shows (a number,
    or the label of a hidden value; None: not shown) and what the data give."""

    where: str
    group: frozenset[str]
    value: Any
    expected: float | None = None

    @property
    def shown(self) -> bool:
        return isinstance(self.value, int | float) and not isinstance(self.value, bool)


def count(where: str, group: frozenset[str], value: Any) -> Figure:
    return Figure(where, group, value, len(group))


class Attacker:
    """What the shown figures of one output give away: their groups' 0/1 vectors over the participants, in
    echelon form over the rationals, each row with the combination of shown figures it is."""

    def __init__(self, figures: list[Figure]) -> None:
        places: dict[frozenset[str], list[str]] = {}
        for f in figures:
            if f.shown and f.group:
                places.setdefault(f.group, []).append(f.where)
        self.names = [
            where[0] + (f" (and {len(where) - 1} more)" if len(where) > 1 else "") for where in places.values()
        ]
        self.column = {code: i for i, code in enumerate(sorted(set().union(*places)))}
        self.rows: list[tuple[int, list[Fraction], dict[int, Fraction]]] = []
        for index, group in enumerate(places):
            vector, combination = self._reduce(self._vector(group), {index: Fraction(1)})
            pivot = next((i for i, v in enumerate(vector) if v), None)
            if pivot is not None:
                scale = vector[pivot]
                self.rows.append((pivot, [v / scale for v in vector], {i: c / scale for i, c in combination.items()}))

    def _vector(self, group: frozenset[str]) -> list[Fraction]:
        vector = [Fraction(0)] * len(self.column)
        for code in group:
            vector[self.column[code]] = Fraction(1)
        return vector

    def _reduce(self, vector, combination):
        for pivot, row, made_of in self.rows:
            factor = vector[pivot]
            if factor:
                vector = [v - factor * r for v, r in zip(vector, row, strict=True)]
                for index, c in made_of.items():
                    combination[index] = combination.get(index, Fraction(0)) - factor * c
        return vector, combination

    def recover(self, group: frozenset[str]) -> dict[str, Fraction] | None:
        """The shown figures (by place) and coefficients that add up to ``group``; None when none do."""
        if not group <= self.column.keys():
            return None  # someone in no shown group
        residual, combination = self._reduce(self._vector(group), {})
        return None if any(residual) else {self.names[i]: -c for i, c in combination.items() if c}


def problems(figures: list[Figure], small: str) -> list[str]:
    """Everything wrong with one output's figures (empty: nothing gives a small group away)."""
    out = []
    targets: dict[frozenset[str], str] = {}
    for f in figures:
        size = len(f.group)
        if f.shown:
            if f.expected is not None and not math.isclose(f.value, f.expected, rel_tol=1e-9, abs_tol=1e-9):
                out.append(f"{f.where}: shows {f.value}, the data give {f.expected}")
            if 0 < size < K:
                out.append(f"{f.where}: {f.value} is shown for a group of {size}")
            continue
        if f.value == small and not 0 < size < K:
            out.append(f"{f.where}: «{small}» marks a group of {size}")
        elif f.value is not None and 0 < size < K and f.value != small:
            out.append(f"{f.where}: a group of {size} is marked «{f.value}»")
        if 0 < size < K:
            targets.setdefault(f.group, f.where)
    attacker = Attacker(figures)
    for group, where in targets.items():
        how = attacker.recover(group)
        if how is not None:
            terms = " ".join(f"{'+' if c > 0 else '−'} {abs(c)} × [{name}]" for name, c in how.items())
            out.append(f"{where} (hidden, {len(group)} people: {', '.join(sorted(group))}) = {terms}")
    return out


# ---- what the outputs show, mapped to the people behind it -------------------------------------------


def sheet(book: openpyxl.Workbook, name: str) -> list[dict[str, Any]]:
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def aggregates_figures(book: openpyxl.Workbook, truth: Truth) -> list[Figure]:
    out = []
    for row in sheet(book, "aggregates"):
        assert (row["instrument_id"], row["scale_id"]) == ("gad7", "total")
        wave = WAVES[row["wave"]]
        given = {name: ROLE_IDS.get(row[name], row[name]) for name in ("role", "form", "group") if row[name] != ALL}
        group = truth.who(wave, **given)
        where = f"aggregates {row['wave']} / {row['role']} / {row['form']} / {row['group']}"
        out += [
            count(f"{where}: n", group, row["n"]),
            Figure(f"{where}: mean", group, row["mean"], truth.mean(wave, group)),
        ]
        shown = dict(part.rsplit(": ", 1) for part in row["bands"].split("; ")) if row["bands"] else {}
        for index, label in enumerate(BAND_LABELS):
            cell = frozenset(c for c in group if band(truth.totals[wave][c]) == index)
            value = shown.get(label)  # a hidden row lists no bands: they are hidden with it
            out.append(count(f"{where}: {label}", cell, int(value) if value and value.isdigit() else value))
    return out


def reliability_figures(book: openpyxl.Workbook, truth: Truth) -> list[Figure]:
    """The reliability sheet's n: the complete answers of the wave (everyone's GAD-7 here is complete)."""
    first = {row["wave"]: row["n"] for row in reversed(sheet(book, "reliability"))}
    return [count(f"reliability {name}: n", truth.who(WAVES[name]), n) for name, n in first.items()]


def comparison_figures(book: openpyxl.Workbook, truth: Truth, labels: set[str]) -> list[Figure]:
    """The comparison sheet's row for everyone and the method note's counts."""
    linked = bool(truth.pairs)
    before = truth.pairs if linked else truth.who("before")
    after = truth.pairs if linked else truth.who("after")
    out = []
    for row in sheet(book, "comparison"):
        assert (row["instrument_id"], row["scale_id"], row["group"]) == ("gad7", "total", None)
        where = "comparison: "
        out += [
            count(where + "n_pairs", truth.pairs, row["n_pairs"]),
            Figure(where + "mean_before", before, row["mean_before"], truth.mean("before", before)),
            Figure(where + "mean_after", after, row["mean_after"], truth.mean("after", after)),
        ]
        if linked:
            out.append(
                Figure(where + "mean_difference", truth.pairs, row["mean_difference"], _difference(truth, truth.pairs))
            )
        classes = truth.classes(truth.pairs) if linked else None
        if any(row[column] is not None for column in RCI_COLUMNS.values()):
            assert classes is not None, "the workbook classifies changes the data cannot classify"
            out += [count(where + column, classes[name], row[column]) for name, column in RCI_COLUMNS.items()]
        if row["normalised"] is not None:
            out.append(count(where + "normalised", truth.normalised(truth.pairs), row["normalised"]))
    subjects = {"": truth.pairs, ", до": truth.who("before"), ", после": truth.who("after")}
    for text, value in list(book["comparison method"].iter_rows(values_only=True))[1:]:
        if text in ATTRITION_LINES.values():
            key = next(k for k, line in ATTRITION_LINES.items() if line == text)
            out.append(count(f"comparison method: {text}", truth.attrition()[key], value))
        elif text.startswith("— ") and "все участники" in text:
            suffix = text.split("все участники", 1)[1]
            if suffix in subjects and (linked or suffix):
                number = value if value in labels else int(re.match(r"n = (\d+)", value).group(1))
                out.append(count(f"comparison method: {text}", subjects[suffix], number))
    return out


def _difference(truth: Truth, pairs: frozenset[str]) -> float | None:
    return fmean(truth.totals["after"][c] - truth.totals["before"][c] for c in pairs) if pairs else None


def workbook_figures(book: openpyxl.Workbook, truth: Truth, labels: set[str]) -> list[Figure]:
    figures = aggregates_figures(book, truth) + reliability_figures(book, truth)
    if "comparison" in book.sheetnames:
        figures += comparison_figures(book, truth, labels)
    return figures


def _shown(value: Any, marks: dict[str, Any], key: str) -> Any:
    return value if value is not None else marks.get(key)


def api_figures(report: dict[str, Any], truth: Truth, by: str | None) -> list[Figure]:
    """Every count and mean of one API answer, with the people behind it."""
    assert report["linked"] == bool(truth.pairs) and "people" not in report
    marks = report.get("attrition_marks") or {}
    out = [
        count(f"attrition {key}", group, _shown(report["attrition"][key], marks, key))
        for key, group in truth.attrition().items()
    ]
    for row in report["scales"]:
        assert "people" not in row and "pairs" not in row
        where = f"by {by}, group {row['group']}: "
        members = {c for c, p in truth.people.items() if row["group"] is None or getattr(p, by) == row["group"]}
        pairs = truth.pairs & members
        waves = {w: pairs if report["linked"] else truth.who(w) & members for w in ("before", "after")}
        marks = row.get("marks") or {}
        out.append(count(where + "n_pairs", pairs, _shown(row["n_pairs"], marks, "n")))
        for wave, group in waves.items():
            out.append(count(f"{where}{wave} n", group, _shown(row[wave]["n"], marks, wave)))
            out.append(Figure(f"{where}{wave} mean", group, row[wave]["mean"], truth.mean(wave, group)))
        out.append(Figure(where + "mean difference", pairs, row["difference"]["mean"], _difference(truth, pairs)))
        if row["rci"]:
            classes = truth.classes(pairs)
            assert classes is not None, "the API classifies changes the data cannot classify"
            out += [count(where + name, classes[name], _shown(row["rci"][name], marks, name)) for name in RCI_COLUMNS]
        if row["bands"]:
            table = row["bands"]["table"]
            cell_marks = marks.get("bands") or [[None] * len(table) for _row in table]
            assert row["bands"]["labels"] == BAND_LABELS
            for i, j in ((i, j) for i in range(len(table)) for j in range(len(table))):
                shown = table[i][j] if table[i][j] is not None else cell_marks[i][j]
                out.append(count(f"{where}band {i} → {j}", truth.moved(pairs, i, j), shown))
            normalised = _shown(row["bands"]["normalised"], marks, "normalised")
            out.append(count(where + "normalised", truth.normalised(pairs), normalised))
    for entry in report["correlations"]:
        marks = entry.get("marks") or {}
        n = _shown(entry["n"], marks, "n")
        if entry["test"] == "spearman":  # Spearman's ρ of everyone's change with a number: n is the pairs
            out.append(count(f"correlation with {entry['factor']}: n", truth.pairs, n))
            continue
        # A rank test between the categories of a factor: n is the pairs in the categories tested, each
        # category's n its pairs; the pairs left out (a category under k) are a group nobody is shown,
        # which the attacker tries to recover like any hidden one (the scale's n minus the test's).
        of = {c: getattr(truth.people[c], entry["factor"]) for c in truth.pairs}
        tested = {c["name"] for c in entry["categories"]}
        assert set(entry["left_out"]) == set(of.values()) - tested
        for category in entry["categories"]:
            members = frozenset(c for c in truth.pairs if of[c] == category["name"])
            out.append(count(f"{entry['factor']} {category['name']}: n", members, _shown(category["n"], marks, "n")))
        out.append(count(f"rank test with {entry['factor']}: n", frozenset(c for c in of if of[c] in tested), n))
        left = frozenset(c for c in of if of[c] not in tested)
        if 0 < len(left) < K:
            out.append(count(f"left out of the test with {entry['factor']}", left, hidden_label(SMALL, K)))
    return out


# ---- campaigns built through the real code -------------------------------------------------------------


def build(app, people: list[Person]) -> tuple[int, int]:
    """A fresh organisation with the people and a GAD-7 campaign of an input and an output wave, each
    person's answers submitted as a participant's would be; returns (organisation id, campaign id)."""
    from surveys.workspace.campaigns import add_wave, create_campaign

    truth = Truth(people)
    with app.test_request_context():
        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.flush()
        campaign = create_campaign(organisation, "Мониторинг", ["gad7"], "Вход")
        waves = {"before": campaign.waves[0].id, "after": add_wave(campaign, "output", "Выход").id}
        for code, person in truth.people.items():
            participant = Participant(
                organisation_id=organisation.id,
                code=code,
                role=person.role,
                form=person.form,
                group_name=person.group,
                tags=[],
            )
            db.session.add(participant)
            db.session.flush()
            for wave, items in (("before", person.before), ("after", person.after)):
                if items is not None:
                    answers = {f"gad7_{number}": value for number, value in enumerate(items, start=1)}
                    assert submit_in_wave(app, waves[wave], participant.id, "gad7", answers)
        return organisation.id, campaign.id


@pytest.fixture
def viewer(app):
    """A signed-in viewer (the school administration); :func:`workbook` moves them to each new school."""
    with app.app_context():
        user = User(email="viewer@example.org", name="Администрация")
        user.set_password("correct horse")
        organisation = Organisation(name="Первая школа")
        db.session.add_all([user, organisation])
        db.session.flush()
        membership = Membership(user_id=user.id, organisation_id=organisation.id, role="viewer")
        db.session.add(membership)
        db.session.commit()
        membership_id = membership.id
    client = app.test_client()
    assert post_form(client, "/login", {"email": "viewer@example.org", "password": "correct horse"}).status_code == 302
    return client, membership_id


def downloaded(app, viewer, people: list[Person]) -> tuple[Keyed, int]:
    """The aggregated workbook of a new campaign of ``people``, as the viewer downloads it (its sheets and
    columns by key), and the campaign id."""
    client, membership_id = viewer
    organisation_id, campaign_id = build(app, people)
    with app.app_context():
        db.session.get(Membership, membership_id).organisation_id = organisation_id
        db.session.commit()
    response = client.get(f"/staff/campaigns/{campaign_id}/export.xlsx")
    assert response.status_code == 200, response.status_code
    return Keyed.from_workbook(app, openpyxl.load_workbook(io.BytesIO(response.data))), campaign_id


def workbook(app, viewer, people: list[Person]) -> openpyxl.Workbook:
    """The aggregated workbook of a campaign of ``people``, as the viewer downloads it."""
    return downloaded(app, viewer, people)[0]


def _cell(text: str) -> Any:
    """A CSV cell as the workbook holds it: empty is None, a number is a number (comma or point)."""
    if text == "":
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+[.,]\d+(e-?\d+)?", text):
        return float(text.replace(",", "."))
    return text


def exports(app, viewer, people: list[Person]) -> dict[str, Any]:
    """The aggregated export of a campaign of ``people`` in every format: the workbook as the viewer downloads
    it, the JSON and CSV (with «;») as a viewer's export job writes them."""
    from surveys.core.models import Campaign
    from surveys.exports.files import write_export
    from surveys.exports.plan import ExportRequest

    book, campaign_id = downloaded(app, viewer, people)
    found: dict[str, Any] = {"xlsx": book}
    with app.test_request_context(), tempfile.TemporaryDirectory() as folder:
        campaign = db.session.get(Campaign, campaign_id)
        for fmt in ("json", "csv"):
            write_export(campaign, ExportRequest(individual=False), fmt, Path(folder) / f"x.{fmt}", delimiter=";")
        document = json.loads((Path(folder) / "x.json").read_text(encoding="utf-8"))
        archive = zipfile.ZipFile(Path(folder) / "x.csv")
        names = [table["name"] for table in document["tables"]]
        found["json"] = Keyed.from_json(document)
        named = {
            name: [
                tuple(row) if number == 0 else tuple(map(_cell, row))
                for number, row in enumerate(
                    csv.reader(io.StringIO(archive.read(member).decode("utf-8-sig")), delimiter=";")
                )
            ]
            for name, member in zip(names, archive.namelist(), strict=True)
        }
        # The first CSV file lists each table's name and key, as the workbook's README does.
        found["csv"] = Keyed.from_tables(app, named, readme_keys(names[0], named[names[0]]))
    return found


def labels(app) -> tuple[str, str]:
    with app.test_request_context():
        return hidden_label(SMALL, K), hidden_label(PROTECTING, K)


ITEMS = st.tuples(*[st.integers(0, 3)] * 7)


@st.composite
def campaigns(draw) -> list[Person]:
    """8–30 people: mentees and mentors, two or three forms, two classes; most in both waves."""
    forms = FORMS[: draw(st.integers(2, 3))]

    @st.composite
    def person(draw) -> Person:
        waves = draw(st.sampled_from(("both", "both", "both", "before", "after")))
        before = draw(ITEMS) if waves != "after" else None
        after = draw(ITEMS) if waves != "before" else None
        return Person(
            draw(st.sampled_from(ROLES)), draw(st.sampled_from(forms)), draw(st.sampled_from(CLASSES)), before, after
        )

    return draw(st.lists(person(), min_size=8, max_size=30))


def items(total: int) -> tuple[int, ...]:
    """Seven answers 0–3 adding up to ``total``."""
    return tuple(min(3, max(0, total - 3 * i)) for i in range(7))


def same(n: int, role: str = "mentee", before: int | None = 6, after: int | None = 6) -> list[Person]:
    """``n`` people of one form and class; totals spread around ``before`` and ``after`` (None: no answer)."""
    return [
        Person(
            role,
            FORMS[0],
            CLASSES[0],
            None if before is None else items(before + i % 3),
            None if after is None else items(after + (i * 2) % 5),
        )
        for i in range(n)
    ]


def pairs(role: str, before: tuple[int, ...], after: tuple[int, ...]) -> list[Person]:
    """People of one form and class with these GAD-7 totals in the two waves."""
    return [Person(role, FORMS[0], CLASSES[0], items(b), items(a)) for b, a in zip(before, after, strict=True)]


SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The smallest campaigns that give a group away (see the xfail reasons): everyone of one form and class.
LEAVER = same(7) + same(1, after=None)  # seven pairs and one person who answered the input wave only
JOINER = same(7) + [Person("mentee", FORMS[0], CLASSES[1], None, items(8))]  # one joins at the output, in 8Б
SMALL_WAVE = same(4) + same(4, after=None)  # four people answered the output wave
# Mentors all stay minimal (0–4), three mentees too, five stay moderate (10–14): 13 pairs.
BY_ROLE = pairs("mentor", (0, 1, 2, 3, 4), (1, 0, 3, 2, 4)) + pairs("mentee", (1, 2, 3), (2, 1, 3))
BY_ROLE += pairs("mentee", (10, 11, 12, 13, 14), (11, 10, 13, 12, 14))
# Ten pairs: three move from minimal to mild, seven stay mild.
BOWKER = pairs("mentee", (2, 3, 4), (6, 7, 8)) + pairs("mentee", (5, 6, 7, 8, 9, 5, 6), (5, 7, 9, 6, 8, 5, 7))

# What the workbook gave away while its tables were decided apart (fixed by surveys/exports/joint.py):
# LEAVER: the input wave's everyone row (aggregates: n = 8, mean) minus the pairs (comparison: n_pairs =
# «in both waves» = 7, mean_before) was the one who answered the input wave only («<5»): count and score;
# JOINER: the output wave's everyone row (n = 8) minus the input wave's (n = 7, the same people but one)
# was the output wave's 8Б row (n = 1, «<5»).
# SMALL_WAVE: the reliability sheet showed each wave's n, also 4 where the aggregates show «<5» (fixed: a
# result under the threshold shows no n; test_the_reliability_sheet_shows_no_n_under_k)


def api(app, people: list[Person], *groupings: str | None) -> list[dict[str, Any]]:
    """The API's comparison of a campaign of ``people`` for a token without responses:read, per grouping."""
    organisation_id, campaign_id = build(app, people)
    secret = token_for(app, organisation_id, ("analyses:read",))
    client, answers = app.test_client(), []
    for by in groupings:
        query = f"?by={by}" if by else ""
        response = client.get(f"/api/v1/campaigns/{campaign_id}/comparison{query}", headers=auth(secret))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        answers.append(response.get_json())
    return answers


GROUPINGS = (None, "form", "role", "group")  # the API's ?by=…


def of_wave(figures: list[Figure], name: str) -> list[Figure]:
    return [f for f in figures if f.where.startswith(f"aggregates {name} ")]


@SETTINGS
@given(people=campaigns())
@example(people=BY_ROLE)
@example(people=BOWKER)
def test_no_answer_of_the_api_comparison_gives_a_small_group_away(app, people):
    """Each answer to a token without responses:read (no grouping, by form, role, class), attacked on its own."""
    note(f"people = {people!r}")  # a failing campaign, to paste into a plain test
    truth = Truth(people)
    for by, report in zip(GROUPINGS, api(app, people, *GROUPINGS), strict=True):
        figures = api_figures(report, truth, by)
        assert figures and report["disclosure"]["min_group"] == K
        assert problems(figures, report["disclosure"]["small"]) == [], by


@SETTINGS
@given(people=campaigns())
@example(people=LEAVER)
@example(people=JOINER)
@example(people=SMALL_WAVE)
def test_the_aggregated_export_gives_no_small_group_away(app, viewer, people):
    """The whole export a viewer gets: aggregates, reliability, comparison and its note, attacked at once, in
    each format (the workbook, JSON, CSV)."""
    note(f"people = {people!r}")
    small, protecting = labels(app)
    truth = Truth(people)
    seen = {}
    for fmt, tables in exports(app, viewer, people).items():
        figures = seen[fmt] = workbook_figures(tables, truth, {small, protecting})
        assert figures
        assert problems(figures, small) == [], fmt
    for fmt in ("json", "csv"):  # the same figures in every format, read back as numbers
        assert [f.where for f in seen[fmt]] == [f.where for f in seen["xlsx"]]
        for mine, book in zip(seen[fmt], seen["xlsx"], strict=True):
            assert mine.value == book.value or math.isclose(mine.value, book.value, rel_tol=1e-9), (fmt, mine.where)


# ---- plain cases -------------------------------------------------------------------------------------


def test_reproduction_3_the_mentors_mean_is_not_everyone_minus_the_mentees(app, viewer):
    """Issue 20, reproduction 3: GAD-7 for everyone (9) and for the mentees (5) gave the 4 mentors' mean."""
    people = same(5, "mentee", after=None) + same(4, "mentor", after=None)
    truth, (small, protecting) = Truth(people), labels(app)
    book = workbook(app, viewer, people)
    rows = {(r["role"], r["form"], r["group"]): r for r in sheet(book, "aggregates") if r["wave"] == "Вход"}
    mentors, mentees, everyone = rows["Наставник", ALL, ALL], rows["Наставляемый", ALL, ALL], rows[ALL, ALL, ALL]
    assert mentors["n"] == small and mentors["mean"] is None
    assert protecting in (everyone["n"], mentees["n"]) and everyone["n"] != mentees["n"]
    [(row, group)] = [
        (row, group)
        for row, group in ((everyone, truth.who("before")), (mentees, truth.who("before", role="mentee")))
        if row["n"] != protecting
    ]
    assert row["n"] == len(group) and row["mean"] == pytest.approx(truth.mean("before", group))
    figures = workbook_figures(book, truth, {small, protecting})
    assert problems(figures, small) == []
    # The attacker is not blind: had both rows been shown, the mentors would be everyone minus the mentees.
    both = [count("everyone", truth.who("before"), 9), count("mentees", truth.who("before", role="mentee"), 5)]
    assert Attacker(both).recover(truth.who("before", role="mentor")) == {"everyone": 1, "mentees": -1}


def test_reproduction_3_through_the_api_by_role(app):
    """The same nine in both waves, compared by role: the four mentors' row is «<5», and the mentees'
    (or everyone's) row is hidden to protect them."""
    people = same(5, "mentee") + same(4, "mentor")
    [report] = api(app, people, "role")
    small, protecting = report["disclosure"]["small"], report["disclosure"]["protecting"]
    rows = {row["group"]: row for row in report["scales"]}
    assert rows["mentor"]["n_pairs"] is None and rows["mentor"]["marks"]["n"] == small
    assert protecting in {(rows[g].get("marks") or {}).get("n") for g in ("mentee", None)}
    assert all(rows[g]["before"]["mean"] is None for g in ("mentor", "mentee"))
    assert problems(api_figures(report, Truth(people), "role"), small) == []


def test_those_who_left_are_not_the_input_total_minus_the_pairs(app, viewer):
    """The input wave's aggregates and the comparison sheets of LEAVER (their score is 8 · mean − 7 · mean_before)."""
    small, protecting = labels(app)
    book, truth = workbook(app, viewer, LEAVER), Truth(LEAVER)
    figures = of_wave(aggregates_figures(book, truth), "Вход") + comparison_figures(book, truth, {small, protecting})
    assert problems(figures, small) == []
    # it holds because something is hidden to protect the leaver, not because nothing is shown
    assert any(f.value == protecting for f in figures) and sum(f.shown for f in figures) > 5


def test_one_waves_aggregates_are_not_the_others_minus_a_small_group(app, viewer):
    """The aggregates of JOINER's two waves (the waves' scores differ, so the count is given away, not the mean)."""
    small, protecting = labels(app)
    book, truth = workbook(app, viewer, JOINER), Truth(JOINER)
    figures = aggregates_figures(book, truth)
    assert problems(figures, small) == []
    assert any(f.value == protecting for f in figures) and sum(f.shown for f in figures) > 5


def test_the_reliability_n_is_shown_with_a_shown_everyone_row(app, viewer):
    """Ten people in both waves: nothing is small, so the reliability sheet shows each wave's n (10)."""
    people = same(10)
    book, truth = workbook(app, viewer, people), Truth(people)
    figures = reliability_figures(book, truth)
    assert [f.value for f in figures] == [10, 10]
    assert problems(figures + aggregates_figures(book, truth), labels(app)[0]) == []


def test_the_reliability_sheet_shows_no_n_under_k(app, viewer):
    """The output wave's aggregates and the reliability sheet of SMALL_WAVE."""
    small, _protecting = labels(app)
    book, truth = workbook(app, viewer, SMALL_WAVE), Truth(SMALL_WAVE)
    assert problems(of_wave(aggregates_figures(book, truth), "Выход") + reliability_figures(book, truth), small) == []


@pytest.mark.xfail(
    strict=True,
    reason="each API answer is decided on its own: ?by=role hides everyone's band cells 0→0 and 2→2 to protect "
    "the 3 mentees in 0→0, the answer without ?by shows everyone's 0→0 (8); 8 − the mentors (5) = 3",
)
def test_two_answers_of_the_api_give_no_small_group_away(app):
    """BY_ROLE asked without a grouping and by role: each answer is safe, the two together are not."""
    truth = Truth(BY_ROLE)
    answers = api(app, BY_ROLE, None, "role")
    figures = [f for by, report in zip((None, "role"), answers, strict=True) for f in api_figures(report, truth, by)]
    assert all(problems(api_figures(r, truth, by), "<5") == [] for by, r in zip((None, "role"), answers, strict=True))
    assert problems(figures, answers[0]["disclosure"]["small"]) == []


def bowker(table: list[list[int]]) -> tuple[float, int]:
    """Bowker's symmetry statistic and df: over the pairs of bands between which someone moved."""
    moved = [(table[i][j], table[j][i]) for i in range(len(table)) for j in range(i + 1, len(table))]
    moved = [(a, b) for a, b in moved if a + b]
    return sum((a - b) ** 2 / (a + b) for a, b in moved), len(moved)


def test_the_band_symmetry_test_gives_no_hidden_cell_away(app):
    """BOWKER: 3 of 10 pairs move from minimal to mild («<5»), 7 stay mild (hidden to protect them). The
    attacker tries every table with the shown cells, the hidden ones in their ranges and the shown n_pairs,
    and keeps those with the shown statistic and df: a «<5» cell must be left with more than one value."""
    [report] = api(app, BOWKER, None)
    [row] = report["scales"]
    table, marks, small = row["bands"]["table"], row["marks"]["bands"], report["disclosure"]["small"]
    hidden = [(i, j) for i, cells in enumerate(table) for j, v in enumerate(cells) if v is None]
    assert hidden and row["n_pairs"] == len(BOWKER)
    # Bowker's statistic (n01 − n10)² / (n01 + n10) with everything else 0 is the hidden cell n01 itself: with a
    # cell hidden the test is withheld (it was shown before, and this attack pinned the cell to 3)
    assert row["bands"]["test"] is None
    test = row["bands"]["test"]
    rest = row["n_pairs"] - sum(v for cells in table for v in cells if v is not None)
    ranges = [range(1, K) if marks[i][j] == small else range(rest + 1) for i, j in hidden]
    possible: dict[tuple[int, int], set[int]] = {cell: set() for cell in hidden}
    for values in itertools.product(*ranges):
        if sum(values) != rest:
            continue
        filled = [list(cells) for cells in table]
        for (i, j), v in zip(hidden, values, strict=True):
            filled[i][j] = v
        statistic, df = bowker(filled)
        if test is None or (df == test["df"] and math.isclose(statistic, test["statistic"])):
            for cell, v in zip(hidden, values, strict=True):
                possible[cell].add(v)
    assert all(len(possible[i, j]) > 1 for i, j in hidden if marks[i][j] == small), possible
