"""Import: upload session, patient and course files; see what was loaded, updated, rejected or refused.

The logic (the upload folder, importer, result tables) is in clinic/uploads.py; this page only draws.
File names, header names and cell values come from the uploaded files, so they are shown only in
tables (st.dataframe shows text as text), never in markdown.
"""
import datetime as dt

import streamlit as st

from clinic import mapping, mapping_form, ui, uploads

path, _filters = ui.require_entry(__file__, needs_data=False)
ui.require_director()

st.title("Import session records")

if not path.exists():
    st.info("There is no database yet: the first import creates it, and the other pages appear as soon as it exists.")

identifiers = ", ".join(uploads.identifier_columns())
st.markdown(
    "Upload the clinic's exports as **CSV** (UTF-8, comma or semicolon) or **Excel .xlsx** (first sheet, "
    "header in the first row): a **sessions** file, one row per booked session, and optionally **patients** "
    "and **courses** files. Each file's kind is told by its columns. An export from practice software "
    "(Cliniko, Nookal, Halaxy, Jane…), or a sheet of pain scores, opens a **mapping step** below: say once "
    "where each field comes from, save it as a profile, and the next month's export imports in one click.\n\n"
    "- **Bad rows are rejected, never guessed**: a wrong date, a pain score outside 0–10 or not in digits, an "
    "unknown status… Each rejected row is listed below with its line, column, value and reason; the good rows "
    "of the same file still load.\n"
    "- **Files with names, phone numbers, e-mail addresses or other direct identifiers are refused whole**: "
    "nothing of them is stored, unless a person maps the file and marks those columns **drop**: their values "
    "are then never read. Patients are pseudonymous ids only.\n"
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

chosen = [uploads.Upload(f.name, f.getvalue()) for f in files] if files else []
seen = st.session_state.setdefault("import.seen", {})          # digest -> (header, refusal): no rows
inspections = [uploads.inspect(upload, path, seen) for upload in chosen]
for digest in set(seen) - {i.digest for i in inspections}:
    del seen[digest]
note = st.session_state.pop("import.note", None)
if note:
    st.success(uploads.escape_markdown(note))
if inspections:
    st.markdown("\n".join(f"- **{uploads.escape_markdown(i.name)}** {uploads.escape_markdown(i.verdict())}"
                          for i in inspections))


def import_now(chosen_uploads, profile=None) -> None:
    """Imports the uploads (mapped by `profile` when given), keeps the results and starts afresh."""
    bar = st.progress(0.0, text="Starting the import…")

    def on_progress(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=uploads.escape_markdown(message))

    try:
        results = uploads.run_import(chosen_uploads, path, progress=on_progress, profile=profile, seen=seen)
    except uploads.DatabaseLocked:
        bar.empty()
        st.error("The database is in use by another process (probably an import from the command line), and it "
                 f"stayed busy for {uploads.LOCK_WAIT_SECONDS:.0f} seconds. Nothing was imported. Try again in a "
                 "moment.")
    except uploads.ImportFailed as exc:
        bar.empty()
        ui.audit("import failed", {"files": [uploads.shown_name(u.name) for u in chosen_uploads], "error": str(exc)})
        st.text(f"The import could not finish: {exc}.")
        st.error("Each file is stored whole or not at all. Check the Overview, then import the files again: "
                 "files already stored report no change.")
    else:
        for result in results:       # the audit log: who imported which file (name, SHA-256, counts, profile)
            ui.audit(result.audit_action, result.audit_detail())
        st.session_state["import.last"] = (dt.datetime.now().strftime("%H:%M:%S"), results)
        st.session_state["import.generation"] += 1   # a fresh, empty uploader
        st.rerun()                                    # every page and the sidebar read the new data


# When every file chosen needs its columns mapped, Import would only refuse them: the mapping step's
# own button below is then the one to press, and this one is not drawn as the first choice.
only_mapping = bool(inspections) and all(i.needs_mapping for i in inspections)
if st.button("Import", type="secondary" if only_mapping else "primary", disabled=not files, key="import.run"):
    import_now(chosen)
if any(i.needs_mapping for i in inspections):
    st.caption("Import refuses a file whose columns are not the contract's. Map its columns below, then import it "
               "with that mapping, or save the mapping as a profile: files with the same columns are then mapped "
               "by Import itself.")

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
        st.dataframe(summary, hide_index=True,
                     placeholder=ui.MISSING, width="stretch", key="import.summary", column_config={
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


def draw_mapping_step(upload: uploads.Upload, inspection: uploads.Inspection,
                      start: mapping.Profile | None = None):
    """The mapping step for one file; returns the profile to import it with when that is asked for.
    It starts from `start` (a saved profile being changed), else from mapping.suggest.

    Only the values of mapped columns are ever drawn (translations, preview); a dropped column's
    values stay on the server for the length of this run."""
    st.text(f"File: {inspection.name}")
    if inspection.profile is None:
        st.caption("Why Import alone refuses it: " + uploads.escape_markdown(inspection.refused or ""))
    try:
        table = uploads.read_for_mapping(upload, path)
    except uploads.Refused as exc:
        st.error("This file cannot be read, so its columns cannot be mapped. The reason:")
        st.text(str(exc))
        return None
    esc = uploads.escape_markdown
    base = f"import.{'edit' if start else 'map'}.{inspection.digest[:16]}"
    header = table.header
    date_times = mapping_form.date_time_columns(table)
    kind = st.selectbox("What the file holds", mapping.KINDS,
                        index=mapping.KINDS.index(start.kind if start else mapping.guess_kind(header)),
                        format_func=mapping_form.KIND_LABELS.get, key=f"{base}.kind")
    key = f"{base}.{kind}"
    first = mapping_form.choices_from(start if start and start.kind == kind else mapping.suggest(table, kind),
                                      date_times)
    choices = mapping_form.Choices(kind=kind, flags=dict(first.flags))

    st.markdown("**Where each field of the contract comes from** (prefilled with a guess: check each one)")
    names = mapping_form.fields_of(kind)
    for row in range(0, len(names), 2):
        for cell, name in zip(st.columns(2), names[row:row + 2]):
            options = mapping_form.field_options(kind, name, header, date_times)
            wanted = first.sources.get(name, mapping_form.NONE)
            token = cell.selectbox(mapping_form.field_label(kind, name), options,
                                   index=options.index(wanted) if wanted in options else 0,
                                   format_func=mapping_form.option_label, key=f"{key}.field.{name}")
            choices.sources[name] = token
            if token == mapping_form.CONSTANT:
                choices.constants[name] = cell.text_input(f"The constant for {name}", first.constants.get(name, ""),
                                                          max_chars=200, key=f"{key}.constant.{name}")
    if choices.sources.get("status") == mapping_form.FLAGS:
        st.markdown("**Status from arrival flags**: a row is attended, a no-show or cancelled by the one column "
                    "set in it (yes, or a date-time); a row with none or several set is rejected")
        flag_options = mapping_form.flag_options(header)
        for cell, what in zip(st.columns(len(mapping.STATUS_FLAGS)), mapping.STATUS_FLAGS):
            wanted = first.flags.get(what, mapping_form.NONE)
            choices.flags[what] = cell.selectbox(mapping_form.FLAG_LABELS[what], flag_options,
                                                 index=flag_options.index(wanted) if wanted in flag_options else 0,
                                                 format_func=mapping_form.option_label, key=f"{key}.flag.{what}")
    if mapping_form.uses_date_parts(choices):
        formats = list(mapping_form.FORMAT_LABELS)
        choices.date_format = st.radio("How the file writes its dates", formats, horizontal=True,
                                       index=formats.index(first.date_format),
                                       format_func=mapping_form.FORMAT_LABELS.get, key=f"{key}.date_format")

    direct, possible = mapping.identifier_columns(header)
    if direct or possible:
        st.markdown("**Columns that may identify a person.** Their values are never stored, shown or kept when "
                    "they are dropped. A direct identifier must be dropped; a column that may hold names must be "
                    "dropped, or mapped to a field above if it holds no names.")
        for column in dict.fromkeys(direct + possible):
            why = "a direct identifier" if column in direct else "may hold patients' names"
            if st.checkbox(f"Drop {esc(column)} ({why})", value=column in first.drop,
                           key=f"{key}.drop.{header.index(column)}"):
                choices.drop.append(column)

    profile = mapping_form.profile_from(choices, header)
    for name in mapping_form.translated_fields(kind, profile):
        column = profile.fields[name].column
        values, more = mapping_form.distinct_values(table, column)
        if not values:
            continue
        allowed = [mapping_form.KEEP, *mapping.allowed_values(kind, name)]
        st.markdown(f"**Values of {esc(name)}**: what each value in the column becomes")
        table_of = {}
        for n, (value, rows) in enumerate(values):
            left, middle, right = st.columns([3, 1, 3], vertical_alignment="center")
            left.text(value)
            middle.text(f"{rows:,} row{'s' if rows != 1 else ''}")
            wanted = mapping_form.suggested_translation(kind, name, value, first.values.get(name))
            table_of[value] = right.selectbox(f"{name}: value {n + 1} becomes", allowed, index=allowed.index(wanted),
                                              format_func=mapping_form.translation_label, label_visibility="collapsed",
                                              key=f"{key}.value.{name}.{header.index(column)}.{n}")
        if more:
            st.caption(f"{more:,} more distinct values are not listed: they are passed on as they are, and rejected "
                       "unless already valid.")
        choices.values[name] = table_of
    profile = mapping_form.profile_from(choices, header)

    problems = profile.problems(header)
    if problems:
        st.error("**This mapping cannot import the file yet:**\n\n" + "\n".join(f"- {esc(p)}" for p in problems))
    else:
        try:
            stored, rejected = mapping_form.preview_frames(profile, table, dt.date.today())
        except uploads.Refused as exc:
            st.error("This mapping cannot import the file yet. The reason:")
            st.text(str(exc))
            problems = [str(exc)]
        else:
            st.markdown(f"**Preview**: the first {mapping.PREVIEW_ROWS} rows as they would be stored (nothing is "
                        "written yet; line 1 is the file's header)")
            if stored.empty:
                st.info("None of these rows would be stored.")
            else:
                ui.show_table(stored, key=f"{key}.preview")
            if rejected.empty:
                st.caption("None of these rows would be rejected.")
            else:
                st.markdown(f"**Rows the import would reject** (of these first {mapping.PREVIEW_ROWS})")
                ui.show_table(rejected, uploads.REJECT_LABELS, key=f"{key}.preview_rejects")
    del table

    name_column, save_column = st.columns([3, 1], vertical_alignment="bottom")
    name = name_column.text_input("Save profile as", inspection.profile[0] if inspection.profile else "",
                                  max_chars=mapping.MAX_NAME_CHARS, key=f"{key}.profile_name",
                                  placeholder="e.g. Cliniko appointments",
                                  help="Saved in the database: Import then maps every file with these columns by "
                                       "itself.")
    if save_column.button("Save profile", disabled=bool(problems), key=f"{key}.save"):
        try:
            version = uploads.save_profile(path, name, profile, ui.signed_in().user.name)
        except mapping.ProfileError as exc:
            st.error(esc(f"The profile was not saved: {exc}."))
        except uploads.DatabaseLocked:
            st.error("The database is in use by another process; the profile was not saved. Try again in a moment.")
        except uploads.ImportFailed as exc:
            st.error(esc(f"The profile was not saved: {exc}."))
        else:
            saved = mapping.clean_name(name)
            ui.audit("mapping profile saved", {"name": saved, "version": version, "kind": profile.kind,
                                               "file": inspection.name})
            st.session_state["import.note"] = (f"Saved the mapping as profile {saved} v{version}: files with "
                                               "these columns are now mapped with it. Press Import.")
            st.rerun()
    if st.button("Import with this mapping", type="primary", disabled=bool(problems), key=f"{key}.import"):
        return profile
    return None


to_map = [(u, i) for u, i in zip(chosen, inspections) if i.needs_mapping]
mapped_by_profile = [(u, i) for u, i in zip(chosen, inspections) if i.profile is not None]
if not to_map and mapped_by_profile:
    upload, inspection = mapped_by_profile[0]
    changing = st.toggle("Change the mapping of a file mapped by a saved profile", key="import.edit")
    if changing:
        if len(mapped_by_profile) > 1:
            chosen_at = st.selectbox("File whose mapping to change", range(len(mapped_by_profile)),
                                     format_func=lambda n: mapped_by_profile[n][1].name, key="import.edit.file")
            upload, inspection = mapped_by_profile[chosen_at]
        try:
            saved = uploads.load_profile(path, inspection.profile[0])
        except mapping.ProfileError as exc:
            st.error(uploads.escape_markdown(f"The saved profile cannot be read: {exc}."))
        else:
            st.subheader("Change the mapping")
            st.caption("Saving under the same name makes a new version of the profile; the older one is kept.")
            mapped = draw_mapping_step(upload, inspection, start=saved)
            if mapped is not None:
                import_now([upload], mapped)
if to_map:
    st.subheader("Map a file's columns to the import contract")
    if len(to_map) > 1:
        chosen_at = st.selectbox("File to map (one at a time)", range(len(to_map)), format_func=lambda n: to_map[n][1].name,
                                 key="import.map.file")
    else:
        chosen_at = 0
    upload, inspection = to_map[chosen_at]
    mapped = draw_mapping_step(upload, inspection)
    if mapped is not None:
        import_now([upload], mapped)
