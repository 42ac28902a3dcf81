"""The look every figure shares (clinic/charts/__init__.py): the "clinic" template and what makes a
figure quick to build. Checked on tiny figures: their template and the parsing of property paths."""
from __future__ import annotations

import plotly.basedatatypes
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from _plotly_utils import basevalidators

from clinic.charts import styled


def a_styled_bar() -> go.Figure:
    return styled(go.Figure(go.Bar(x=["a", "b"], y=[3, 1])), "Two bars", "Letter", "Count")


def test_a_styled_figure_carries_the_clinic_template_exactly_as_registered():
    fig = a_styled_bar()
    assert fig.to_dict()["layout"]["template"] == pio.templates["clinic"].to_plotly_json()
    assert fig.layout.template.layout.paper_bgcolor == "white"          # plotly_white's look
    assert set(fig.to_dict()["layout"]["template"]["data"]) == {"bar", "heatmap", "scatter"}


def test_the_registered_template_is_taken_as_it_is_without_being_checked_and_copied_again(monkeypatch):
    # Through update_layout Plotly checked the registered template and copied it three times over,
    # a fifth of a small figure's build time; it is taken as Plotly takes its default template.
    def checked(self, value, skip_invalid=False):
        raise AssertionError("the template was checked again")

    monkeypatch.setattr(basevalidators.BaseTemplateValidator, "validate_coerce", checked)
    fig = a_styled_bar()
    assert fig.layout.title.text == "Two bars" and fig.layout.template.layout.paper_bgcolor == "white"


def test_changing_one_figures_template_changes_neither_the_registered_one_nor_the_next_figure():
    first = a_styled_bar()
    first.layout.template.layout.paper_bgcolor = "red"
    first.update_layout(template_layout_font_size=99)
    assert first.layout.template.layout.paper_bgcolor == "red"
    assert pio.templates["clinic"].layout.paper_bgcolor == "white"
    assert pio.templates["clinic"].layout.font.size is None
    second = a_styled_bar()
    assert second.layout.template.layout.paper_bgcolor == "white" and second.layout.template.layout.font.size is None


@pytest.mark.parametrize("path", ["legend.orientation", "title_text", "xaxis.title.text", "error_x",
                                  "annotations[2].font.size", "margin.b", "template_layout_font_size", ""])
def test_a_property_path_parses_as_plotly_parses_it_and_is_parsed_only_once(path):
    kept = plotly.basedatatypes._str_to_dict_path_full
    assert kept(path) == kept.__wrapped__(path)
    before = kept.cache_info().hits
    assert kept(path) == kept.__wrapped__(path)
    assert kept.cache_info().hits == before + 1


def test_building_a_second_alike_figure_parses_no_new_path():
    a_styled_bar()
    kept = plotly.basedatatypes._str_to_dict_path_full
    misses = kept.cache_info().misses
    fig = a_styled_bar()
    assert kept.cache_info().misses == misses
    assert fig.layout.xaxis.title.text == "Letter" and fig.layout.legend.orientation == "h"
