"""Programme indicators: entered per period, imported from XLSX with row errors, shown against the target."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

import openpyxl
import pytest

from surveys.core.log_models import AuditEvent
from surveys.core.report_models import Indicator, IndicatorValue
from surveys.extensions import db
from surveys.reporting.indicators import trend
from tests.conftest import csrf_token, set_role


def test_trend_gives_changes_and_whether_the_target_is_met():
    d = dt.date
    points = trend([(d(2025, 11, 1), 70.0), (d(2025, 9, 1), 50.0), (d(2025, 10, 1), 65.0)], 60.0)
    assert [(p.period.month, p.value, p.change, p.met) for p in points] == [
        (9, 50.0, None, False),
        (10, 65.0, 15.0, True),
        (11, 70.0, 5.0, True),
    ]
    lower = trend([(d(2025, 9, 1), 3.0), (d(2025, 10, 1), 1.0)], 2.0, higher_is_better=False)
    assert [p.met for p in lower] == [False, True]
    assert [p.met for p in trend([(d(2025, 9, 1), 3.0)], None)] == [None]


@pytest.fixture
def programme_page(app, logged_in):
    from surveys.core.models import Organisation
    from surveys.workspace.programmes import create_programme

    with app.app_context():
        organisation = db.session.execute(db.select(Organisation)).scalar_one()
        programme = create_programme(organisation, "2025/26")
        return programme.id, f"/staff/programmes/{programme.id}/indicators"


def test_a_curator_enters_indicators_and_values_and_sees_the_trend(app, logged_in, programme_page):
    programme_id, url = programme_page
    page = logged_in.get(url).get_data(as_text=True)
    assert "Показатели программы" in page and "Пока нет показателей" in page
    token = csrf_token(page)
    # A missing name is reported at its field; nothing is stored.
    bad = logged_in.post(url, data={"csrf_token": token, "add-name": "", "add-higher_is_better": "yes"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    added = logged_in.post(
        url,
        data={
            "csrf_token": token,
            "add-name": "Посещаемость кружков",
            "add-unit": "%",
            "add-target": "80",
            "add-higher_is_better": "yes",
        },
    )
    assert added.status_code == 302
    with app.app_context():
        indicator = db.session.execute(db.select(Indicator)).scalar_one()
        indicator_id = indicator.id
        assert (indicator.unit, indicator.target, indicator.higher_is_better) == ("%", 80.0, True)
    values_url = f"/staff/indicators/{indicator_id}/values"
    for period, value in (("2025-09", "62"), ("2025-10", "75,5"), ("2025-11", "84")):
        data = {
            "csrf_token": token,
            f"v{indicator_id}-period": period,
            f"v{indicator_id}-value": value.replace(",", "."),
        }
        assert logged_in.post(values_url, data=data).status_code == 302
    # The same period again replaces its value; a bad period says where.
    data = {"csrf_token": token, f"v{indicator_id}-period": "2025-11", f"v{indicator_id}-value": "85"}
    assert logged_in.post(values_url, data=data).status_code == 302
    wrong = logged_in.post(
        values_url, data={"csrf_token": token, f"v{indicator_id}-period": "ноябрь", f"v{indicator_id}-value": "1"}
    )
    assert wrong.status_code == 400 and "2025-09" in wrong.get_data(as_text=True)
    with app.app_context():
        stored = db.session.execute(db.select(IndicatorValue).order_by(IndicatorValue.period)).scalars().all()
        assert [(v.period, v.value) for v in stored] == [
            (dt.date(2025, 9, 1), 62.0),
            (dt.date(2025, 10, 1), 75.5),
            (dt.date(2025, 11, 1), 85.0),
        ]
        assert (
            db.session.execute(db.select(db.func.count(AuditEvent.id)).filter_by(action="indicator.value")).scalar_one()
            == 4
        )
    page = logged_in.get(url).get_data(as_text=True)
    assert "+13,5" in page and "+9,5" in page  # change from the previous period, with a Russian decimal comma
    image = re.search(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', page)
    svg = base64.b64decode(image.group(1)).decode("utf-8")
    assert 'id="values"' in svg and 'id="target"' in svg and "<script" not in svg
    assert "2025-09: 62; 2025-10: 75,5" in image.group(2) and "80" in image.group(2)
    logged_in.get("/lang/en")
    assert "+13.5" in logged_in.get(url).get_data(as_text=True)  # and a point in English
    logged_in.get("/lang/ru")
    # The administration reads, but cannot enter.
    set_role(app, "curator@example.org", "viewer")
    assert "Посещаемость кружков" in logged_in.get(url).get_data(as_text=True)
    assert logged_in.post(values_url, data=data).status_code == 403


def workbook(rows) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Показатель", "Единица", "Цель", "Больше — лучше", "Период", "Значение", "Комментарий"])
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


def test_import_from_xlsx_is_all_or_nothing_with_problems_by_row(app, logged_in, programme_page):
    programme_id, url = programme_page
    token = csrf_token(logged_in.get(url).get_data(as_text=True))
    rows = [
        ["Выполненные проекты", "шт.", 10, "да", "2025-09", 3, ""],
        ["Жалобы", "шт.", 2, "нет", dt.datetime(2025, 9, 1), 4, "первая четверть"],
        ["Жалобы", "шт.", 2, "нет", "сентябрь", "много", ""],
    ]
    bad = logged_in.post(
        f"{url}/import",
        data={"csrf_token": token, "upload-file": (workbook(rows), "i.xlsx")},
        content_type="multipart/form-data",
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Строка 4" in text and "период" in text and "значение" in text
    with app.app_context():
        assert db.session.execute(db.select(Indicator)).first() is None  # nothing imported
    good = logged_in.post(
        f"{url}/import",
        data={"csrf_token": token, "upload-file": (workbook(rows[:2]), "i.xlsx")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    with app.app_context():
        indicators = {i.name: i for i in db.session.execute(db.select(Indicator)).scalars()}
        assert set(indicators) == {"Выполненные проекты", "Жалобы"}
        assert (
            indicators["Жалобы"].higher_is_better is False and indicators["Жалобы"].values[0].note == "первая четверть"
        )
    not_xlsx = logged_in.post(
        f"{url}/import",
        data={"csrf_token": token, "upload-file": (io.BytesIO(b"plain text"), "i.xlsx")},
        content_type="multipart/form-data",
    )
    assert not_xlsx.status_code == 400 and "xlsx" in not_xlsx.get_data(as_text=True)
