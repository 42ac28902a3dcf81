"""ui.chart: a chart is built once per distinct input and shared by later runs (clinic/ui.py)."""
from __future__ import annotations

import json

import streamlit as st
from streamlit.testing.v1 import AppTest


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
