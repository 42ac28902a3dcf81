"""`python -m clinic report COURSE_ID --db PATH --as-of DATE --out FILE.pdf|FILE.html`: one course's
progress report (clinic.report) for the patient and the referring doctor, as PDF or printable HTML,
chosen by the file's suffix. Like a download from the dashboard, writing one is an audited export."""
from __future__ import annotations

from pathlib import Path

from clinic import cli, db

KINDS = {".pdf": "pdf", ".html": "html", ".htm": "html"}


def add_parsers(sub) -> None:
    cmd = sub.add_parser("report", help="one course's progress report as PDF or printable HTML",
                         description="Writes the one-page progress report of a course (pseudonymous ids only) "
                                     "as PDF or HTML, by the suffix of --out.")
    cmd.add_argument("course_id", help="the course id (as on the Patients page)")
    cli.add_reading_args(cmd)
    cmd.add_argument("--out", type=Path, required=True, help="the file to write: FILE.pdf or FILE.html")
    cmd.set_defaults(run=cmd_report)


def cmd_report(args) -> int:
    from clinic import access, report, trajectory

    kind = KINDS.get(args.out.suffix.lower())
    if kind is None:
        raise cli.CliError(f"--out {args.out}: the file must end in .pdf or .html")
    path = args.db or db.default_db_path()
    with cli.filtered_reading(args) as (con, filters):
        try:
            made = report.build(trajectory.runner(con, filters), filters, args.course_id)
        except report.ReportError as exc:
            raise cli.CliError(str(exc)) from None
    data = report.render(made, kind)
    try:
        args.out.write_bytes(data)
    except OSError as exc:
        raise cli.CliError(f"could not write {args.out}: {exc.strerror or exc}") from None
    access.record(path, access.cli_actor(), "export", {"file": args.out.name, "rows": 1,
                                                       "course_id": made.course_id})
    if args.json:
        cli.print_json({"course_id": made.course_id, "patient_id": made.patient_id, "as_of": filters.as_of,
                        "format": kind, "out": str(args.out), "bytes": len(data)})
    else:
        print(f"wrote the {kind.upper()} progress report of course {made.course_id} to {args.out}")
    return 0
