"""The clinic exported as a Parquet dataset (clinic/dataset.py) answers exactly as its DuckDB file does.

The fixture: three patients with rows in patients (p1 at North, p2 at South, p3 with no site) and p9
with none; planned courses c0 (p1, 02-10, 3 days), c1 (p1, 03-02, 5 days), c2 (p2, 03-02, 10 days).
  n0         p1 c0 2026-02-10  North, February: the decoy month of a North patient
  n1 n2 l1   p1 c1 03-02, 03-03, 03-25  North, March (l1 is after the earlier as-of dates)
  s1 s2      p2 c2 03-02 attended, 03-04 no-show  South, March
  u1         p3 (inferred p3:2026-03-05) 03-05  no site: the null partition
  x1         p9 (inferred p9:2026-03-06) 03-06  no patient row at all: the null partition too
As of 2026-03-20 by site: North c0, c1 (2 courses), South c2 (1), no site p3:…, p9:… (2).
"""
from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from page_support import metrics_of
from query_support import build_db

from clinic import access, dataset, db, facts, flags, metrics, store
from clinic.filters import Filters

PATIENTS = """
patient_id,birth_year,sex,diagnosis,site
p1,1970,F,disc_herniation,North
p2,1990,M,other,South
p3,1985,F,spinal_stenosis,
"""
COURSES = """
course_id,patient_id,start_date,planned_sessions
c0,p1,2026-02-10,3
c1,p1,2026-03-02,5
c2,p2,2026-03-02,10
"""
SESSIONS = """
session_id,patient_id,course_id,session_date,session_time,therapist,status,pain_before,pain_after
n0,p1,c0,2026-02-10,09:00,Birch,attended,5,5
n1,p1,c1,2026-03-02,09:00,Birch,attended,8,4
n2,p1,c1,2026-03-03,09:30,Birch,attended,6,3
l1,p1,c1,2026-03-25,,Birch,attended,3,2
s1,p2,c2,2026-03-02,17:00,Cedar,attended,6,5
s2,p2,c2,2026-03-04,17:00,Cedar,no_show,,
u1,p3,,2026-03-05,10:00,Birch,attended,7,3
x1,p9,,2026-03-06,11:00,Cedar,attended,9,9
"""
AS_OF_DATES = ("2026-02-15", "2026-03-04", "2026-03-20", "2026-03-31")
NULL_SITE = "__HIVE_DEFAULT_PARTITION__"


@pytest.fixture(scope="module")
def clinic_file(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("parquet_source"), SESSIONS, COURSES, PATIENTS)


@pytest.fixture(scope="module")
def clinic_dataset(clinic_file, tmp_path_factory):
    folder = tmp_path_factory.mktemp("parquet_dataset") / "clinic-dataset"
    dataset.export(clinic_file, folder)
    return folder


def session_ids_by_partition(folder) -> dict[str, list[str]]:
    """{'site=…/month=…': session ids} read straight from the files (not through the views)."""
    con = duckdb.connect()
    found = {}
    for file in sorted((folder / "sessions").rglob("*.parquet")):
        key = file.parent.relative_to(folder / "sessions").as_posix()
        ids = [r[0] for r in con.execute("select session_id from read_parquet($f)", {"f": str(file)}).fetchall()]
        found[key] = sorted(found.get(key, []) + ids)
    return found


# ---------------------------------------------------------------- the same answers

@pytest.mark.parametrize("as_of", AS_OF_DATES)
@pytest.mark.parametrize("command", [("courses",), ("metrics",), ("metrics", "--by", "site"),
                                     ("metrics", "--by", "therapist")])
def test_the_dataset_prints_the_same_json_as_the_file_it_was_exported_from(cli, clinic_file, clinic_dataset,
                                                                           command, as_of):
    from_file = cli(*command, "--db", clinic_file, "--as-of", as_of, "--json")
    from_dataset = cli(*command, "--db", clinic_dataset, "--as-of", as_of, "--json")
    assert from_file[0] == 0 and from_dataset[0] == 0, cli.err
    assert from_dataset[1] == from_file[1]


def test_the_sites_of_the_dataset_count_the_hand_computed_courses(cli, clinic_dataset):
    code, report = cli("metrics", "--db", clinic_dataset, "--as-of", "2026-03-20", "--by", "site", "--json")
    assert code == 0, cli.err
    assert [(g["key"], g["courses"]) for g in report["groups"]] == [("North", 2), ("South", 1), (None, 2)]


def test_clinic_db_set_to_a_dataset_is_read_by_the_commands_too(cli, clinic_dataset, monkeypatch):
    monkeypatch.setenv("CLINIC_DB", str(clinic_dataset))
    code, rows = cli("courses", "--as-of", "2026-03-04", "--json")
    assert code == 0, cli.err
    assert [r["course_id"] for r in rows] == ["c0", "c1", "c2"]    # p3's and p9's courses start later


# ---------------------------------------------------------------- the layout

def test_a_march_session_of_a_north_patient_lands_in_the_north_march_partition(clinic_dataset):
    assert session_ids_by_partition(clinic_dataset) == {
        "site=North/month=2026-02": ["n0"],
        "site=North/month=2026-03": ["l1", "n1", "n2"],
        "site=South/month=2026-03": ["s1", "s2"],
        f"site={NULL_SITE}/month=2026-03": ["u1", "x1"],     # no site, and no patient row at all
    }


def test_the_small_tables_are_one_file_each_and_the_manifest_counts_every_table(clinic_file, clinic_dataset):
    manifest = json.loads((clinic_dataset / "dataset.json").read_text())
    assert (manifest["format"], manifest["format_version"]) == ("clinic-parquet-dataset", 1)
    assert manifest["exported_from"] == str(clinic_file.resolve())
    assert {t: info["rows"] for t, info in manifest["tables"].items()} == {
        "patients": 3, "courses": 3, "sessions": 8, "import_batches": 3,
        "course_facts": 5, "course_facts_state": 1,        # c0, c1, c2, p3:2026-03-05, p9:2026-03-06
        "course_facts_todo": 0,                           # empty outside a refresh
        # scored weeks + months: c0 1 + 1 (02-09, Feb), c1 2 + 1 (03-02 and 03-23, Mar), c2, p3:…, p9:…
        # 1 + 1 each (03-02, Mar; s2 is a no-show)
        "course_pain_periods": 11,
        # attended months: c0 Feb, c1 Mar (n1 n2 l1), c2 Mar (s1), p3:… Mar, p9:… Mar
        "course_months": 5,
        # completed courses' scores: none is completed (c0 1 of 3 days, c1 3 of 5, the others of 10)
        "course_score_months": 0}
    for table in ("patients", "courses", "import_batches", "course_facts", "course_facts_state"):
        assert manifest["tables"][table]["files"] == [f"{table}/data_0.parquet"]
    assert store.data_version(clinic_dataset) == f"dataset:{manifest['export_id']}"


def test_the_views_are_in_schema_main_with_exactly_the_tables_columns_and_types(clinic_file, clinic_dataset):
    shape = ("select table_catalog = current_database(), table_schema, table_name, column_name, data_type "
             "from information_schema.columns order by table_name, ordinal_position")
    file_con, dataset_con = db.connect(clinic_file, read_only=True), db.connect(clinic_dataset, read_only=True)
    try:
        from_file = [r for r in file_con.execute(shape).fetchall() if r[2] in dataset.TABLES]
        from_dataset = dataset_con.execute(shape).fetchall()
        assert from_dataset == from_file
        assert {r[3] for r in from_dataset if r[2] == "sessions"}.isdisjoint({"site", "month"})
        for table in dataset.TABLES:
            assert sorted(dataset_con.table(table).fetchall(), key=repr) == \
                sorted(file_con.table(table).fetchall(), key=repr), table
    finally:
        file_con.close()
        dataset_con.close()


# ---------------------------------------------------------------- the sandbox

def test_a_dataset_connection_reads_the_dataset_and_no_file_outside_it(clinic_file, clinic_dataset, tmp_path):
    secret_csv = tmp_path / "secret.csv"
    secret_csv.write_text("value\na secret\n")
    secret_parquet = tmp_path / "secret.parquet"
    duckdb.connect().sql("select 'a secret' as value").write_parquet(str(secret_parquet))
    con = db.connect(clinic_dataset, read_only=True)
    try:
        before = sorted(p.name for p in clinic_dataset.iterdir())
        read = [    # (a reading query, the path it is given as a bound value)
            ("select * from read_csv($path)", secret_csv),
            ("select * from read_parquet($path)", secret_parquet),
            ("select * from read_parquet($path)", f"{clinic_dataset}/../**/*.parquet"),
            ("select * from read_text($path)", clinic_dataset / "dataset.json"),     # in the folder, not listed
            ("select * from glob($path)", f"{clinic_dataset.parent}/*"),
        ]
        for query, path in read:
            with pytest.raises((duckdb.PermissionException, duckdb.InvalidInputException)):
                con.execute(query, {"path": str(path)}).fetchall()
        refused = [     # statements that take no bound values: the paths are part of the statement
            f"attach '{clinic_file}' as source",
            f"copy sessions to '{clinic_dataset}/sessions/extra.parquet'",
            "install httpfs",
            "set allowed_directories = ['/']",
            "set enable_external_access = true",
        ]
        for statement in refused:
            with pytest.raises((duckdb.PermissionException, duckdb.InvalidInputException)):
                con.execute(statement).fetchall()
        assert sorted(p.name for p in clinic_dataset.iterdir()) == before
        assert con.execute("select count(*) from sessions").fetchone() == (8,)   # still reads its own files
    finally:
        con.close()


# ---------------------------------------------------------------- read-only

@pytest.mark.parametrize("command", ["import", "demo", "backup", "restore"])
def test_a_write_to_a_dataset_is_refused_saying_it_is_read_only_and_how_to_update_it(
        cli, csv_file, clinic_file, clinic_dataset, tmp_path, command):
    version = store.data_version(clinic_dataset)
    if command == "restore":
        assert cli("backup", "--db", clinic_file, "--to", tmp_path / "before.zip")[0] == 0, cli.err
    args = {"import": ["import", csv_file(SESSIONS), "--db", clinic_dataset],
            "demo": ["demo", "--db", clinic_dataset, "--patients", "3"],
            "backup": ["backup", "--db", clinic_dataset, "--to", tmp_path / "dataset.zip"],
            "restore": ["restore", tmp_path / "before.zip", "--db", clinic_dataset]}[command]
    code, _ = cli(*args)
    assert code == 1
    assert "is a Parquet dataset, which is read-only" in cli.err
    assert f"export-parquet --db {clinic_file.resolve()} --to {clinic_dataset}" in cli.err
    assert store.data_version(clinic_dataset) == version
    assert not (tmp_path / "dataset.zip").exists()


def test_an_upload_on_the_import_page_into_a_dataset_fails_with_the_same_message(clinic_dataset):
    from clinic import uploads

    with pytest.raises(uploads.ImportFailed, match="is a Parquet dataset, which is read-only"):
        uploads.run_import([uploads.Upload("sessions.csv", SESSIONS.strip().encode())], clinic_dataset)


def test_opening_a_dataset_for_writing_raises_read_only_dataset(clinic_dataset):
    with pytest.raises(db.ReadOnlyDataset, match="import into the DuckDB file it was exported from"):
        db.connect(clinic_dataset)


def test_ensuring_the_facts_of_a_dataset_writes_nothing(clinic_dataset):
    files = sorted(p.relative_to(clinic_dataset) for p in clinic_dataset.rglob("*"))
    assert facts.ensure(clinic_dataset) is False
    assert sorted(p.relative_to(clinic_dataset) for p in clinic_dataset.rglob("*")) == files


def test_stale_facts_in_a_dataset_are_not_trusted_and_every_course_is_computed_from_its_sessions(tmp_path):
    source = build_db(tmp_path / "source", SESSIONS, COURSES, PATIENTS)
    raw = duckdb.connect(str(source))        # a row written around the importer: the facts are now stale
    raw.execute("insert into sessions (session_id, patient_id, course_id, session_date, therapist, status, "
                "pain_before, pain_after) values ('n3', 'p1', 'c1', date '2026-03-04', 'Birch', 'attended', 5, 2)")
    raw.close()
    folder = tmp_path / "stale-dataset"
    dataset.export(source, folder, ensure_facts=False)
    con = db.connect(folder, read_only=True)
    try:
        assert facts.fresh(con) is False
        filters = Filters(as_of=dt.date(2026, 3, 31))
        c1 = next(c for c in metrics.courses(con, filters) if c["course_id"] == "c1")
    finally:
        con.close()
    # c1 with n3: attended 03-02, 03-03, 03-04 and 03-25 (the stored facts still say 3 rows)
    assert (c1["sessions_attended"], c1["attended_days"]) == (4, 4)
    # window 03-02..03-06: attended 03-02, 03-03, 03-04 = 3 of 5 days
    assert c1["adherence"] == 3 / 5


# ---------------------------------------------------------------- exporting again

def test_an_export_refuses_a_folder_that_is_not_a_dataset_and_leaves_it_alone(cli, clinic_file, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"not a dataset")
    code, _ = cli("export-parquet", "--db", clinic_file, "--to", folder)
    assert code == 1
    assert "exists and is not a Parquet dataset" in cli.err
    assert [p.name for p in folder.iterdir()] == ["holiday.jpg"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".photos")] == []


def test_a_second_export_replaces_the_first_in_one_step_and_changes_the_version(cli, csv_file, tmp_path):
    source = build_db(tmp_path / "source", SESSIONS, COURSES, PATIENTS)
    folder = tmp_path / "clinic.parquet"
    assert cli("export-parquet", "--db", source, "--to", folder)[0] == 0, cli.err
    first = store.data_version(folder)
    more = csv_file("session_id,patient_id,course_id,session_date,therapist,status,pain_before,pain_after\n"
                    "m1,p2,c2,2026-03-05,Cedar,attended,5,4\n", name="more.csv")
    assert cli("import", more, "--db", source)[0] == 0, cli.err
    code, summary = cli("export-parquet", "--db", source, "--to", folder)
    assert code == 0, cli.err
    assert summary["rows"]["sessions"] == 9
    assert folder.is_symlink() and store.data_version(folder) != first
    assert "m1" in session_ids_by_partition(folder)["site=South/month=2026-03"]
    # the folder the link pointed to before stays for readers still using it; older ones go
    assert len([p for p in tmp_path.iterdir() if p.name.startswith(".clinic.parquet.")]) == 2


def test_the_access_file_of_a_dataset_is_its_full_name_with_access_sqlite_beside_it(tmp_path):
    folder = tmp_path / "clinic.parquet"
    folder.mkdir()
    assert access.access_path(folder) == tmp_path / "clinic.parquet.access.sqlite"
    assert access.access_path(tmp_path / "clinic.duckdb") == tmp_path / "clinic.access.sqlite"


# ---------------------------------------------------------------- the dashboard

def dashboard_on_a_dataset(page_db, folder, monkeypatch):
    """The dashboard (AppTest, run once, as of PAGE_AS_OF) on a dataset exported from the page fixture."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from conftest import PAGE_AS_OF

    dataset.export(page_db, folder)
    monkeypatch.setenv("CLINIC_DB", str(folder))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(db.ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["as_of"] = PAGE_AS_OF
    at.run()
    return at


def test_the_overview_shows_the_same_tiles_from_the_dataset_as_from_the_file(app, page_db, tmp_path, monkeypatch):
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    from_file = metrics_of(app)
    assert from_file["Courses"] == "3"

    at = dashboard_on_a_dataset(page_db, tmp_path / "page-dataset", monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    assert metrics_of(at) == from_file
    assert (tmp_path / "page-dataset.access.sqlite").is_file()    # the sign-in used the dataset's own accounts


def test_every_page_opens_on_a_dataset_without_an_error(page_db, tmp_path, monkeypatch, signed_in_as):
    from clinic import ui

    at = dashboard_on_a_dataset(page_db, tmp_path / "page-dataset", monkeypatch)
    for page, title, _icon, _who in ui.PAGES:
        at.switch_page(page).run()
        assert not at.exception, (title, [e.value for e in at.exception])
        assert not [e.value for e in at.error if "could not be read" in e.value], (title, [e.value for e in at.error])


def read_untrusted(source, folder, read) -> dict:
    """read(con) on the database file and on its dataset, each with facts nothing trusts."""
    found = {}
    for name, path in (("file", source), ("dataset", folder)):
        con = db.connect(path, read_only=True)
        try:
            assert facts.fresh(con) is False
            found[name] = read(con)
        finally:
            con.close()
    return found


def test_a_dataset_exported_before_the_monthly_counts_opens_and_counts_from_its_sessions(tmp_path):
    source = build_db(tmp_path / "source", SESSIONS, COURSES, PATIENTS)
    raw = duckdb.connect(str(source))        # facts from the refresh before course_months (version 3)
    raw.execute("update course_facts_state set facts_version = 3")
    raw.close()
    folder = tmp_path / "older-dataset"
    dataset.export(source, folder, ensure_facts=False)
    manifest_file = folder / "dataset.json"
    manifest = json.loads(manifest_file.read_text())
    del manifest["tables"]["course_months"]                    # as such an export wrote it
    manifest_file.chmod(0o600)
    manifest_file.write_text(json.dumps(manifest))
    filters = Filters(as_of=dt.date(2026, 3, 31))
    found = read_untrusted(source, folder, lambda con: flags.months(flags.reader(con, filters)).to_dict("records"))
    assert found["dataset"] == found["file"]
    attended = {str(r["month"])[:7]: r["of_count"] for r in found["dataset"] if r["flag"] == "acute"}
    # attended: n0 in February; n1, n2, l1, s1, u1, x1 in March (the no-show s2 is not)
    assert attended == {"2026-02": 1, "2026-03": 6, "NaT": 7}              # NaT: all months


def _drop_columns(folder, table: str, columns: tuple[str, ...]) -> None:
    """Rewrites a table's files of the dataset at `folder` without `columns`, as an older export wrote them."""
    import pyarrow.parquet as pq

    for name in json.loads((folder / "dataset.json").read_text())["tables"][table]["files"]:
        file = folder / name
        kept = pq.read_table(file).drop_columns(list(columns))
        file.chmod(0o600)
        pq.write_table(kept, file)


def test_a_dataset_exported_before_the_score_lists_opens_and_reads_its_pain_from_the_sessions(tmp_path):
    source = build_db(tmp_path / "source", SESSIONS, COURSES, PATIENTS)
    raw = duckdb.connect(str(source))        # facts from the refresh before the score lists (version 4)
    raw.execute("update course_facts_state set facts_version = 4")
    raw.close()
    folder = tmp_path / "older-dataset"
    dataset.export(source, folder, ensure_facts=False)
    _drop_columns(folder, "course_facts", ("pains_before", "pains_after"))
    _drop_columns(folder, "course_pain_periods", ("course_no",))
    filters = Filters(as_of=dt.date(2026, 3, 20))

    def pain(con):
        table = metrics.open_courses(con, filters)
        return [db.records(con, query, open_courses=table, **filters.params(), split="none")
                for query in ("pain_by_session", "pain_by_month")]

    found = read_untrusted(source, folder, pain)
    assert found["dataset"] == found["file"]
    by_session, by_month = found["dataset"]
    # first sessions as of 03-20, one per course: n0 5, n1 8, s1 6, u1 7, x1 9 -> mean 35 / 5 = 7
    first = by_session[0]
    assert (first["session_number"], first["courses_attended"], first["mean_pain_before"]) == (1, 5, 7.0)


def test_a_dataset_missing_a_column_of_the_data_itself_is_refused_as_damaged(tmp_path):
    source = build_db(tmp_path / "source", SESSIONS, COURSES, PATIENTS)
    folder = tmp_path / "damaged"
    dataset.export(source, folder)
    _drop_columns(folder, "patients", ("diagnosis",))
    with pytest.raises(db.NotADatabase, match="no column diagnosis"):
        dataset.connect(folder)
