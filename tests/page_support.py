"""Small helpers shared by the AppTest page tests."""
from __future__ import annotations

import streamlit


def open_page(app, page: str):
    """Runs the dashboard once (as a person's first visit does), then switches to `page`."""
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def metrics_of(at) -> dict[str, str]:
    """The KPI tiles as {label: value}."""
    return {m.label: m.value for m in at.metric}



def uploading(monkeypatch, *files):
    """st.file_uploader replaced by a stand-in that returns these files (AppTest cannot drop files on it)."""
    monkeypatch.setattr(streamlit, "file_uploader", lambda *args, **kwargs: list(files))
