"""`python -m clinic funnel|expected ...`: the fair comparison of therapists and sites as JSON.

`funnel` prints each unit's rate against its number of courses with the clinic mean and its 95 % and
99.8 % limits at that caseload (clinic.funnel); `expected` prints the case-mix model and each unit's
observed against expected (clinic.casemix). Both take every flag of the other reading commands.
"""
from __future__ import annotations

from clinic import cli

UNITS = ("therapist", "site")
MEASURES = ("relief", "responder")


def add_parsers(sub) -> None:
    """The `funnel` and `expected` commands, on the command line's subparsers."""
    for name, text, handler in (
            ("funnel", "per therapist or site: rate, number of courses, and the clinic mean with its 95 %% and "
                       "99.8 %% control limits at that number", cmd_funnel),
            ("expected", "per therapist or site: observed against expected from the case-mix model", cmd_expected)):
        cmd = sub.add_parser(name, help=text)
        cli.add_reading_args(cmd)
        cmd.add_argument("--by", choices=UNITS, default="therapist", help="compare therapists (default) or sites")
        cmd.add_argument("--measure", choices=MEASURES, default="relief",
                         help="relief: first-session relief under --relief-rule (default); responder: sustained "
                              "improvement of 30 %% or more")
        cmd.set_defaults(run=handler)


def _plain_funnel(report: dict) -> dict:
    """The funnel document with the unit fields in a fixed order."""
    fields = ("key", "courses", "events", "rate", "ci_low", "ci_high", "mean", "limit95_low", "limit95_high",
              "limit998_low", "limit998_high", "outside", "all_courses", "too_few")
    return {**report, "units": [{f: u[f] for f in fields} for u in report["units"]]}


def cmd_funnel(args) -> int:
    from clinic import funnel
    with cli.filtered_reading(args) as (con, filters):
        report = funnel.report(con, filters, args.by, args.measure)
    cli.print_json(_plain_funnel(report))
    return 0


def cmd_expected(args) -> int:
    from clinic import casemix
    with cli.filtered_reading(args) as (con, filters):
        report = casemix.report(con, filters, args.by, args.measure)
    cli.print_json(report)
    return 0
