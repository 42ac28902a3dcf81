"""How hard the property and agreement tests look. `CLINIC_SOAK=N pytest ...` (a whole number, 1 by
default) has every hypothesis test try N times its examples and the reference agreement build N
times its messy clinics (seeds 1 to 4N); the suite's own run is N = 1. A soak finds what a rare
combination of rows breaks, at the price of time: with N = 10 the seven files of property and
agreement tests took 11 minutes on two workers (20 minutes of processor time)."""
from __future__ import annotations

import os


def _factor() -> int:
    text = os.environ.get("CLINIC_SOAK", "").strip() or "1"
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"CLINIC_SOAK must be a whole number of 1 or more, not {text!r}")
    return int(text)


SOAK = _factor()


def examples(n: int) -> int:
    """A hypothesis test's max_examples: n in the suite, n x CLINIC_SOAK in a soak."""
    return n * SOAK


def seeds(n: int) -> tuple[int, ...]:
    """Seeds 1..n in the suite, 1..n x CLINIC_SOAK in a soak (the suite's first, then new ones)."""
    return tuple(range(1, n * SOAK + 1))
