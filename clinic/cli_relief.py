"""`python -m clinic time-to-relief` and `python -m clinic relief-lasting`: the Time-to-relief page's
figures as stable JSON (clinic.relief_time, clinic.relief_lasting)."""
from __future__ import annotations

from clinic.filters import COHORT_FIELDS


def add_parsers(sub) -> None:
    """The two commands, on the command line's subparsers."""
    from clinic import cli

    cmd = sub.add_parser("time-to-relief", help="Kaplan–Meier curve of attended sessions (or days) until relief")
    cli.add_reading_args(cmd)
    cmd.add_argument("--by", choices=tuple(COHORT_FIELDS), default=None, help="one curve per value of this field")
    cmd.add_argument("--days", action="store_true", help="days since the course start instead of sessions")
    cmd.set_defaults(run=cmd_time_to_relief)

    cmd = sub.add_parser("relief-lasting", help="does first-session relief last until the next visit; "
                                                "sustained improvement of adherent against non-adherent courses")
    cli.add_reading_args(cmd)
    cmd.set_defaults(run=cmd_relief_lasting)


def cmd_time_to_relief(args) -> int:
    from clinic import cli, relief_time

    with cli.filtered_reading(args) as (con, filters):
        result = relief_time.report(con, filters, args.by, "days" if args.days else "sessions")
    cli.print_json(result)
    return 0


def cmd_relief_lasting(args) -> int:
    from clinic import cli, relief_lasting

    with cli.filtered_reading(args) as (con, filters):
        result = relief_lasting.report(con, filters)
    cli.print_json(result)
    return 0
