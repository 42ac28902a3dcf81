"""The clinical pages on a database with no rows: a sentence that says so, no chart, no traceback."""
from __future__ import annotations

import pytest
from conftest import dashboard_on
from page_support import open_page


@pytest.mark.parametrize("page", ["pages/time_to_relief.py", "pages/fair_comparison.py",
                                  "pages/protocol_safety.py"])
def test_a_clinical_page_on_an_empty_database_says_so_in_words(empty_db, monkeypatch, signed_in_as, page):
    at = dashboard_on(empty_db, monkeypatch, as_of=None)
    open_page(at, page)
    said = " ".join(e.value for e in [*at.info, *at.success, *at.warning])
    assert said.strip(), "the page says nothing about the missing data"
    assert not at.get("plotly_chart")
