"""Claim measurements: the mode counter against constructed samples, and each
claim command end to end on short runs (the verdict is only checked for
its type there; the full-length numbers are in docs/results/papers.md)."""
import numpy as np

from analysis.claims import EIGHT_CENTRES, EIGHT_SIGMA, claim_knothe_rosenblatt, claim_maf_vs_iaf, claim_modes, \
    mode_masses, modes_covered
from .test_plots import tractable_binary


def test_mode_masses_count_exactly_the_populated_modes():
    rng = np.random.default_rng(0)
    three = np.concatenate([EIGHT_CENTRES[k] + EIGHT_SIGMA * rng.normal(size=(1000, 2)) for k in (0, 3, 5)])
    far = rng.uniform(-0.3, 0.3, size=(500, 2))  # near the origin: in no mode
    masses = mode_masses(np.concatenate([three, far]))
    assert modes_covered(masses) == 3
    assert masses.sum() == np.float64(3000 / 3500) or abs(masses.sum() - 3000 / 3500) < 1e-3
    assert modes_covered(mode_masses(EIGHT_CENTRES + 0.01)) == 8


def test_claim_commands_run_end_to_end(tmp_path):
    binary = tractable_binary()
    modes = claim_modes(binary, tmp_path, steps=30)
    assert set(modes) >= {"forward", "reverse", "holds"} and isinstance(modes["holds"], bool)
    duality = claim_maf_vs_iaf(binary, tmp_path, steps=5, points=2000)
    # The pass structure is deterministic even when timings are not.
    assert duality["maf"]["density_pass"] == "parallel" and duality["maf"]["sampling_pass"] == "sequential"
    assert duality["iaf"]["density_pass"] == "sequential" and duality["iaf"]["sampling_pass"] == "parallel"
    kr = claim_knothe_rosenblatt(binary, tmp_path, steps=20)
    assert abs(kr["true_entropy"] - np.log(32)) < 1e-12 and np.isfinite(kr["test_nll"])
