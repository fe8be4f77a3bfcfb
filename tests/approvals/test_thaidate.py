import datetime
import zoneinfo

import pytest
from django.utils import translation

from approvals import thaidate
from approvals.models import FiscalYear


def test_be_date_shows_the_buddhist_era_year_and_thai_month():
    with translation.override("th"):
        assert thaidate.be_date(datetime.date(2026, 11, 25)) == "25 พ.ย. 2569"


def test_be_date_can_use_thai_digits():
    with translation.override("th"):
        assert thaidate.be_date(datetime.date(2026, 11, 25), use_thai_digits=True) == "๒๕ พ.ย. ๒๕๖๙"


def test_be_date_long_style_spells_the_month():
    with translation.override("th"):
        assert thaidate.be_date(datetime.date(2023, 9, 30), "long") == "30 กันยายน 2566"


def test_be_datetime_converts_to_bangkok_time_before_showing_the_date():
    late_utc = datetime.datetime(2026, 11, 24, 20, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))
    with translation.override("th"):
        assert thaidate.be_datetime(late_utc) == "25 พ.ย. 2569 03:30 น."


def test_be_date_in_english_still_counts_buddhist_era_years():
    with translation.override("en"):
        assert thaidate.be_date(datetime.date(2026, 11, 25)) == "25 Nov 2569 B.E."


def test_fiscal_year_starts_on_the_first_of_october():
    assert FiscalYear.year_for(datetime.date(2022, 10, 1)) == 2566
    assert FiscalYear.year_for(datetime.date(2023, 9, 30)) == 2566
    fiscal_year = FiscalYear(year=2566)
    assert (fiscal_year.start_date, fiscal_year.six_month_date, fiscal_year.end_date) == (
        datetime.date(2022, 10, 1),
        datetime.date(2023, 3, 31),
        datetime.date(2023, 9, 30),
    )


def test_a_date_typed_the_thai_way_is_read_as_buddhist_era():
    assert thaidate.parse_be_date("25/11/2569") == datetime.date(2026, 11, 25)
    assert thaidate.parse_be_date("๑/๑๐/๒๕๖๘") == datetime.date(2025, 10, 1)
    assert thaidate.parse_be_date("1-10-2568") == datetime.date(2025, 10, 1)
    assert thaidate.parse_be_date("2569-11-25") == datetime.date(2026, 11, 25)


def test_a_gregorian_year_typed_by_habit_is_still_understood():
    assert thaidate.parse_be_date("25/11/2026") == datetime.date(2026, 11, 25)


def test_what_is_not_a_date_is_refused():
    for text in ("31/2/2569", "25/11", "พรุ่งนี้", "25/13/2569"):
        with pytest.raises(ValueError):
            thaidate.parse_be_date(text)
