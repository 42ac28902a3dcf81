"""The Pain-trends queries (queries/pain_by_session.sql, queries/pain_by_month.sql) on tiny fixtures.

Every expected value is arithmetic on the fixture next to it, worked out by hand; decoys (a
cancelled row with scores typed in, a no-show, rows after the as-of date, a course starting after
it) must not count.
"""
from __future__ import annotations

import datetime as dt
import math

import pytest

from clinic.filters import Filters
from query_support import build_db, run_filtered

Z = 1.959963984540054


SESSIONS = "session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after"


def run(path, name: str, as_of: str, **extra):
    filters = Filters(as_of=dt.date.fromisoformat(as_of), **extra.pop("filters", {}))
    return run_filtered(path, name, filters, **extra)


# a1 (Ash):   03-01 8->5, 03-02 cancelled 9->9 (decoy), 03-02 6->4, 03-03 no pain before (after 3), 03-04 4->2
# b1 (Beech): 03-01 6->6, 03-02 no-show, 03-03 5->3, 03-11 2->1 (after the as-of date: decoy)
# c1 (Ash):   03-05 09:00 7->4 and 18:00 5->3 (two sessions on one day, ordered by time)
# d1 (Beech): starts 03-12, after the as-of date (decoy)
SMALL = f"""
{SESSIONS}
a01,pa,a1,2026-03-01,09:00,Ash,attended,8,5
a02,pa,a1,2026-03-02,08:00,Ash,cancelled,9,9
a03,pa,a1,2026-03-02,09:00,Ash,attended,6,4
a04,pa,a1,2026-03-03,09:00,Ash,attended,,3
a05,pa,a1,2026-03-04,09:00,Ash,attended,4,2
b01,pb,b1,2026-03-01,10:00,Beech,attended,6,6
b02,pb,b1,2026-03-02,10:00,Beech,no_show,,
b03,pb,b1,2026-03-03,10:00,Beech,attended,5,3
b04,pb,b1,2026-03-11,10:00,Beech,attended,2,1
c02,pc,c1,2026-03-05,18:00,Ash,attended,5,3
c01,pc,c1,2026-03-05,09:00,Ash,attended,7,4
d01,pd,d1,2026-03-12,10:00,Beech,attended,10,0
"""


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("pain_small"), SMALL)


def test_pain_by_session_means_the_kth_attended_session_of_each_course(small_db):
    rows = run(small_db, "pain_by_session", "2026-03-10", split="none")
    assert list(rows.session_number) == [1, 2, 3, 4]
    # session 1: a1 8, b1 6, c1 7; session 2: a1 6 (not the cancelled 9), b1 5 (after the no-show), c1 5;
    # session 3: only a1, without a pain-before score; session 4: a1 4. b1's 03-11 visit is after as-of.
    assert list(rows.courses_attended) == [3, 3, 1, 1]
    assert list(rows.courses) == [3, 3, 0, 1]
    assert rows.mean_pain_before[0] == pytest.approx(7.0)
    assert rows.mean_pain_before[1] == pytest.approx(16 / 3)
    assert math.isnan(rows.mean_pain_before[2])
    assert rows.mean_pain_before[3] == pytest.approx(4.0)
    assert list(rows.key.isna()) == [True] * 4


def test_pain_by_session_has_a_95_percent_band_only_where_two_or_more_courses_are_scored(small_db):
    rows = run(small_db, "pain_by_session", "2026-03-10", split="none")
    # session 1: 8, 6, 7 -> mean 7, sd 1; session 2: 6, 5, 5 -> mean 16/3, sd sqrt(1/3)
    assert rows.ci_low[0] == pytest.approx(7 - Z * 1 / math.sqrt(3))
    assert rows.ci_high[0] == pytest.approx(7 + Z * 1 / math.sqrt(3))
    assert rows.ci_high[1] == pytest.approx(16 / 3 + Z * math.sqrt(1 / 3) / math.sqrt(3))
    assert math.isnan(rows.ci_low[3]) and math.isnan(rows.ci_high[3])      # one course at session 4


def test_pain_before_and_after_are_paired_within_each_session(small_db):
    rows = run(small_db, "pain_by_session", "2026-03-10", split="none")
    # session 1: before 8, 6, 7 -> 7; after 5, 6, 4 -> 5; change (-3 + 0 - 3) / 3 = -2
    # session 2: before 6, 5, 5 -> 16/3; after 4, 3, 3 -> 10/3; change -2
    # session 3: a1 has an after score but no before score: not paired
    assert list(rows.paired_sessions) == [3, 3, 0, 1]
    assert rows.mean_before_paired[0] == pytest.approx(7.0)
    assert rows.mean_after_paired[0] == pytest.approx(5.0)
    assert rows.mean_change_paired[0] == pytest.approx(-2.0)
    assert rows.mean_after_paired[1] == pytest.approx(10 / 3)
    assert math.isnan(rows.mean_after_paired[2])


def test_with_fewer_than_five_courses_a_point_needs_every_course_scored_at_session_one(small_db):
    rows = run(small_db, "pain_by_session", "2026-03-10", split="none")
    # 3 courses scored at session 1, so a point needs 3: sessions 1 and 2; session 3 has none scored
    assert set(rows.starting_courses) == {3} and set(rows.min_courses) == {3}
    assert list(rows.shown) == [True, True, False, False]       # session 4 comes after the cut
    assert set(rows.last_session_shown) == {2}


def test_a_split_draws_one_row_set_per_cohort_and_each_needs_five_courses(small_db):
    rows = run(small_db, "pain_by_session", "2026-03-10", split="therapist")
    ash = rows.loc[rows.key == "Ash"]
    beech = rows.loc[rows.key == "Beech"]
    assert list(ash.session_number) == [1, 2, 3, 4] and list(beech.session_number) == [1, 2]
    assert ash.mean_pain_before.iloc[0] == pytest.approx((8 + 7) / 2)      # a1 and c1
    assert list(beech.mean_pain_before) == pytest.approx([6, 5])
    assert set(rows.min_courses) == {5}
    assert not rows.shown.any()                                           # 2 and 1 courses < 5
    assert rows.last_session_shown.isna().all()


def _courses_with_sessions(counts: list[int], therapist: str = "Ash") -> str:
    """One course per entry, attending daily from 03-01 as many sessions as the entry says, 5 -> 4."""
    lines = [SESSIONS]
    for number, sessions in enumerate(counts, start=1):
        for day in range(1, sessions + 1):
            lines.append(f"s{number:03d}_{day},p{number:03d},k{number:03d},2026-03-{day:02d},09:00,{therapist},"
                         "attended,5,4")
    return "\n".join(lines)


def test_a_point_needs_at_least_five_scored_courses(db_from):
    # 6 courses start; 5 reach session 2, 4 reach session 3: the cut comes after session 2
    rows = run(db_from(_courses_with_sessions([3, 3, 3, 3, 2, 1])), "pain_by_session", "2026-03-10", split="none")
    assert list(rows.courses) == [6, 5, 4]
    assert list(rows.shown) == [True, True, False]
    assert set(rows.last_session_shown) == {2}


def test_a_point_needs_five_percent_of_the_courses_that_started(db_from):
    # 120 courses start; 6 reach session 2 (20 * 6 = 120, enough); 5 reach session 3 (20 * 5 = 100 < 120)
    counts = [3] * 5 + [2] + [1] * 114
    rows = run(db_from(_courses_with_sessions(counts)), "pain_by_session", "2026-03-10", split="none")
    assert list(rows.courses) == [120, 6, 5]
    assert set(rows.min_courses) == {5}
    assert list(rows.shown) == [True, True, False]


def test_an_unscored_first_session_does_not_hide_a_small_selection(tmp_path):
    # k1 and k2 scored at sessions 1 and 2; k3 attended session 1 without scores: 3 started, 2 scored
    text = f"""
    {SESSIONS}
    a,p1,k1,2026-03-01,09:00,Ash,attended,6,4
    b,p1,k1,2026-03-02,09:00,Ash,attended,5,4
    c,p2,k2,2026-03-01,09:00,Ash,attended,8,4
    d,p2,k2,2026-03-02,09:00,Ash,attended,7,4
    e,p3,k3,2026-03-01,09:00,Ash,attended,,
    """
    rows = run(build_db(tmp_path, text), "pain_by_session", "2026-03-10", split="none")
    assert list(rows.courses_attended) == [3, 2] and list(rows.courses) == [2, 2]
    assert set(rows.starting_courses) == {3} and set(rows.min_courses) == {2}
    assert list(rows.shown) == [True, True]


def test_filters_apply_to_the_sessions_behind_the_means(small_db):
    rows = run(small_db, "pain_by_session", "2026-03-10", split="none",
               filters={"therapists": ("Beech",)})
    assert list(rows.courses) == [1, 1]                # b1 alone: 6, then 5
    assert list(rows.mean_pain_before) == pytest.approx([6, 5])


def test_the_paired_comparison_keeps_only_courses_that_reached_the_session(small_db):
    [row] = run(small_db, "pain_reached_session", "2026-03-10", session_number=4).to_dict("records")
    # only a1 has a 4th attended session (03-04, pain 4; the cancelled 03-02 row is not numbered):
    # its session 1 (8) alone is the "before", not the mean 7 of all three courses at session 1
    assert row["session_number"] == 4 and row["courses"] == 1
    assert row["mean_pain_first"] == pytest.approx(8.0)
    assert row["mean_pain_at_session"] == pytest.approx(4.0)
    assert row["mean_change_points"] == pytest.approx(-4.0)


def test_the_paired_comparison_means_the_same_courses_at_both_sessions(small_db):
    [row] = run(small_db, "pain_reached_session", "2026-03-10", session_number=2).to_dict("records")
    # a1 8 -> 6 (the cancelled 9 is skipped), b1 6 -> 5 (after its no-show), c1 7 -> 5 (same day, by time)
    assert row["courses"] == 3
    assert row["mean_pain_first"] == pytest.approx((8 + 6 + 7) / 3)
    assert row["mean_pain_at_session"] == pytest.approx((6 + 5 + 5) / 3)
    assert row["mean_change_points"] == pytest.approx((-2 - 1 - 2) / 3)


def test_a_session_without_a_score_or_after_the_as_of_date_pairs_nothing(small_db):
    # a1's 3rd session has no pain-before score; b1's 3rd (03-11) is after the as-of date
    [row] = run(small_db, "pain_reached_session", "2026-03-10", session_number=3).to_dict("records")
    assert row["courses"] == 0
    assert row["mean_pain_first"] is None or math.isnan(row["mean_pain_first"])
    # a day later b1's 03-11 visit counts: 6 -> 2
    [later] = run(small_db, "pain_reached_session", "2026-03-11", session_number=3).to_dict("records")
    assert later["courses"] == 1
    assert (later["mean_pain_first"], later["mean_pain_at_session"]) == pytest.approx((6.0, 2.0))


def test_a_course_whose_first_session_has_no_score_is_left_out_of_the_pairs(tmp_path):
    # e1's first session has only a pain-after score: its second (4) has nobody to pair with; f1 pairs 7 -> 5,
    # and g1's unscored second session pairs nothing either
    path = build_db(tmp_path, f"""
{SESSIONS}
e01,pe,e1,2026-03-01,09:00,Ash,attended,,5
e02,pe,e1,2026-03-02,09:00,Ash,attended,4,2
f01,pf,f1,2026-03-01,10:00,Ash,attended,7,6
f02,pf,f1,2026-03-02,10:00,Ash,attended,5,4
g01,pg,g1,2026-03-01,11:00,Ash,attended,9,8
g02,pg,g1,2026-03-02,11:00,Ash,attended,,1
""")
    [row] = run(path, "pain_reached_session", "2026-03-10", session_number=2).to_dict("records")
    assert row["courses"] == 1
    assert (row["mean_pain_first"], row["mean_pain_at_session"], row["mean_change_points"]) == \
        pytest.approx((7.0, 5.0, -2.0))


def test_the_paired_comparison_follows_the_filters(small_db):
    [row] = run(small_db, "pain_reached_session", "2026-03-10", session_number=2,
                 filters={"therapists": ("Ash",)}).to_dict("records")
    assert row["courses"] == 2                                   # a1 8 -> 6 and c1 7 -> 5
    assert row["mean_pain_first"] == pytest.approx(7.5)
    assert row["mean_pain_at_session"] == pytest.approx(5.5)


# a1 (Ash):   02-27 8->5, 02-28 6->4, 03-01 4->2, 03-02 cancelled 9 (decoy), 03-11 3->2 (after as-of)
# b1 (Beech): 03-01 6->5, 03-02 attended without scores
# c1 (Beech): starts 03-12 (after as-of)
# d1 (Beech): started 03-05 with an attended session without scores; its first score (03-20) is after
#             the as-of date: a course counted as of 03-10 with no scored session (a decoy for key_courses)
MONTHS = f"""
{SESSIONS}
a01,pa,a1,2026-02-27,09:00,Ash,attended,8,5
a02,pa,a1,2026-02-28,09:00,Ash,attended,6,4
a03,pa,a1,2026-03-01,09:00,Ash,attended,4,2
a04,pa,a1,2026-03-02,09:00,Ash,cancelled,9,9
a05,pa,a1,2026-03-11,09:00,Ash,attended,3,2
b01,pb,b1,2026-03-01,10:00,Beech,attended,6,5
b02,pb,b1,2026-03-02,10:00,Beech,attended,,
c01,pc,c1,2026-03-12,10:00,Beech,attended,9,9
d01,pd,d1,2026-03-05,10:00,Beech,attended,,
d02,pd,d1,2026-03-20,10:00,Beech,attended,7,6
"""


@pytest.fixture(scope="module")
def months_db(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("pain_months"), MONTHS)


def test_pain_by_month_means_the_scored_sessions_of_each_calendar_month(months_db):
    rows = run(months_db, "pain_by_month", "2026-03-10", split="none")
    assert [d.isoformat() for d in rows.month_start.dt.date] == ["2026-02-01", "2026-03-01"]
    assert list(rows.sessions) == [2, 2]            # February 8, 6; March 4 (a1), 6 (b1)
    assert list(rows.courses) == [1, 2]
    assert list(rows.mean_pain_before) == pytest.approx([7, 5])     # a1's (8 + 6) / 2; (4 + 6) / 2
    # February is one course: no interval, however many of its sessions were scored. March: course
    # means 4 and 6 -> sd sqrt(2), n 2 courses: half-width Z * sqrt(2) / sqrt(2) = Z
    assert math.isnan(rows.ci_low[0]) and math.isnan(rows.ci_high[0])
    assert rows.ci_low[1] == pytest.approx(5 - Z) and rows.ci_high[1] == pytest.approx(5 + Z)
    assert set(rows.key_courses) == {2}            # a1 b1; not d1, counted but not scored by 03-10


# One month, two courses: h1 seen three times (pain before 9 each time), k1 once (3). Counted over
# the sessions the month would read (9 + 9 + 9 + 3) / 4 = 7.5, h1's daily visits outweighing k1;
# each course once, (9 + 3) / 2 = 6, with the interval over the two course means: sd
# sqrt((3^2 + 3^2) / 1) = sqrt(18), half-width Z * sqrt(18) / sqrt(2) = 3 Z. A cancelled row of k1
# with a score (1) is a decoy: not an attended session.
ONE_COURSE_OFTEN = f"""
{SESSIONS}
h01,ph,h1,2026-03-02,09:00,Ash,attended,9,8
h02,ph,h1,2026-03-03,09:00,Ash,attended,9,7
h03,ph,h1,2026-03-04,09:00,Ash,attended,9,7
k01,pk,k1,2026-03-03,10:00,Ash,attended,3,2
k02,pk,k1,2026-03-04,10:00,Ash,cancelled,1,1
"""


def test_a_course_seen_daily_counts_once_in_its_month_as_one_seen_once(tmp_path):
    rows = run(build_db(tmp_path, ONE_COURSE_OFTEN), "pain_by_month", "2026-03-31", split="none")
    assert [d.isoformat() for d in rows.month_start.dt.date] == ["2026-03-01"]
    assert (rows.sessions[0], rows.courses[0]) == (4, 2)
    assert rows.mean_pain_before[0] == pytest.approx(6)
    assert rows.ci_low[0] == pytest.approx(6 - 3 * Z) and rows.ci_high[0] == pytest.approx(6 + 3 * Z)


def test_the_month_holding_the_as_of_date_is_marked_as_running(months_db):
    rows = run(months_db, "pain_by_month", "2026-03-10", split="none")
    assert list(rows.month_complete) == [True, False]
    rows = run(months_db, "pain_by_month", "2026-02-28", split="none")
    assert list(rows.month_complete) == [True]      # 02-28 is February's last day


def test_a_month_is_shown_when_enough_courses_are_scored_in_it(months_db):
    rows = run(months_db, "pain_by_month", "2026-03-10", split="none")
    # 2 courses scored in all (fewer than 5), so a month needs both: February has only a1
    assert list(rows.shown) == [False, True]
    split = run(months_db, "pain_by_month", "2026-03-10", split="therapist")
    assert list(split.key) == ["Ash", "Ash", "Beech"]
    assert list(split.mean_pain_before) == pytest.approx([7, 4, 6])
    assert list(split.key_courses) == [1, 1, 1]     # Beech: b1 (d1 has no score by 03-10)
    assert not split.shown.any()                    # with a split a month needs 5 courses


# Five courses in the week of Monday 2 March, each mean a fraction: a1 8 (one session), b1 (9 + 8 +
# 8) / 3 = 25/3, c1 (5 + 3) / 2 = 4, d1 (8 + 7 + 7 + 7) / 4 = 29/4, e1 (4 + 4 + 3) / 3 = 11/3. Their
# mean is (8 + 25/3 + 4 + 29/4 + 11/3) / 5 = (96 + 100 + 48 + 87 + 44) / 12 / 5 = 375/60 = 6.25
# exactly; added one after another as doubles, in this order they make 6.250000000000001 and in the
# reverse order 6.25. Sample variance: deviations 7/4, 25/12, -9/4, 1, -31/12, squares summed
# 725/36, over 4: 725/144, so sd = 5 sqrt(29) / 12. A cancelled row with a score (f1) is a decoy.
FRACTION_COURSES = {
    "a1": [8], "b1": [9, 8, 8], "c1": [5, 3], "d1": [8, 7, 7, 7], "e1": [4, 4, 3],
}


def _fraction_sessions(order: list[str]) -> str:
    rows = [SESSIONS]
    for course in order:
        for day, pain in enumerate(FRACTION_COURSES[course], start=2):
            rows.append(f"{course}-{day},p{course},{course},2026-03-0{day},09:00,Ash,attended,{pain},{pain}")
    rows.append("f1-2,pf1,f1,2026-03-02,09:00,Ash,cancelled,1,1")
    return "\n".join(rows)


@pytest.mark.parametrize("name, as_of", [("pain_by_month", "2026-04-10"), ("pain_by_month", "2026-03-20"),
                                          ("overview_weekly_pain", "2026-03-20"),
                                          ("overview_weekly_pain", "2026-03-04")])
def test_a_periods_mean_and_interval_are_the_same_to_the_last_digit_whatever_order_the_courses_came_in(
        tmp_path, name, as_of):
    # as of 10 April March is a past month (its stored sums), as of 20 March it is still running (its
    # session rows); the week of 2 March is past on 20 March and running on 4 March (only the
    # sessions up to 03-04 then: d1 (8 + 7 + 7) / 3 = 22/3, the others whole)
    courses = list(FRACTION_COURSES)
    results = []
    for number, order in enumerate([courses, courses[::-1], courses[2:] + courses[:2]]):
        path = build_db(tmp_path / f"order{number}", _fraction_sessions(order), today=dt.date(2026, 4, 10))
        extra = {"split": "none"} if name == "pain_by_month" else {}
        rows = run(path, name, as_of, **extra)
        results.append(rows[[c for c in rows.columns if c != "key"]].to_dict("records"))
    assert results[1] == results[0] and results[2] == results[0]      # bit for bit, not approximately
    row = results[0][0]
    mean_column = "mean_pain_before" if name == "pain_by_month" else "mean_pain"
    if as_of == "2026-03-04":
        # (8 + 25/3 + 4 + 22/3 + 11/3) / 5 = (12 + 58/3) / 5 = 94/15; deviations 26/15, 31/15,
        # -34/15, 16/15, -39/15, squares (676 + 961 + 1,156 + 256 + 1,521) / 225 = 914/45, over 4: 457/90
        assert row["courses"] == 5 and row["sessions"] == 12
        assert row[mean_column] == 94 / 15
        sd = math.sqrt(457 / 90)
    else:
        assert row["courses"] == 5 and row["sessions"] == 13
        assert row[mean_column] == 6.25
        sd = 5 * math.sqrt(29) / 12
    assert row["ci_low"] == pytest.approx(row[mean_column] - Z * sd / math.sqrt(5), rel=1e-15)
    assert row["ci_high"] == pytest.approx(row[mean_column] + Z * sd / math.sqrt(5), rel=1e-15)


# Five courses in the week of 2 March with the same mean, 7/3 (2 + 2 + 3 in some order): no spread
# at all, so the mean is 7/3 to the last digit and the interval is the mean itself. (Their pain sums
# added first, 35/3, and then divided by 5 land one digit off 7/3; a spread worked out as the
# difference of two sums of squares leaves about 1e-8 once its square root is taken.)
def test_courses_with_the_same_mean_give_that_mean_and_an_interval_of_no_width(tmp_path):
    rows = [SESSIONS]
    for number, pains in enumerate([(2, 2, 3), (2, 3, 2), (3, 2, 2), (2, 2, 3), (3, 2, 2)]):
        for day, pain in enumerate(pains, start=2):
            rows.append(f"s{number}{day},p{number},c{number},2026-03-0{day},09:00,Ash,attended,{pain},{pain}")
    path = build_db(tmp_path, "\n".join(rows), today=dt.date(2026, 4, 10))
    for name, column in (("pain_by_month", "mean_pain_before"), ("overview_weekly_pain", "mean_pain")):
        extra = {"split": "none"} if name == "pain_by_month" else {}
        row = run(path, name, "2026-04-10", **extra).iloc[0]
        assert (row.courses, row.sessions) == (5, 15)
        assert row[column] == 7 / 3
        assert row.ci_low == row[column] == row.ci_high
