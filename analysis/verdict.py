"""Verdicts on a paper's claims: one Claim per statement, decided by explicit,
tested rules (analysis/tests/test_verdict.py)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HOLDS, FAILS, UNDECIDED = "holds", "fails", "undecided"


@dataclass
class Claim:
    text: str        # the claim, in the paper's words or ours
    verdict: str     # holds | fails | undecided
    evidence: str    # the numbers that decided it

    @property
    def holds(self) -> bool:
        return self.verdict == HOLDS


def agrees(ours: float, our_error: float, published: float, published_error: float = 0.0,
           sigmas: float = 2.0) -> str:
    """HOLDS when |ours − published| ≤ sigmas·√(σ_ours² + σ_published²); UNDECIDED when a value or
    error is missing or not finite, or when the combined error is zero (no tolerance to judge by)."""
    values = (ours, our_error, published, published_error)
    if any(v is None or not math.isfinite(float(v)) for v in values):
        return UNDECIDED
    combined = math.hypot(our_error, published_error)
    if combined <= 0:
        return UNDECIDED
    return HOLDS if abs(ours - published) <= sigmas * combined else FAILS


def ordered(values, decreasing: bool = True, tolerance: float = 0.0) -> str:
    """HOLDS when each value is below (decreasing) or above its predecessor by more than `tolerance`."""
    values = [float(v) for v in values]
    if len(values) < 2 or not all(math.isfinite(v) for v in values):
        return UNDECIDED
    steps = np.diff(values)
    ok = np.all(steps < -tolerance) if decreasing else np.all(steps > tolerance)
    return HOLDS if ok else FAILS


def at_most(value: float, bound: float) -> str:
    if value is None or not math.isfinite(float(value)):
        return UNDECIDED
    return HOLDS if value <= bound else FAILS


def from_bool(ok) -> str:
    return UNDECIDED if ok is None else (HOLDS if ok else FAILS)
