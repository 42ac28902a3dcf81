"""ui.chart: a chart is made once per distinct input and shared by later runs (clinic/ui.py), looked
up by a digest of the input's pickle, never for a frame of CACHED_FRAME_ROWS rows or more. ui.csv and
ui.later: a download's file is made when its button is pressed, not on every run."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st
from streamlit.testing.v1 import AppTest

from clinic import exports, ui


def script():
    import threading

    import plotly.graph_objects as go
    import streamlit as st

    from clinic import ui

    built = st.session_state.setdefault("built", [])

    def build(title, values, lock=None):
        built.append(title)
        return go.Figure(go.Bar(y=values), layout={"title": {"text": title}})

    title = st.session_state.get("title", "first")
    if st.session_state.get("unhashable"):
        ui.chart(build, title, [1, 2], lock=threading.Lock())
    else:
        ui.chart(build, title, [1, 2])


def drawn_title(at) -> str:
    [chart] = at.get("plotly_chart")
    return json.loads(chart.proto.spec)["layout"]["title"]["text"]


def test_a_chart_is_built_once_and_drawn_again_from_the_same_figure():
    st.cache_resource.clear()
    at = AppTest.from_function(script).run()
    at.run()
    at.run()
    assert not at.exception
    assert at.session_state["built"] == ["first"] and drawn_title(at) == "first"


def test_another_input_builds_another_chart():
    st.cache_resource.clear()
    at = AppTest.from_function(script).run()
    at.session_state["title"] = "second"
    at.run()
    at.session_state["title"] = "first"                 # the first one is still there
    at.run()
    assert at.session_state["built"] == ["first", "second"] and drawn_title(at) == "first"


def test_an_input_that_cannot_be_hashed_is_built_every_time():
    st.cache_resource.clear()
    at = AppTest.from_function(script)
    at.session_state["unhashable"] = True
    at.run()
    at.run()
    assert not at.exception
    assert at.session_state["built"] == ["first", "first"] and drawn_title(at) == "first"


def sized_script():
    import plotly.graph_objects as go
    import streamlit as st

    from clinic import ui

    built = st.session_state.setdefault("built", [])

    def build(title, own_px=None):
        built.append(title)
        return go.Figure(go.Bar(y=[1, 2]), layout={"title": {"text": title}, "height": 300, "width": own_px})

    ui.chart(build, "main")
    ui.chart(build, "a width of its own", own_px=500)
    ui.chart(build, "set width", width=600)
    ui.chart(build, "wider than the page", width=1200)
    ui.chart(build, "as wide as its content", width="content")
    with st.container(border=True):
        ui.chart(build, "in a container")
    with st.columns(2)[0]:
        ui.chart(build, "in a column")
    ui.chart(build, "main, after")


def sent_widths(at) -> dict:
    return {spec["layout"]["title"]["text"]: spec["layout"].get("width")
            for spec in (json.loads(chart.proto.spec) for chart in at.get("plotly_chart"))}


def test_a_chart_across_the_page_is_sent_with_the_width_its_browser_draws_it_at():
    # Streamlit's chart draws a figure without a width twice (hidden at Plotly's default width, then
    # at the width measured); one sent with its width is drawn once. Only a chart straight in the
    # page is as wide as the page's column (900 px, as the browser measured it), or as its own
    # width in px when the column is wider
    st.cache_resource.clear()
    at = AppTest.from_function(sized_script)
    at.session_state[ui.CHART_KEY] = 900
    at.run()
    assert not at.exception
    assert sent_widths(at) == {"main": 900, "a width of its own": 500, "set width": 600, "wider than the page": 900,
                               "as wide as its content": None, "in a container": None, "in a column": None,
                               "main, after": 900}


def test_the_shared_figure_is_sized_only_for_the_session_it_is_sent_to():
    # the figures are built once and shared by every session: a browser that reported no width
    # (another session, the same inputs) gets them as built, without the first one's 900 px
    st.cache_resource.clear()
    sized = AppTest.from_function(sized_script)
    sized.session_state[ui.CHART_KEY] = 900
    sized.run()
    other = AppTest.from_function(sized_script).run()
    assert not other.exception
    assert other.session_state["built"] == []                       # the same figures, from the cache
    assert sent_widths(other) == {"main": None, "a width of its own": 500, "set width": None,
                                  "wider than the page": None, "as wide as its content": None, "in a container": None,
                                  "in a column": None, "main, after": None}
    sized.run()
    assert sent_widths(sized)["main"] == 900


def test_a_tables_csv_is_written_when_its_download_is_pressed_not_when_the_page_runs(monkeypatch):
    frame = pd.DataFrame({"patient_id": ["P1", "=cmd"], "pain": [7, 3]})
    written = []
    real = exports.frame_csv
    monkeypatch.setattr(exports, "frame_csv", lambda *args: written.append(args) or real(*args))
    made = ui.csv(frame)                                   # what the page hands the download button
    assert written == []
    assert made() == b"patient_id,pain\nP1,7\n'=cmd,3\n"       # pressed: the export, formula guard included
    assert ui.csv(frame, "as of 2026-03-20")() == b'"# as of 2026-03-20"\npatient_id,pain\nP1,7\n\'=cmd,3\n'
    assert len(written) == 2


def test_any_file_can_wait_for_its_button_with_the_arguments_of_this_run():
    frame = pd.DataFrame({"n": [1, 2]})
    made = ui.later(lambda table, sheet: f"{sheet}:{table.n.sum()}".encode(), frame, sheet="Cohorts")
    frame = pd.DataFrame({"n": [5]})                       # the page's later frames change nothing
    assert made() == b"Cohorts:3"


def test_a_large_table_is_never_looked_up_by_its_hash(monkeypatch):
    def refuse(*args):
        raise AssertionError("a large frame must not be cached")

    monkeypatch.setattr(ui, "_figure", refuse)
    large = pd.DataFrame({"n": range(ui.CACHED_FRAME_ROWS)})
    built = []
    monkeypatch.setattr(ui.st, "plotly_chart", lambda figure, **kwargs: figure)
    assert ui.chart(lambda frame: built.append(len(frame)) or "figure", large) == "figure"
    assert built == [ui.CACHED_FRAME_ROWS]


def frame_script():
    import pandas as pd
    import plotly.graph_objects as go
    import streamlit as st

    from clinic import ui

    built = st.session_state.setdefault("built", [])

    def build(frame, curve):
        built.append(int(frame.pain.sum()))
        return go.Figure(go.Scatter(x=frame.n, y=frame.pain), layout={"title": {"text": f"{len(curve['x'])}"}})

    pain = [5] * 20_000
    pain[st.session_state.get("changed_row", 0)] = st.session_state.get("changed_to", 5)
    frame = pd.DataFrame({"n": range(20_000), "pain": pain})            # made anew on every run
    ui.chart(build, frame, {"x": [n / 10 for n in range(300)], "units": [{"name": "Birch", "n": 12}]})


def test_an_equal_input_made_anew_draws_the_same_figure_and_one_changed_row_far_down_another():
    st.cache_resource.clear()
    at = AppTest.from_function(frame_script).run()
    at.run()
    assert at.session_state["built"] == [100_000]
    at.session_state["changed_row"], at.session_state["changed_to"] = 15_000, 9      # 4 more, row 15,000
    at.run()
    at.run()
    assert not at.exception
    assert at.session_state["built"] == [100_000, 100_004]


def test_a_charts_input_is_not_walked_item_by_item_by_streamlits_hasher(monkeypatch):
    # Streamlit's hasher hashes a list or a dict an item at a time in Python (23 ms a run for the
    # funnel plot's curve of 293 points); the chart's input is pickled and digested instead.
    from streamlit.runtime.caching import hashing

    walked = []
    to_bytes = hashing._CacheFuncHasher._to_bytes
    monkeypatch.setattr(hashing._CacheFuncHasher, "_to_bytes",
                        lambda self, obj: walked.append(type(obj).__name__) or to_bytes(self, obj))
    st.cache_resource.clear()
    at = AppTest.from_function(frame_script).run()
    assert not at.exception and at.session_state["built"] == [100_000]
    assert not {"list", "dict", "DataFrame", "float"} & set(walked), sorted(set(walked))
