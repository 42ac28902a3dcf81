"""`python -m clinic profiles ...`: mapping profiles from the command line.

An operator without the dashboard can ask for a suggested profile for a practice-software export
(`suggest`), edit the JSON, save it (`import`), look at the saved ones (`list`, `show`) and carry one
to another clinic's database (`export`, then `import` there). Profiles themselves are
clinic.mapping's; this module only reads arguments, calls it and prints.
"""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import contextmanager
from pathlib import Path

from clinic import db

MAX_PROFILE_BYTES = 2 * 1024 * 1024     # a profile is a few kilobytes; anything this big is not one
SUGGEST_KINDS = ("sessions", "patients", "courses", "scores")     # mapping.KINDS, without importing it for --help
PREVIEW_REJECTS_SHOWN = 5


class ProfilesError(Exception):
    """A profiles command that cannot be done; the message is one plain line."""


def _version(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a version (1, 2, 3 ...)")
    return number


def add_parser(sub) -> None:
    """The `profiles` command and its actions, on the command line's subparsers."""
    profiles = sub.add_parser("profiles", help="mapping profiles: how a practice-software export's columns "
                                               "become the import's")
    actions = profiles.add_subparsers(dest="profiles_command", required=True)

    listing = actions.add_parser("list", help="the saved profiles (newest version of each)")
    listing.add_argument("--db", type=Path, default=None)
    listing.add_argument("--json", action="store_true", help="print JSON")

    for action, text in (("show", "print a saved profile's JSON"),
                         ("export", "write a saved profile's JSON to a file (or standard output) "
                                    "to import it into another clinic's database")):
        cmd = actions.add_parser(action, help=text)
        cmd.add_argument("name")
        cmd.add_argument("--version", type=_version, default=None, help="the version (default the newest)")
        cmd.add_argument("--db", type=Path, default=None)
        if action == "export":
            cmd.add_argument("--out", type=Path, default=None, help="the file to write (default standard output)")

    saving = actions.add_parser("import", help="save a profile from its JSON file as a new version")
    saving.add_argument("file", type=Path)
    saving.add_argument("--name", default=None, help="save it under this name (default the name in the file)")
    saving.add_argument("--db", type=Path, default=None)

    suggest = actions.add_parser("suggest", help="print a suggested profile for an export file, and on "
                                                 "standard error what is still to decide")
    suggest.add_argument("file", type=Path)
    suggest.add_argument("--kind", choices=SUGGEST_KINDS, default=None,
                         help="the kind of contract file it becomes (default guessed from the header)")
    suggest.add_argument("--name", default=None, help="the name written into the profile (default the file's name)")


@contextmanager
def _reading(path: Path):
    """A read-only connection for looking at profiles: no schema is made and nothing is written, so an
    old database without the profiles table simply has none."""
    if not path.exists():
        raise ProfilesError(f"no database at {path}: build one with `python -m clinic demo` or import files")
    with db.owned(db.connect(path, read_only=True)) as con:
        yield con


def _name(text: str) -> str:
    from clinic import mapping
    return mapping.clean_name(text)


def cmd_profiles(args) -> int:
    from clinic import importer, mapping
    try:
        return ACTIONS[args.profiles_command](args)
    except (mapping.ProfileError, importer.ImportRefused) as exc:
        raise ProfilesError(str(exc)) from None


def _list(args) -> int:
    from clinic import mapping
    path = args.db or db.default_db_path()
    with _reading(path) as con:
        rows = mapping.listed(con)
    rows = [{"name": r["name"], "version": r["version"], "versions": r["versions"], "kind": r["kind"],
             "made_by": r["made_by"], "made_at": r["made_at"], "header": r["header"]} for r in rows]
    if args.json:
        from clinic.cli import _print_json
        _print_json(rows)
    elif not rows:
        print(f"no mapping profiles saved in {path}; suggest one with "
              "`python -m clinic profiles suggest FILE`, edit it, and save it with `profiles import`")
    else:
        width = max(len("name"), *(len(r["name"]) for r in rows))
        print(f"{'name':<{width}}  {'version':>7}  {'versions':>8}  {'kind':<8}  {'saved by':<20}  saved at")
        for r in rows:
            made_at = r["made_at"].isoformat(sep=" ") if r["made_at"] else "-"
            print(f"{r['name']:<{width}}  {r['version']:>7}  {r['versions']:>8}  {r['kind']:<8}  "
                  f"{r['made_by'] or '-':<20}  {made_at}")
    return 0


def _saved(args):
    """(name, version, profile) of the saved profile the arguments name."""
    from clinic import mapping
    name = _name(args.name)
    with _reading(args.db or db.default_db_path()) as con:
        profile = mapping.load(con, name, args.version)
        version = args.version or mapping.listed_version(con, name)
    return name, version, profile


def _show(args) -> int:
    name, _, profile = _saved(args)
    print(profile.to_json(name))
    return 0


def _export(args) -> int:
    name, version, profile = _saved(args)
    text = profile.to_json(name) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    if args.out.is_dir():
        raise ProfilesError(f"{args.out} is a folder: name the file to write with --out")
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ProfilesError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"exported mapping profile {name!r} version {version} to {args.out}")
    return 0


def read_profile_file(path: Path):
    """(name in the file or None, Profile) from a profile's JSON file; ProfilesError when it is not one."""
    from clinic import mapping
    if not path.is_file():
        raise ProfilesError(f"no file at {path}")
    if path.stat().st_size > MAX_PROFILE_BYTES:
        raise ProfilesError(f"{path} is not a mapping profile: it is larger than {MAX_PROFILE_BYTES:,} bytes")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProfilesError(f"{path} is not a mapping profile: it is not UTF-8 text") from None
    except OSError as exc:
        raise ProfilesError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        profile = mapping.Profile.from_json(text)
    except mapping.ProfileError as exc:
        raise ProfilesError(f"{path}: {exc}") from None
    named = json.loads(text).get("name")
    return (named if isinstance(named, str) else None), profile


def _import(args) -> int:
    from clinic import access, mapping
    path = args.db or db.default_db_path()
    named, profile = read_profile_file(args.file)
    if args.name is None and not (named or "").strip():
        raise ProfilesError(f"{args.file}: the profile has no name: set \"name\" in the file or give --name")
    name = _name(args.name if args.name is not None else named)
    if profile.header:
        problems = profile.problems(profile.header)
        if problems:
            raise ProfilesError(f"{args.file}: the profile cannot import the files it was made for: "
                                + "; ".join(problems))
    version = mapping.save(path, name, profile, access.cli_actor())
    access.record(path, access.cli_actor(), "mapping profile saved",
                  {"name": name, "version": version, "kind": profile.kind, "file": str(args.file)})
    print(f"saved mapping profile {name!r} version {version} ({profile.kind}) in {path}")
    return 0


def _suggest(args) -> int:
    import datetime as dt

    from clinic import importer, mapping
    if not args.file.is_file():
        raise ProfilesError(f"no file at {args.file}")
    try:
        table, _ = importer.read_table(args.file, records=True)
    except importer.ImportRefused as exc:
        raise ProfilesError(f"{args.file}: {exc}") from None
    profile = mapping.suggest(table, args.kind)
    name = _name(args.name if args.name is not None else args.file.stem)
    print(profile.to_json(name))
    problems = profile.problems(table.header)
    for problem in problems:
        print(f"to decide: {problem}", file=sys.stderr)
    if not problems:
        shown, rejects = mapping.preview(profile, table, dt.date.today())
        print(f"preview: of the first {len(shown) + len(rejects)} rows, {len(shown)} would be stored and "
              f"{len(rejects)} rejected", file=sys.stderr)
        for reject in rejects[:PREVIEW_REJECTS_SHOWN]:
            print(f"  line {reject.line}, {reject.column or '(row)'}: {reject.reason}", file=sys.stderr)
    unused = sorted(set(table.header) - {c for s in profile.fields.values() for c in s.columns()}
                    - set(profile.drop) - {""})
    if unused:
        print(f"not imported (no field reads them): {', '.join(unused)}", file=sys.stderr)
    print("check the fields, translations and dropped columns, then save it with "
          "`python -m clinic profiles import FILE`", file=sys.stderr)
    return 0


ACTIONS = {"list": _list, "show": _show, "export": _export, "import": _import, "suggest": _suggest}
