"""A share shown beside its 95 % interval never reads as lying outside it.

At network scale an interval is narrow: 148,502 relieved of 226,731 courses is 65.50 % with a Wilson
interval of 65.30–65.69 %, and a share rounded to whole per cent ("66 %") sat outside the interval
shown beside it to one decimal. Shares beside an interval now carry its one decimal; rounding keeps
order, so the share's text is always within the interval's.
"""
from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from clinic import metrics, ui
from clinic.charts import pain

NOTE = re.compile(r"(\d+\.\d) % of [\d,]+ · 95 % CI (\d+\.\d)–(\d+\.\d) %")


def test_a_share_between_two_roundings_is_shown_to_the_intervals_one_decimal():
    # 148,502 / 226,731 = 0.654970...: 65.5 %, where whole per cent would say 66 %
    low, high = metrics.wilson(148_502, 226_731)
    assert (round(low * 100, 1), round(high * 100, 1)) == (65.3, 65.7)
    assert ui.share_note(148_502 / 226_731, 226_731, low, high) == "65.5 % of 226,731 · 95 % CI 65.3–65.7 %"


def test_a_share_with_nothing_to_count_keeps_its_dash_and_no_interval():
    assert ui.share_note(None, 0, None, None) == "— of 0"


@given(st.integers(min_value=1, max_value=10_000_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))))
def test_the_shown_share_always_lies_within_the_shown_interval(case):
    events, n = case
    low, high = metrics.wilson(events, n)
    shown, interval_low, interval_high = map(float, NOTE.fullmatch(ui.share_note(events / n, n, low, high)).groups())
    assert interval_low <= shown <= interval_high


def test_the_responder_tiles_show_their_shares_to_the_intervals_one_decimal():
    summary = {"courses": 9, "patients": 9, "sustained_improvement": {
        "assessable": 8, "median_pct": 30.0, "responders_30": 5, "responders_50": 1}}
    values = {label: value for label, value, _note, _help in pain.kpis(summary)}
    assert values["Responders (≥ 30 % better)"] == "62.5 %"      # 5 of 8
    assert values["≥ 50 % better"] == "12.5 %"                   # 1 of 8
