"""The command line: `python -m clinic demo|import|courses|metrics|profiles|export-parquet ...`.

Scripts, tests and operators use it; `courses` and `metrics` print stable JSON, `import` prints a
summary per file (JSON with --json). Errors are one plain line on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import duckdb

from clinic import db

GROUPS = ("therapist", "diagnosis", "start_month", "age_band", "sex", "site")
RELIEF_RULES = ("pct30", "points2", "pct50")


class CliError(Exception):
    pass


def _date(text: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


@functools.cache
def _parser() -> argparse.ArgumentParser:
    """The command line's parser, built once per process (every subcommand's 187 options, with
    about 90 translations looked up on disk: 15 ms). parse_args leaves it as it was."""
    parser = argparse.ArgumentParser(prog="python -m clinic", description="Patient-progress dashboard tools.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build a database of synthetic demo data")
    demo.add_argument("--db", type=Path, default=None, help="database file (default $CLINIC_DB or data/clinic.duckdb)")
    demo.add_argument("--patients", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--end-date", type=_date, default=None, help="last day of demo data (default today)")

    imp = sub.add_parser("import", help="import sessions/patients/courses files (CSV or XLSX)")
    imp.add_argument("files", nargs="+", type=Path)
    imp.add_argument("--db", type=Path, default=None)
    imp.add_argument("--rejects-dir", type=Path, default=None, help="where rejects reports go (default: rejects/ beside the database)")
    imp.add_argument("--json", action="store_true", help="print the summary as JSON")
    imp.add_argument("--profile", default=None, metavar="NAME",
                     help="map every file's columns with this saved mapping profile (`profiles list`); "
                          "without it a file is mapped by the profile saved for its header, if any")

    for name, text in (("courses", "per-course metrics"), ("metrics", "cohort metrics")):
        cmd = sub.add_parser(name, help=text)
        add_reading_args(cmd)
        if name == "metrics":
            cmd.add_argument("--by", choices=GROUPS, default=None)

    from clinic import cli_profiles
    cli_profiles.add_parser(sub)
    from clinic import cli_relief
    cli_relief.add_parsers(sub)
    from clinic import cli_fairness
    cli_fairness.add_parsers(sub)
    from clinic import cli_report
    cli_report.add_parsers(sub)
    from clinic import cli_flags
    cli_flags.add_parsers(sub)

    gap = sub.add_parser("course-gap", help="the gap after which rows without a course id start a new course",
                         description="Prints the database's course gap (JSON); --set N stores a new one and re-groups "
                                     "every stored row without a course id with it, the per-course facts rebuilt, in "
                                     "one transaction.")
    gap.add_argument("--db", type=Path, default=None)
    gap.add_argument("--set", type=int, default=None, metavar="DAYS", help="the new gap in days (7–365)")
    gap.add_argument("--json", action="store_true", help="print JSON (the only output format)")

    users = sub.add_parser("users", help="accounts that may sign in to the dashboard")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="add an account (the password is read from standard input, or asked twice)")
    add.add_argument("name")
    add.add_argument("--role", choices=("director", "therapist"), required=True)
    add.add_argument("--therapist", default=None, help="the therapist as written in the session records")
    add.add_argument("--db", type=Path, default=None)
    for action, text in (("list", "list the accounts"), ("disable", "disable an account and end its sessions"),
                         ("enable", "enable a disabled account"),
                         ("reset-password", "set a new password and end the account's sessions")):
        cmd = users_sub.add_parser(action, help=text)
        if action != "list":
            cmd.add_argument("name")
        else:
            cmd.add_argument("--json", action="store_true", help="print JSON")
        cmd.add_argument("--db", type=Path, default=None)

    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check that no audit entry was altered, inserted or removed")
    verify.add_argument("--db", type=Path, default=None)

    backup = sub.add_parser("backup", help="write a consistent copy of the database and its access file")
    backup.add_argument("--db", type=Path, default=None)
    backup.add_argument("--to", type=Path, required=True, help="the backup file to write (.zip)")
    restore = sub.add_parser("restore", help="bring back a backup written by `backup`")
    restore.add_argument("file", type=Path)
    restore.add_argument("--db", type=Path, default=None)

    export = sub.add_parser("export-parquet", help="write the database as a Parquet dataset (partitioned by site "
                                                   "and month) that the dashboard and these commands can read")
    export.add_argument("--db", type=Path, default=None, help="the DuckDB file to export (default $CLINIC_DB or "
                                                             "data/clinic.duckdb)")
    export.add_argument("--to", type=Path, required=True, help="the dataset folder (an earlier export there is "
                                                               "replaced in one step)")

    from clinic import bench
    bench.add_arguments(sub.add_parser("bench", help="time the dashboard, the import and the metrics next to baselines",
                                       description="Times every page (server and browser), memory, simultaneous "
                                                   "sessions, the import and the metrics on a demo database of the "
                                                   "tier's size, each next to a baseline; prints a table and JSON."))
    return parser


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _print_json(data) -> None:
    print(json.dumps(data, indent=2, default=_json_default, allow_nan=False))


@contextmanager
def _reading(path: Path):
    """One read-only connection for the command, used by this thread alone (db.one_thread)."""
    if not path.exists():
        raise CliError(f"no database at {path}: build one with `python -m clinic demo` or import files")
    from clinic import facts
    with db.owned(db.connect(path, read_only=True)) as con:
        try:        # on the command's own connection, so its macros are defined once for the command
            fresh = facts.fresh(con)
        except (duckdb.CatalogException, duckdb.BinderException):     # from before the facts, or their shape
            fresh = False
        if fresh:
            yield con
            return
    facts.ensure(path)      # a database written by an older version gets its per-course facts once
    with db.owned(db.connect(path, read_only=True)) as con:
        yield con


def cmd_demo(args) -> int:
    from clinic import demo
    path = args.db or db.default_db_path()
    if args.patients < 1:
        raise CliError("--patients must be at least 1")
    con = db.connect(path)
    try:
        counts = demo.generate(con, patients=args.patients, seed=args.seed, end_date=args.end_date)
    except demo.DemoRefused as exc:
        raise CliError(str(exc)) from None
    finally:
        con.close()
    from clinic import access
    accounts = access.ensure_demo_accounts(path, demo.THERAPIST_NAMES)
    _print_json({"db": str(path), **counts, "demo_accounts": accounts})
    return 0


def _summary_line(r) -> str:
    if r.refused:
        tried = f" (profile {r.profile})" if r.profile else ""
        return f"{r.file}: REFUSED{tried}, nothing imported: {r.refused}"
    mapped = f" mapped by profile {r.profile}" if r.profile else ""
    text = (f"{r.file}: {r.kind}{mapped}, {r.rows_read} rows read: {r.new} new, {r.updated} updated, "
            f"{r.unchanged} unchanged, {r.rejected} rejected")
    if r.rejects_file:
        text += f" (rejects report: {r.rejects_file})"
    return text


def cmd_import(args) -> int:
    from clinic import importer
    path = args.db or db.default_db_path()
    profile = _profile_name(args.profile)
    if profile is not None and not path.exists():
        # no database, so no saved profile: refuse every file without creating one
        results = [importer.FileResult(file=str(f), refused=f"no mapping profile named {profile!r}: "
                                                            f"there is no database at {path}")
                   for f in args.files]
        _print_import(args, results)
        return 1
    results = importer.import_files(args.files, path, rejects_dir=args.rejects_dir, profile=profile)
    from clinic import access
    for r in results:   # the audit log: who imported which file (name, SHA-256, counts, or why refused)
        access.record(path, access.cli_actor(), r.audit_action, r.audit_detail())
    _print_import(args, results)
    return 1 if any(r.refused for r in results) else 0


def _profile_name(text: str | None) -> str | None:
    """The profile named with --profile, spaced the way saved names are (clinic.mapping.clean_name)."""
    if text is None:
        return None
    from clinic import mapping
    try:
        return mapping.clean_name(text)
    except mapping.ProfileError as exc:
        raise CliError(f"--profile: {exc}") from None


def _print_import(args, results) -> None:
    if args.json:
        _print_json([r.as_dict() for r in results])
    else:
        for r in results:
            print(_summary_line(r))
            for warning in r.warnings:
                print(f"  warning: {warning}")
            for reject in r.rejects[:20]:
                print(f"  line {reject.line}, {reject.column or '(row)'}: {reject.reason}")
            if len(r.rejects) > 20:
                print(f"  ... and {len(r.rejects) - 20} more in the rejects report")


def add_reading_args(cmd: argparse.ArgumentParser) -> None:
    """The arguments of every command that reads metrics: --db, --as-of, --relief-rule, --json and
    the clinical settings' flags (clinic.settings), the same settings the dashboard's panel holds."""
    from clinic import settings
    cmd.add_argument("--db", type=Path, default=None, help="database file (default $CLINIC_DB or data/clinic.duckdb)")
    cmd.add_argument("--as-of", type=_date, default=None, help="as-of date YYYY-MM-DD (default today)")
    cmd.add_argument("--relief-rule", choices=RELIEF_RULES, default="pct30",
                     help="first-session relief: pct30 (30 %%), points2 (2 points) or pct50 (50 %%); default pct30")
    cmd.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    settings.add_flags(cmd)


@contextmanager
def filtered_reading(args):
    """(a read-only connection, the Filters of the flags) for a reading command, on one connection.

    The flags' settings are checked before the database is opened (an error names the setting). The
    course gap is the database's own (clinic.grouping): the settings carry the stored one, and a
    --course-gap-days that differs from it is refused with the command that changes it."""
    from clinic import grouping

    chosen = _chosen_settings(args)
    with _reading(args.db or db.default_db_path()) as con:
        yield con, _filters(args, chosen, grouping.stored_gap(con))


def _chosen_settings(args):
    from clinic import settings
    try:
        return settings.from_args(args)
    except settings.SettingsError as exc:
        raise CliError(str(exc)) from None


def _filters(args, chosen, stored: int | None):
    from clinic.filters import Filters
    asked = getattr(args, "course_gap_days", None)
    if stored is not None:
        if asked is not None and asked != stored:
            raise CliError(f"--course-gap-days {asked}: this database groups rows without a course id into a new "
                           f"course after more than {stored} days; `python -m clinic course-gap --set {asked}` "
                           "re-groups its rows with another gap")
        chosen = chosen.with_(course_gap_days=stored)
    return Filters(as_of=args.as_of or dt.date.today(), relief_rule=args.relief_rule, settings=chosen)


def _stored_gap(path: Path) -> int | None:
    """The course gap the database at `path` stores, or None when there is no database there yet."""
    if not path.exists() or path.suffix.lower() in db.DATA_FILE_SUFFIXES:
        return None             # the command's own reading says what is wrong
    from clinic import grouping
    con = db.connect(path, read_only=True)
    try:
        return grouping.stored_gap(con)
    finally:
        con.close()


def cmd_course_gap(args) -> int:
    """Prints the database's course gap; with --set, re-groups its rows with a new one."""
    from clinic import access, grouping, settings
    path = args.db or db.default_db_path()
    if args.set is None:
        if not path.exists():
            raise CliError(f"no database at {path}: build one with `python -m clinic demo` or import files")
        _print_json({"course_gap_days": _stored_gap(path)})
        return 0
    try:
        grouping.check(args.set)
    except settings.SettingsError as exc:
        raise CliError(str(exc)) from None
    if not path.exists():
        raise CliError(f"no database at {path}: build one with `python -m clinic demo` or import files")
    result = grouping.regroup(path, args.set, access.cli_actor())
    access.record(path, access.cli_actor(), "course gap changed", result.as_dict())
    _print_json({**result.as_dict(), "summary": result.sentence()})
    return 0


def reading(path: Path | None):
    """A read-only connection to the database (default $CLINIC_DB or data/clinic.duckdb) for one
    command, with its per-course facts brought up to date first; a context manager."""
    return _reading(path or db.default_db_path())


def print_json(data) -> None:
    _print_json(data)


def cmd_courses(args) -> int:
    from clinic import metrics
    with filtered_reading(args) as (con, filters):
        rows = metrics.courses(con, filters)
    _print_json(rows)
    return 0


def cmd_metrics(args) -> int:
    from clinic import metrics
    with filtered_reading(args) as (con, filters):
        result = metrics.cohort_report(con, filters, args.by)
    _print_json(result)
    return 0


def _read_password(confirm: bool = True) -> str:
    """The new password: from standard input when it is not a terminal, else asked twice without echo."""
    import getpass
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if password.endswith("\r"):
            password = password[:-1]
        if not password:
            raise CliError("no password on standard input")
        return password
    first = getpass.getpass("New password: ")
    if confirm and getpass.getpass("Repeat it: ") != first:
        raise CliError("the two passwords differ; nothing was changed")
    return first


def _store(args):
    from clinic import access
    return access.AccessStore.for_database(args.db or db.default_db_path())


def cmd_users(args) -> int:
    from clinic import access
    store = _store(args)
    actor = access.cli_actor()
    try:
        if args.users_command == "add":
            if args.role == "therapist" and not args.therapist:
                raise CliError("a therapist account needs --therapist: the therapist as written in the session records")
            if args.role == "director" and args.therapist:
                raise CliError("--therapist is only for therapist accounts (a director sees every therapist)")
            user = store.add_user(args.name, args.role, _read_password(), args.therapist, actor=actor)
            print(f"added {user.role} account {user.name!r}" +
                  (f" for therapist {user.therapist!r}" if user.therapist else "") + f" ({store.path})")
        elif args.users_command == "list":
            rows = [{**a, "locked_until": a["locked_until"].isoformat() if a["locked_until"] else None}
                    for a in store.accounts()]
            if args.json:
                _print_json(rows)
            elif not rows:
                print(f"no accounts yet in {store.path}; add the first director with "
                      "`python -m clinic users add NAME --role director`")
            else:
                for r in rows:
                    flags = [f for f, on in (("disabled", r["disabled"]), ("demo", r["demo"]),
                                             ("locked", r["locked_until"])) if on]
                    print(f"{r['name']:<20} {r['role']:<10} {r['therapist'] or '-':<16} "
                          f"last sign-in {r['last_sign_in'] or 'never':<32} {' '.join(flags)}".rstrip())
        elif args.users_command in ("disable", "enable"):
            user = store.set_disabled(args.name, args.users_command == "disable", actor=actor)
            print(f"{user.name!r} is {'disabled; its open sessions were ended' if user.disabled else 'enabled'}")
        elif args.users_command == "reset-password":
            if store.get_user(args.name) is None:
                raise CliError(f"there is no user named {access.normalise_name(args.name)!r}")
            user = store.reset_password(args.name, _read_password(), actor=actor)
            print(f"new password set for {user.name!r}; its open sessions were ended")
    except access.AccessError as exc:
        raise CliError(str(exc)) from None
    return 0


def cmd_audit(args) -> int:
    result = _store(args).verify_audit()
    if result.ok:
        print(result.message)
        return 0
    print(f"error: audit log damaged: {result.message} ({result.intact} entries intact before it)", file=sys.stderr)
    return 1


def cmd_backup(args) -> int:
    from clinic import backup
    return backup.cmd_backup(args)


def cmd_restore(args) -> int:
    from clinic import backup
    return backup.cmd_restore(args)


def cmd_export_parquet(args) -> int:
    from clinic import dataset
    try:
        manifest = dataset.export(args.db or db.default_db_path(), args.to)
    except dataset.DatasetError as exc:
        raise CliError(str(exc)) from None
    _print_json({"dataset": str(args.to), "export_id": manifest["export_id"],
                 "exported_at": manifest["exported_at"], "exported_from": manifest["exported_from"],
                 "rows": {table: info["rows"] for table, info in manifest["tables"].items()}})
    return 0


def cmd_profiles(args) -> int:
    from clinic import cli_profiles
    try:
        return cli_profiles.cmd_profiles(args)
    except cli_profiles.ProfilesError as exc:
        raise CliError(str(exc)) from None


def cmd_bench(args) -> int:
    from clinic import bench
    try:
        return bench.main(args)
    except bench.BenchError as exc:
        raise CliError(str(exc)) from None


COMMANDS = {"demo": cmd_demo, "import": cmd_import, "courses": cmd_courses, "metrics": cmd_metrics,
            "users": cmd_users, "audit": cmd_audit, "backup": cmd_backup, "restore": cmd_restore,
            "export-parquet": cmd_export_parquet, "bench": cmd_bench, "profiles": cmd_profiles,
            "course-gap": cmd_course_gap}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.umask(0o077)     # databases, access files, backups and reports: readable by their owner only
    try:
        return (getattr(args, "run", None) or COMMANDS[args.command])(args)
    except (CliError, db.DatabaseLocked, db.NotADatabase, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"error: the database could not be used: {first_line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; the file being imported was rolled back", file=sys.stderr)
        return 130
