"""The working-day calendar: counting across the Spring Festival, make-up working days, into 2027 (provisional)."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import chinese_calendar
import holidays
import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from sanxiang.conftest import Bureau
from sanxiang.core import calendar
from sanxiang.core.calendar import Calendar, Deadline
from sanxiang.core.errors import PermissionDenied, ValidationError
from sanxiang.core.models import CalendarDay, CalendarYear
from sanxiang.ledger.models import Entry
from sanxiang.org.calendar_services import calendar_seed, calendar_year_set

D = dt.date
# Built-in data and the estimate only: no database needed.
BUILTIN = Calendar({})

# A made-up 2027 schedule for the tests (not the State Council's notice): 春节 off Mon 8 – Fri 12 February,
# make-up working Saturday 20 February.
SPRING_2027 = [
    (D(2027, 2, 8), "holiday", "春节"),
    (D(2027, 2, 9), "holiday", "春节"),
    (D(2027, 2, 10), "holiday", "春节"),
    (D(2027, 2, 11), "holiday", "春节"),
    (D(2027, 2, 12), "holiday", "春节"),
    (D(2027, 2, 20), "workday", "春节"),
]


@pytest.fixture(autouse=True)
def _fresh_snapshot() -> Any:
    calendar.invalidate()
    yield
    calendar.invalidate()


# --- the 2026 schedule, as chinese-calendar has it -------------------------------------------------------------------


def test_the_2026_spring_festival_schedule() -> None:
    # 春节 2026: off Sunday 15 – Monday 23 February; make-up working Saturdays 14 and 28 February.
    off = [D(2026, 2, d) for d in range(15, 24)]
    assert not any(BUILTIN.is_working_day(d) for d in off)
    assert BUILTIN.is_working_day(D(2026, 2, 14))  # Saturday, make-up
    assert BUILTIN.is_working_day(D(2026, 2, 28))  # Saturday, make-up
    assert BUILTIN.is_working_day(D(2026, 2, 13))  # Friday before
    assert BUILTIN.is_working_day(D(2026, 2, 24))  # Tuesday after
    assert not BUILTIN.is_working_day(D(2026, 2, 7))  # an ordinary Saturday
    schedule = BUILTIN.year(2026)
    assert schedule.confirmed and schedule.origin == "builtin"
    assert schedule.days[D(2026, 2, 16)] == ("holiday", "春节")
    assert schedule.days[D(2026, 2, 14)] == ("workday", "春节")
    assert D(2026, 2, 15) not in schedule.days  # a Sunday needs no entry: the weekend rule already rests it


def test_seven_working_days_across_the_spring_festival_count_both_make_up_saturdays() -> None:
    # Event on Friday 13 February: Sat 14 (make-up) is day 1, the festival is skipped, Tue 24 – Fri 27 are days 2–5,
    # Sat 28 (make-up) day 6, Mon 2 March day 7.
    assert BUILTIN.add_working_days(D(2026, 2, 13), 7) == Deadline(D(2026, 3, 2), provisional=False)
    # Event on Thursday 12 February: the period ends on the make-up Saturday itself.
    assert BUILTIN.add_working_days(D(2026, 2, 12), 7) == Deadline(D(2026, 2, 28), provisional=False)
    # 5-day hearing request from a notice served on the Saturday make-up day.
    assert BUILTIN.add_working_days(D(2026, 2, 14), 5) == Deadline(D(2026, 2, 28), provisional=False)


def test_national_day_and_mid_autumn_2026() -> None:
    # 中秋 Friday 25 September off; 国庆 1–7 October off; make-up Sunday 20 September and Saturday 10 October.
    assert not BUILTIN.is_working_day(D(2026, 9, 25))
    assert BUILTIN.is_working_day(D(2026, 9, 20))
    assert BUILTIN.is_working_day(D(2026, 10, 10))
    # From Wednesday 30 September: Thu 8, Fri 9, Sat 10 (make-up), Mon 12, Tue 13.
    assert BUILTIN.add_working_days(D(2026, 9, 30), 5) == Deadline(D(2026, 10, 13), provisional=False)
    # From Friday 18 September: Sun 20 (make-up), Mon 21 – Thu 24, Fri 25 off, Mon 28: 7 working days.
    assert BUILTIN.add_working_days(D(2026, 9, 18), 7) == Deadline(D(2026, 9, 29), provisional=False)


def test_the_day_of_the_event_does_not_count() -> None:
    # Monday 9 March 2026 is a working day; 1 working day from it is Tuesday, not Monday itself.
    assert BUILTIN.add_working_days(D(2026, 3, 9), 1).date == D(2026, 3, 10)
    # From a Friday: Monday.
    assert BUILTIN.add_working_days(D(2026, 3, 13), 1).date == D(2026, 3, 16)
    assert BUILTIN.add_working_days(D(2026, 3, 13), 0).date == D(2026, 3, 13)
    assert BUILTIN.add_calendar_days(D(2026, 3, 9), 1).date == D(2026, 3, 10)


# --- into 2027: computed, provisional, never an error ----------------------------------------------------------------


def test_chinese_calendar_itself_raises_for_2027() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 3, 1))
    assert 2027 not in calendar.builtin_years()


def test_a_working_day_deadline_into_2027_is_provisional_and_skips_the_fixed_new_year() -> None:
    # From Monday 28 December 2026: Tue 29, Wed 30, Thu 31, (Fri 1 January 2027 元旦 is fixed), Mon 4, Tue 5.
    assert BUILTIN.add_working_days(D(2026, 12, 28), 5) == Deadline(D(2027, 1, 5), provisional=True)
    # Entirely within 2026: final.
    assert BUILTIN.add_working_days(D(2026, 12, 20), 3) == Deadline(D(2026, 12, 23), provisional=False)
    schedule = BUILTIN.year(2027)
    assert not schedule.confirmed and schedule.origin == "estimate"
    # The estimate knows 元旦, 劳动节 and 国庆节 1–3 on weekdays, nothing lunar.
    assert sorted(schedule.days) == [D(2027, 1, 1), D(2027, 10, 1)]  # 1 May 2027 and 2–3 October are weekend days
    assert BUILTIN.is_working_day(D(2027, 2, 8))  # Spring Festival 2027 is unknown: a working day, provisionally


def test_deadline_into_2027_through_the_table_on_an_empty_database(db: Any) -> None:
    d = calendar.deadline(D(2026, 12, 28), days=5, kind="working")
    assert d == Deadline(D(2027, 1, 5), provisional=True)
    assert calendar.deadline(D(2026, 11, 24), days=90, kind="calendar") == Deadline(D(2027, 2, 22), False)


# --- calendar-day periods ---------------------------------------------------------------------------------------------


def test_calendar_day_periods_are_not_extended_and_never_provisional() -> None:
    # The 90-day case limit from 10 January 2026 ends on 10 April 2026.
    assert BUILTIN.add_calendar_days(D(2026, 1, 10), 90) == Deadline(D(2026, 4, 10), provisional=False)
    # A 30-day seizure from 1 September 2026 ends on National Day itself: no extension past the holiday.
    assert BUILTIN.deadline(D(2026, 9, 1), days=30, kind="calendar") == Deadline(D(2026, 10, 1), False)
    # Across the Spring Festival: every day counts.
    assert BUILTIN.add_calendar_days(D(2026, 2, 13), 7).date == D(2026, 2, 20)
    # Into 2027: the date does not depend on the holiday schedule.
    assert BUILTIN.add_calendar_days(D(2026, 12, 1), 60) == Deadline(D(2027, 1, 30), provisional=False)


def test_bad_periods_are_refused() -> None:
    with pytest.raises(ValueError):
        BUILTIN.add_working_days(D(2026, 3, 9), -1)
    with pytest.raises(ValueError):
        BUILTIN.deadline(D(2026, 3, 9), days=3, kind="weekly")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        BUILTIN.add_calendar_days(D(2026, 3, 9), 1.5)  # type: ignore[arg-type]


def test_a_deadline_is_overdue_only_after_its_day() -> None:
    d = Deadline(D(2026, 3, 2), provisional=False)
    assert not d.is_overdue(D(2026, 3, 2))
    assert d.is_overdue(D(2026, 3, 3))


# --- properties -------------------------------------------------------------------------------------------------------

dates = st.dates(min_value=D(2004, 1, 1), max_value=D(2028, 12, 31))
periods = st.integers(min_value=1, max_value=60)


@given(start=dates, n=periods)
def test_the_end_of_a_working_day_period_is_a_working_day(start: dt.date, n: int) -> None:
    assert BUILTIN.is_working_day(BUILTIN.add_working_days(start, n).date)


@given(start=dates, n=periods)
def test_working_day_periods_grow_with_n(start: dt.date, n: int) -> None:
    shorter = BUILTIN.add_working_days(start, n - 1).date
    longer = BUILTIN.add_working_days(start, n).date
    assert start <= shorter < longer


@given(start=dates, n=periods)
def test_exactly_n_working_days_lie_after_the_event_up_to_the_deadline(start: dt.date, n: int) -> None:
    end = BUILTIN.add_working_days(start, n).date
    assert BUILTIN.working_days_between(start, end) == n
    assert BUILTIN.working_days_between(start, end - dt.timedelta(days=1)) == n - 1


@given(start=dates, n=periods)
def test_provisional_exactly_when_a_day_counted_falls_after_2026(start: dt.date, n: int) -> None:
    d = BUILTIN.add_working_days(start, n)
    assert d.provisional == (d.date.year > 2026)


# --- the seed source against the other package ------------------------------------------------------------------------


@pytest.mark.parametrize("year", range(2020, 2027))
def test_builtin_data_agrees_with_the_holidays_package(year: int) -> None:
    """``holidays.China`` lists the weekdays off, and names each make-up day in "substituted from MM/DD/YYYY"."""
    theirs = {y: holidays.China(years=y) for y in (year - 1, year, year + 1)}
    off = {d for d in theirs[year] if d.weekday() < 5}
    made_up = set()
    for names in theirs.values():
        for name in names.values():
            for m in re.finditer(r"substituted from (\d\d)/(\d\d)/(\d{4})", name):
                made_up.add(D(int(m[3]), int(m[1]), int(m[2])))
    schedule = calendar.builtin_year(year)
    assert schedule is not None
    assert {d for d, (kind, _) in schedule.days.items() if kind == "holiday"} == off
    assert {d for d, (kind, _) in schedule.days.items() if kind == "workday"} == {d for d in made_up if d.year == year}


# --- the table and its administration --------------------------------------------------------------------------------


def test_only_the_deployment_administrator_changes_the_calendar(bureau: Bureau) -> None:
    for actor in (None, bureau.officer, bureau.admin, bureau.leader):
        with pytest.raises(PermissionDenied):
            calendar_year_set(actor=actor, year=2027, days=SPRING_2027, confirmed=True, source="国办发明电〔2026〕X号")
    assert not CalendarYear.objects.exists()
    with pytest.raises(PermissionDenied):
        calendar_seed(actor=bureau.admin)
    row = calendar_year_set(
        actor=bureau.superuser, year=2027, days=SPRING_2027, confirmed=True, source="国办发明电〔2026〕X号"
    )
    assert row.confirmed and row.source == "国办发明电〔2026〕X号"
    assert Entry.objects.filter(subject_type="core.calendaryear", actor_id=bureau.superuser.pk).count() == 1
    assert Entry.objects.filter(subject_type="core.calendarday", action="calendar_day.create").count() == 6


def test_confirming_2027_makes_its_deadlines_final(bureau: Bureau) -> None:
    before = calendar.add_working_days(D(2027, 2, 5), 3)
    assert before == Deadline(D(2027, 2, 10), provisional=True)  # the estimate knows no Spring Festival
    calendar_year_set(
        actor=bureau.superuser, year=2027, days=SPRING_2027, confirmed=True, source="国办发明电〔2026〕X号"
    )
    # From Friday 5 February 2027: 8–12 off, Mon 15, Tue 16, Wed 17.
    assert calendar.add_working_days(D(2027, 2, 5), 3) == Deadline(D(2027, 2, 17), provisional=False)
    # The make-up Saturday counts: from Thursday 18: Fri 19, Sat 20.
    assert calendar.add_working_days(D(2027, 2, 18), 2) == Deadline(D(2027, 2, 20), provisional=False)
    # Across New Year into 2027 is final now too (the entered year decides; 1 January was not entered as a holiday).
    assert calendar.add_working_days(D(2026, 12, 28), 5) == Deadline(D(2027, 1, 4), provisional=False)
    assert calendar.year_schedule(2027).origin == "database"


def test_an_unconfirmed_entered_year_is_used_but_stays_provisional(bureau: Bureau) -> None:
    calendar_year_set(actor=bureau.superuser, year=2027, days=SPRING_2027, confirmed=False, source="")
    assert calendar.add_working_days(D(2027, 2, 5), 3) == Deadline(D(2027, 2, 17), provisional=True)


def test_setting_a_year_replaces_its_days_without_deleting_any(bureau: Bureau) -> None:
    root = bureau.superuser
    calendar_year_set(actor=root, year=2027, days=SPRING_2027, confirmed=False, source="")
    entries = Entry.objects.count()
    # The notice moves the make-up day to Sunday 7 February and renames one day.
    revised = [*SPRING_2027[:4], (D(2027, 2, 12), "holiday", "春节假期"), (D(2027, 2, 7), "workday", "春节")]
    row = calendar_year_set(actor=root, year=2027, days=revised, confirmed=True, source="国办发明电〔2026〕X号")
    assert row.confirmed
    withdrawn = CalendarDay.objects.get(date=D(2027, 2, 20))
    assert not withdrawn.active  # kept, marked out of the schedule
    assert CalendarDay.objects.get(date=D(2027, 2, 12)).name == "春节假期"
    actions = sorted(Entry.objects.filter(seq__gte=entries).values_list("action", flat=True))
    assert actions == ["calendar_day.create", "calendar_day.update", "calendar_day.withdraw", "calendar_year.set"]
    assert calendar.is_working_day(D(2027, 2, 7))
    assert not calendar.is_working_day(D(2027, 2, 20))
    # The same again changes nothing and records nothing.
    entries = Entry.objects.count()
    calendar_year_set(actor=root, year=2027, days=revised, confirmed=True, source="国办发明电〔2026〕X号")
    assert Entry.objects.count() == entries
    # Putting the withdrawn day back reactivates its row.
    calendar_year_set(actor=root, year=2027, days=SPRING_2027, confirmed=True, source="国办发明电〔2026〕X号")
    assert CalendarDay.objects.get(date=D(2027, 2, 20)).active
    assert calendar.add_working_days(D(2027, 2, 18), 2).date == D(2027, 2, 20)


def test_bad_days_are_named_and_nothing_is_written(bureau: Bureau) -> None:
    bad = [
        (D(2027, 2, 8), "holiday", "春节"),
        (D(2026, 2, 9), "holiday", "春节"),  # wrong year
        (D(2027, 2, 10), "rest", "春节"),  # unknown kind
        (D(2027, 2, 11), "workday", "春节"),  # a Thursday cannot be a make-up day
        (D(2027, 2, 8), "holiday", "春节"),  # twice
    ]
    with pytest.raises(ValidationError) as exc:
        calendar_year_set(actor=bureau.superuser, year=2027, days=bad, confirmed=True, source="国办发明电〔2026〕X号")
    message = exc.value.message
    expected = "第2项 不属于2027年 第3项 类别“rest”无效 第4项 星期六或星期日 第5项 日期重复"
    for fragment in expected.split():
        assert fragment in message
    with pytest.raises(ValidationError, match="须注明依据"):
        calendar_year_set(actor=bureau.superuser, year=2027, days=SPRING_2027, confirmed=True, source=" ")
    assert not CalendarYear.objects.exists()
    assert not CalendarDay.objects.exists()


def test_seeding_copies_the_builtin_years_once_and_answers_alike(bureau: Bureau) -> None:
    root = bureau.superuser
    calendar_year_set(actor=root, year=2026, days=[], confirmed=False, source="")  # an administrator's 2026 stays
    written = calendar_seed()
    assert written == [y for y in calendar.builtin_years() if y != 2026]
    assert calendar_seed() == []
    assert not CalendarYear.objects.get(year=2026).confirmed
    snapshot = calendar.current()
    for year in (2004, 2015, 2020, 2025):
        assert snapshot.year(year).origin == "database"
        assert dict(snapshot.year(year).days) == dict(BUILTIN.year(year).days)
        assert snapshot.year(year).confirmed


# --- the per-process snapshot ----------------------------------------------------------------------------------------


def test_the_snapshot_follows_a_change_made_elsewhere(bureau: Bureau, monkeypatch: pytest.MonkeyPatch) -> None:
    assert calendar.is_working_day(D(2027, 2, 8))
    first = calendar.current()
    assert calendar.current() is first  # unchanged table: the same snapshot
    # Another process changes the table: this one is not told, and finds out from the version.
    monkeypatch.setattr(calendar, "invalidate", lambda: None)
    calendar_year_set(
        actor=bureau.superuser, year=2027, days=SPRING_2027, confirmed=True, source="国办发明电〔2026〕X号"
    )
    assert calendar.current() is not first
    assert not calendar.is_working_day(D(2027, 2, 8))


def test_a_deadline_costs_one_query_and_a_snapshot_none(db: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(3):  # cold: version, years, days
        calendar.deadline(D(2026, 2, 13), days=20, kind="working")
    with django_assert_max_num_queries(1):  # warm: the version only, however many days are counted
        assert calendar.deadline(D(2026, 1, 1), days=250, kind="working").date.year == 2027
    snapshot = calendar.current()
    with django_assert_max_num_queries(0):
        for day in range(1, 29):
            snapshot.deadline(D(2026, 2, day), days=7, kind="working")
        calendar.add_calendar_days(D(2026, 2, 1), 90)


# --- the ledger stays verifiable --------------------------------------------------------------------------------------


@pytest.fixture
def ledger_dirs(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "data" / "keys"


def test_ledger_verify_is_clean_after_seeding_and_setting(db: Any, ledger_dirs: None) -> None:
    calendar_seed()
    assert CalendarDay.objects.count() > 300
    assert Entry.objects.filter(actor_id=None, subject_type="core.calendaryear").count() == 23
    call_command("ledger", "checkpoint", stdout=io.StringIO())
    out = io.StringIO()
    call_command("ledger", "verify", stdout=out, stderr=io.StringIO())  # raises CommandError on a problem
    assert "校验通过" in out.getvalue()
    # A change behind the service is found.
    CalendarDay.objects.filter(date=D(2026, 2, 16)).update(kind="workday")
    with pytest.raises(CommandError):
        call_command("ledger", "verify", stdout=io.StringIO(), stderr=io.StringIO())


# --- the command ------------------------------------------------------------------------------------------------------


def test_calendar_show(db: Any) -> None:
    out = io.StringIO()
    call_command("calendar", "show", "2026", stdout=out)
    text = out.getvalue()
    assert "2026年：已确认；来源：内置数据" in text
    assert "2026-02-16 星期一 休息日（法定节假日） 春节" in text
    assert "2026-02-14 星期六 调休上班日 春节" in text
    out = io.StringIO()
    call_command("calendar", "show", "2027", stdout=out)
    assert "未确认" in out.getvalue()


def test_calendar_set_from_csv(bureau: Bureau, tmp_path: Path) -> None:
    path = tmp_path / "2027.csv"
    path.write_text(
        "date,kind,name\n" + "".join(f"{d.isoformat()},{k},{n}\n" for d, k, n in SPRING_2027), encoding="utf-8"
    )
    out = io.StringIO()
    call_command(
        "calendar", "set", "2027", str(path), "--confirmed", "--source", "国办发明电〔2026〕X号", "--actor", "root",
        stdout=out,
    )  # fmt: skip
    assert "已设定2027年的安排：6个日期，已确认" in out.getvalue()
    assert calendar.add_working_days(D(2027, 2, 5), 3) == Deadline(D(2027, 2, 17), provisional=False)


def test_calendar_set_refuses_a_bad_file_and_a_non_administrator(bureau: Bureau, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("2027-02-08,休,春节\n2027-02-30,holiday,春节\n2027-02-10,放假,春节\n2027-02-11\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("calendar", "set", "2027", str(path), "--actor", "root", stdout=io.StringIO())
    message = str(exc.value)
    assert "未写入任何内容" in message
    assert "第2行：日期“2027-02-30”无效" in message
    assert "第3行：类别“放假”无效" in message
    assert "第4行" in message
    assert "第1行" not in message
    good = tmp_path / "good.csv"
    good.write_text("2027-02-08,休,春节\n2027-02-20,班,春节\n", encoding="utf-8")
    with pytest.raises(CommandError, match="只有系统管理员"):
        call_command("calendar", "set", "2027", str(good), "--actor", "admin", stdout=io.StringIO())
    with pytest.raises(CommandError, match="没有用户名"):
        call_command("calendar", "set", "2027", str(good), "--actor", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError, match="须注明依据"):
        call_command("calendar", "set", "2027", str(good), "--confirmed", "--actor", "root", stdout=io.StringIO())
    assert not CalendarYear.objects.exists()
    call_command("calendar", "set", "2027", str(good), "--actor", "root", stdout=io.StringIO())
    assert CalendarYear.objects.get(year=2027).days.count() == 2


def test_calendar_seed_command(db: Any) -> None:
    out = io.StringIO()
    call_command("calendar", "seed", stdout=out)
    assert "已写入23个年度" in out.getvalue()
    out = io.StringIO()
    call_command("calendar", "seed", stdout=out)
    assert "无需写入" in out.getvalue()
