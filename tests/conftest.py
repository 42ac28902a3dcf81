"""Shared fixtures: tiny databases built from hand-written CSV text through the real importer."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from clinic.cli import main


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    return path


@pytest.fixture
def csv_file(tmp_path):
    """Writes dedented CSV text to tmp_path/<name> and returns the path."""
    def make(text: str, name: str = "sessions.csv") -> Path:
        return _write(tmp_path / name, text)
    return make


@pytest.fixture
def cli(capsys):
    """Runs `python -m clinic ...` in-process; returns (exit code, parsed JSON or raw stdout).

    What the command wrote to stderr is kept in `cli.err`.
    """
    def call(*args: str):
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        out = captured.out
        call.err = captured.err
        try:
            return code, json.loads(out)
        except json.JSONDecodeError:
            return code, out
    call.err = ""
    return call


@pytest.fixture
def db_from(tmp_path, cli):
    """Builds a database from CSV texts via `python -m clinic import` and returns its path."""
    def make(sessions: str | None = None, patients: str | None = None, courses: str | None = None) -> Path:
        db = tmp_path / "clinic.duckdb"
        files = []
        for name, text in (("patients.csv", patients), ("courses.csv", courses), ("sessions.csv", sessions)):
            if text is not None:
                files.append(_write(tmp_path / name, text))
        code, out = cli("import", *files, "--db", db)
        assert code == 0, out
        return db
    return make
