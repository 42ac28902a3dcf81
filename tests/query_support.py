"""Running one filtered query (queries/<name>.sql) on a test database, as the dashboard does."""
from __future__ import annotations

from clinic import db, metrics
from clinic.filters import Filters


def run_filtered(path, name: str, filters: Filters, **extra):
    """queries/<name>.sql over the course summary for `filters`, on a read-only connection."""
    con = db.connect(path, read_only=True)
    try:
        return db.run(con, name, all_courses=metrics.all_courses(con, filters), **filters.params(), **extra)
    finally:
        con.close()
