"""The Rezende & Mohamed suite: runs, table, figure and the claim's verdict."""
import pandas as pd

from analysis.rezende_mohamed import report, verdicts
from .test_plots import tractable_binary


def test_verdict_logic_detects_both_outcomes():
    df = pd.DataFrame({"target": ["U1"] * 3 + ["U2"] * 3, "K": [2, 8, 32] * 2,
                       "KL(q||p) nats": [0.9, 0.5, 0.1, 0.3, 0.4, 0.2]})
    lines = verdicts(df)
    assert lines[0].startswith("U1") and lines[0].endswith("HOLDS")
    assert lines[1].startswith("U2") and lines[1].endswith("FAILS")


def test_small_suite_writes_table_and_figure(tmp_path):
    df, lines, png = report(tractable_binary(), tmp_path, steps=60, targets=("u1", "u2"), lengths=(2, 4))
    assert list(df["target"]) == ["U1", "U1", "U2", "U2"]
    assert list(df["K"]) == [2, 4, 2, 4]
    assert (df["KL(q||p) nats"] > -0.05).all()  # a KL, up to Monte Carlo error
    # log Z by quadrature is the same for every K of a target.
    for _, group in df.groupby("target"):
        assert group["log Z (quadrature)"].nunique() == 1 or group["log Z (quadrature)"].std() < 1e-9
    assert len(lines) == 2
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 10000
    assert (tmp_path / "table.txt").read_text().count("longer flows fit better") == 2
    # Re-running resumes the finished runs instead of overwriting them.
    before = (tmp_path / "u1_K2.h5").stat().st_mtime_ns
    report(tractable_binary(), tmp_path, steps=60, targets=("u1",), lengths=(2,))
    assert (tmp_path / "u1_K2.h5").exists() and (tmp_path / "u1_K2.h5").stat().st_mtime_ns >= before
