"""Small helpers shared by the AppTest page tests."""
from __future__ import annotations

import streamlit


def open_page(app, page: str):
    """Opens `page` as a link to it does: the dashboard's entry sets up the sign-in, the database
    and the filters, then runs that page alone (the Overview's own queries and charts are not run
    first: tests/test_page_overview.py has those)."""
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def metrics_of(at) -> dict[str, str]:
    """The KPI tiles as {label: value}."""
    return {m.label: m.value for m in at.metric}



def uploading(monkeypatch, *files):
    """st.file_uploader replaced by a stand-in that returns these files (AppTest cannot drop files on it)."""
    monkeypatch.setattr(streamlit, "file_uploader", lambda *args, **kwargs: list(files))


# What every download button of an AppTest run would make when pressed (ui.download hands Streamlit a
# function, called when the button is pressed): {the button's deferred file id: that function}.
_DEFERRED: dict[str, object] = {}


def _keep_deferred() -> None:
    from streamlit.runtime.media_file_manager import MediaFileManager

    add = MediaFileManager.add_deferred
    if getattr(add, "kept_for_tests", False):
        return

    def keeping(self, data_callable, *args, **kwargs):
        file_id = add(self, data_callable, *args, **kwargs)
        _DEFERRED[file_id] = data_callable
        return file_id

    keeping.kept_for_tests = True
    MediaFileManager.add_deferred = keeping


_keep_deferred()


def press_download(button) -> bytes:
    """Presses a download button of an AppTest run as the browser does: the file is made (and its
    export written to the audit log) by the function the button was sent with; the page does not
    rerun. Returns the file's bytes."""
    content = _DEFERRED[button.proto.deferred_file_id]()
    return content.encode("utf-8") if isinstance(content, str) else content


def check_tile_rows(app, key_part: str, phone: bool = False, width_px: int | None = None) -> list[list[str]]:
    """The labels of the metrics in each row of tiles whose key holds `key_part`, after checking the
    row wraps and each tile is a bordered box of `width_px` (ui.CHECK_TILE_PX unless given; on a
    phone: one column of bordered boxes as wide as the screen)."""
    from clinic import ui

    width_px = ui.CHECK_TILE_PX if width_px is None else width_px

    rows = []
    for block in _blocks(app._tree):
        if key_part not in block.proto.id:
            continue
        row_box = block.proto.flex_container
        direction = "VERTICAL" if phone else "HORIZONTAL"
        assert row_box.wrap != phone and row_box.Direction.Name(row_box.direction) == direction
        row = []
        for tile in block.children.values():
            width = tile.proto.width_config
            assert tile.proto.flex_container.border
            assert (width.use_stretch and not width.pixel_width) if phone else width.pixel_width == width_px
            row += [m.label for m in tile.metric]
        rows.append(row)
    return rows


def _blocks(node):
    for child in getattr(node, "children", {}).values():
        if type(child).__name__ == "Block":
            yield child
        yield from _blocks(child)
