"""Import: upload session, patient and course files; see what was loaded, updated, rejected or refused.

The logic (the upload folder, importer, result tables) is in clinic/uploads.py; this page only draws.
File names, header names and cell values come from the uploaded files, so they are shown only in
tables (st.dataframe shows text as text), never in markdown.
"""
import datetime as dt

import streamlit as st

from clinic import ui, uploads

path, _filters = ui.require_entry(__file__, needs_data=False)
ui.require_director()

st.title("Import session records")

if not path.exists():
    st.info("There is no database yet: the first import creates it, and the other pages appear as soon as it exists.")

identifiers = ", ".join(uploads.identifier_columns())
st.markdown(
    "Upload the clinic's exports as **CSV** (UTF-8, comma or semicolon) or **Excel .xlsx** (first sheet, "
    "header in the first row): a **sessions** file, one row per booked session, and optionally **patients** "
    "and **courses** files. Each file's kind is told by its columns.\n\n"
    "- **Bad rows are rejected, never guessed**: a wrong date, a pain score outside 0–10 or not in digits, an "
    "unknown status… Each rejected row is listed below with its line, column, value and reason; the good rows "
    "of the same file still load.\n"
    "- **Files with names, phone numbers, e-mail addresses or other direct identifiers are refused whole**: "
    "nothing of them is stored. Patients are pseudonymous ids only.\n"
    "- **Importing the same file twice changes nothing**: rows are matched by their id (session_id, patient_id, "
    "course_id); a known id updates its row, an unchanged row stays as it is.\n\n"
    "The full rules are in the project's `README.md`, sections *Importing data* (the contract) and *Metrics* "
    "(how the figures are computed); the first one is also below."
)
with st.expander("Columns each file needs, and examples"):
    contract = uploads.contract_frame()
    ui.show_table(contract, {"kind": "File", "what": "What it holds", "required": "Required columns",
                             "optional": "Optional columns"})
    st.caption(f"Refused whole when a column is named (after trimming, lower-casing, spaces and hyphens to _): "
               f"{identifiers}.")
    examples = uploads.example_files()
    for column, (name, data) in zip(st.columns(max(len(examples), 1)), examples.items()):
        column.download_button(f"Example {name}", data, file_name=name, mime="text/csv", key=f"import.example.{name}")
with st.expander("The import rules in full (README.md, section *Importing data*)"):
    st.markdown(uploads.readme_section("Importing data") or "The README is not available here.")

st.session_state.setdefault("import.generation", 0)
files = st.file_uploader("Files to import", type=list(uploads.ACCEPTED_TYPES), accept_multiple_files=True,
                         key=f"import.files.{st.session_state['import.generation']}",
                         max_upload_size=uploads.MAX_UPLOAD_MB,
                         help="Patients go first, then courses, then sessions, whatever the order here.")
st.caption(uploads.limits_text())
if st.button("Import", type="primary", disabled=not files, key="import.run"):
    bar = st.progress(0.0, text="Starting the import…")

    def on_progress(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=uploads.escape_markdown(message))

    try:
        results = uploads.run_import([uploads.Upload(f.name, f.getvalue()) for f in files], path,
                                     progress=on_progress)
    except uploads.DatabaseLocked:
        bar.empty()
        st.error("The database is in use by another process (probably an import from the command line), and it "
                 f"stayed busy for {uploads.LOCK_WAIT_SECONDS:.0f} seconds. Nothing was imported. Try again in a "
                 "moment.")
    except uploads.ImportFailed as exc:
        bar.empty()
        ui.audit("import failed", {"files": [uploads.shown_name(f.name) for f in files], "error": str(exc)})
        st.text(f"The import could not finish: {exc}.")
        st.error("Each file is stored whole or not at all. Check the Overview, then import the files again: "
                 "files already stored report no change.")
    else:
        for result in results:       # the audit log: who imported which file (name, SHA-256, counts)
            ui.audit(result.audit_action, result.audit_detail())
        st.session_state["import.last"] = (dt.datetime.now().strftime("%H:%M:%S"), results)
        st.session_state["import.generation"] += 1   # a fresh, empty uploader
        st.rerun()                                    # every page and the sidebar read the new data

last = st.session_state.get("import.last")
if last:
    at, results = last
    total = uploads.totals(results)
    st.subheader(f"Last import, at {at}")
    if total["refused"]:
        with st.container(border=True):
            st.error(f"{total['refused']} of {total['files']} files refused whole: nothing of them was stored.")
            for refused in uploads.refused_frame(results).itertuples():
                st.text(f"{refused.file} — {refused.refused}")    # plain text: names come from the upload
    if total["imported"]:
        verdict = st.warning if total["rejected"] else st.success
        files = f"{total['imported']} of {total['files']} files" if total["refused"] else (
            "1 file" if total["files"] == 1 else f"{total['files']} files")
        verdict(f"{files} imported: {total['rows_read']:,} rows read, "
                f"{total['new']:,} new, {total['updated']:,} updated, {total['unchanged']:,} unchanged, "
                f"{total['rejected']:,} rejected.")
        summary = uploads.summary_frame(results)
        st.dataframe(summary, hide_index=True, width="stretch", key="import.summary", column_config={
            **{c: st.column_config.Column(label) for c, label in uploads.SUMMARY_LABELS.items()},
            **{c: st.column_config.NumberColumn(uploads.SUMMARY_LABELS[c], format="localized") for c in uploads.COUNTS},
        })
    rejected = [(i, r) for i, r in enumerate(results) if r.rejects]
    if rejected:
        st.markdown("**Rejected rows** (line 1 is the file's header)")
    for i, result in rejected:
        st.text(f"{result.file}: {result.rejected:,} rejected row{'s' if result.rejected != 1 else ''}")
        ui.show_table(uploads.rejects_frame(result), uploads.REJECT_LABELS, key=f"import.rejects.table.{i}")
        st.download_button("Download these rejects (CSV)", uploads.rejects_csv(result),
                           file_name=uploads.rejects_file_name(result), mime="text/csv", key=f"import.rejects.{i}")
    if rejected:
        st.caption("The rejects are also kept in the database (rejects table) and in the rejects folder beside it. "
                   "Fix the rows in the source file and import it again: rows already loaded stay unchanged.")
