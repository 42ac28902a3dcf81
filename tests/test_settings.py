"""The clinical settings: validated where they are made, the same on the command line and in words."""
from __future__ import annotations

import argparse

import pytest

from clinic import settings
from clinic.filters import Filters
from clinic.settings import Settings, SettingsError


def _parsed(*argv: str) -> Settings:
    parser = argparse.ArgumentParser()
    settings.add_flags(parser)
    return settings.from_args(parser.parse_args(list(argv)))


def test_the_defaults_are_the_clinic_protocols():
    chosen = Settings()
    assert (chosen.mcid, chosen.progress_after, chosen.adherence_pct, chosen.dropout_gap_days,
            chosen.course_gap_days, chosen.planned_sessions, chosen.min_cohort) == ("points2", 3, 80, 7, 30, 10, 5)
    assert str(chosen.adherence_threshold) == "0.8"


@pytest.mark.parametrize("change", [{"progress_after": 0}, {"adherence_pct": 49}, {"adherence_pct": 101},
                                    {"dropout_gap_days": 0}, {"course_gap_days": 366}, {"planned_sessions": 61},
                                    {"min_cohort": 0}, {"mcid": "points3"}, {"min_cohort": 2.5},
                                    {"min_cohort": True}])
def test_a_setting_out_of_range_or_of_the_wrong_kind_is_refused_with_its_name(change):
    with pytest.raises(SettingsError) as refused:
        Settings(**change)
    assert next(iter(change)) in str(refused.value)


@pytest.mark.parametrize("written, percent", [("0.8", 80), ("0.85", 85), ("80%", 80), ("90 %", 90), ("75", 75),
                                              ("1", 100)])
def test_an_adherence_threshold_is_read_as_a_ratio_or_a_percent(written, percent):
    assert settings.threshold_pct(written) == percent


@pytest.mark.parametrize("written", ["0.855", "eighty", "nan", "inf", ""])
def test_an_adherence_threshold_that_is_not_a_whole_percent_is_refused(written):
    with pytest.raises(SettingsError):
        settings.threshold_pct(written)


def test_the_flags_have_the_settings_names_and_defaults():
    assert _parsed() == Settings()
    assert _parsed("--mcid", "pct30", "--progress-after", "4", "--adherence-threshold", "0.9",
                   "--dropout-gap-days", "14", "--course-gap-days", "60", "--planned-sessions", "12",
                   "--min-cohort", "8") == Settings(mcid="pct30", progress_after=4, adherence_pct=90,
                                                    dropout_gap_days=14, course_gap_days=60,
                                                    planned_sessions=12, min_cohort=8)


def test_a_flag_out_of_range_is_refused_by_from_args():
    with pytest.raises(SettingsError, match="min_cohort must be between 1 and 100"):
        _parsed("--min-cohort", "0")


def test_the_settings_are_part_of_the_filters_and_so_of_every_cache_key():
    plain, stricter = Filters(), Filters(settings=Settings(adherence_pct=90))
    assert plain != stricter and hash(plain) != hash(stricter)
    assert plain == Filters(settings=Settings())


def test_every_setting_is_described_in_words_for_exported_tables():
    words = dict(settings.describe(Settings(adherence_pct=85, min_cohort=7), "points2"))
    assert words["First-session relief"] == "≥ 2 points"
    assert words["Adherent at"] == "85 % of the window's days"
    assert words["Fewest courses to judge"] == "7"
    assert len(words) == 8
