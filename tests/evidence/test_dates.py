"""Evidence dates from file names, PDF metadata and EXIF, with their precision and period checks."""

from __future__ import annotations

from datetime import date

import pytest

from assess.evidence.dates import (
    FoundDate,
    date_from_name,
    parse_exif_date,
    parse_pdf_date,
)


@pytest.mark.parametrize(
    "name, expected, precision",
    [
        ("2023年7月15日 联席会议纪要", date(2023, 7, 15), "day"),
        ("联席会议纪要（2023年7月15号）", date(2023, 7, 15), "day"),
        ("２０２３年７月１５日 纪要", date(2023, 7, 15), "day"),
        ("20230715 纪要", date(2023, 7, 15), "day"),
        ("IMG_20230715_093000", date(2023, 7, 15), "day"),
        ("VID20230715093000", date(2023, 7, 15), "day"),
        ("2023-07-15 纪要", date(2023, 7, 15), "day"),
        ("2023.7.15 纪要", date(2023, 7, 15), "day"),
        ("2023_07_15", date(2023, 7, 15), "day"),
        ("2023年7月 工作简报", date(2023, 7, 1), "month"),
        ("工作简报 2023.7", date(2023, 7, 1), "month"),
        ("2023-07 工作简报", date(2023, 7, 1), "month"),
        ("2023年度工作总结", date(2023, 1, 1), "year"),
        ("回卫健发〔2023〕12号 关于印发方案的通知", date(2023, 1, 1), "year"),
        ("回卫健发[2023]12号", date(2023, 1, 1), "year"),
    ],
)
def test_dates_written_in_file_names(name, expected, precision):
    assert date_from_name(name) == FoundDate(expected, precision)


@pytest.mark.parametrize(
    "name",
    ["2023年2月30日 纪要", "2023.13.01", "20231332", "联系电话 12345678", "第27项材料", "版本 v1.2023.7", "纪要"],
)
def test_impossible_or_absent_dates_give_nothing(name):
    assert date_from_name(name) is None


def test_most_precise_date_wins():
    assert date_from_name("2023年工作总结（2024年1月5日印发）") == FoundDate(date(2024, 1, 5), "day")
    assert date_from_name("回卫健发〔2023〕12号（2023年6月20日）").value == date(2023, 6, 20)


def test_first_date_wins_between_equals():
    assert date_from_name("2023年7月15日至2023年7月20日 培训").value == date(2023, 7, 15)


def test_a_month_is_in_period_if_any_of_its_days_is():
    start, end = date(2023, 6, 1), date(2024, 9, 30)
    assert not FoundDate(date(2023, 6, 1), "month").outside(start, end)
    assert FoundDate(date(2023, 5, 1), "month").outside(start, end)
    assert FoundDate(date(2023, 5, 31), "day").outside(start, end)
    assert not FoundDate(date(2024, 1, 1), "year").outside(start, end)
    assert FoundDate(date(2021, 1, 1), "year").outside(start, end)


def test_date_text_keeps_only_known_precision():
    assert FoundDate(date(2023, 7, 1), "month").text == "2023-07"
    assert FoundDate(date(2023, 1, 1), "year").text == "2023"
    assert FoundDate(date(2023, 7, 15), "day").text == "2023-07-15"


def test_pdf_and_exif_date_strings():
    assert parse_pdf_date("D:20230715093000+08'00'") == date(2023, 7, 15)
    assert parse_pdf_date("20230715") == date(2023, 7, 15)
    assert parse_pdf_date("D:2023") is None
    assert parse_pdf_date("D:20231345") is None
    assert parse_exif_date("2023:11:02 15:20:00") == date(2023, 11, 2)
    assert parse_exif_date("0000:00:00 00:00:00") is None
    assert parse_exif_date("") is None
