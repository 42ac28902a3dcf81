"""The `flags` command: `python -m clinic flags --db PATH --as-of DATE --json`.

One object per course counted as of the date (sorted by patient_id, start_date, course_id) with its
protocol-safety flags (clinic/flags.py): failure to progress and the ceiling note with the baseline
and pain-now values, the paperwork before the first session, sessions during acute inflammation,
numbness sessions and whether a referral was noted, and pain rising over three visits. Every setting
flag of the dashboard is honoured (--mcid, --progress-after, ...).
"""
from __future__ import annotations

from clinic import cli


def add_parsers(sub) -> None:
    cmd = sub.add_parser("flags", help="protocol-safety flags per course (failure to progress, paperwork, "
                                       "acute inflammation, numbness, rising pain)")
    cli.add_reading_args(cmd)
    cmd.set_defaults(run=cmd_flags)


def cmd_flags(args) -> int:
    from clinic import flags
    with cli.filtered_reading(args) as (con, filters):
        rows = flags.course_records(con, filters)
    cli.print_json(rows)
    return 0
