"""Loaders and plots on run files written by the real `tractable` binary."""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

from analysis import load_run, plot_run
from analysis.__main__ import main

REPO = Path(__file__).resolve().parents[2]


def tractable_binary() -> str:
    candidates = [os.environ.get("TRACTABLE_BIN", ""), str(REPO / "build" / "tractable")]
    for c in candidates:
        if c and Path(c).exists():
            return c
    pytest.fail("the tractable binary was not found: build it (cmake --build build) or set TRACTABLE_BIN")


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "tiny.h5"
    cmd = [tractable_binary(), "run", str(REPO / "experiments" / "quickstart.json"), "--out", str(out), "--quiet",
           "--set", "training.steps=60", "--set", "training.log_every=10", "--set", "training.eval_every=30",
           "--set", "model.repeat=2", "--set", "data.n_train=2000", "--set", "data.n_test=500",
           "--set", "output.n_samples=300", "--set", "output.density_grid=24"]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def test_load_run_reads_every_section(run_file):
    run = load_run(run_file)
    assert run.name == "quickstart"
    assert run.dim == 2
    assert list(run.metrics["step"]) == [10, 20, 30, 40, 50, 60]
    assert {"loss", "lr", "grad_norm", "steps_per_second"} <= set(run.metrics.columns)
    assert list(run.evals["step"]) == [30, 60]
    assert np.isfinite(run.evals["test_nll"]).all()
    assert sorted(run.samples) == [30, 60]
    assert run.last_samples().shape == (300, 2)
    assert run.density_grid.shape == (24, 24)
    assert run.grid_extent[0] < 0 < run.grid_extent[1]
    assert run.checkpoint_step == 60
    assert run.provenance["scalar"] == "float32"
    assert run.spec["model"]["repeat"] == 2


def test_density_grid_is_a_normalised_density(run_file):
    run = load_run(run_file)
    x0, x1, y0, y1 = run.grid_extent
    g = run.density_grid.shape[0]
    cell = ((x1 - x0) / (g - 1)) * ((y1 - y0) / (g - 1))
    mass = np.exp(run.density_grid).sum() * cell
    assert 0.8 < mass < 1.1  # a coarse grid over the data's support holds most of the mass


def test_plot_run_writes_non_empty_pngs(run_file, tmp_path):
    written = plot_run(run_file, tmp_path / "plots")
    names = sorted(p.name for p in written)
    assert names == ["density.png", "learning_curves.png"]
    for p in written:
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(data) > 5000


def test_cli_plot_defaults_beside_the_run(run_file, capsys):
    assert main(["plot", str(run_file)]) == 0
    printed = capsys.readouterr().out.split()
    assert all(Path(p).exists() for p in printed)
    assert Path(printed[0]).parent.name == "tiny_plots"


def test_foreign_and_missing_files_get_clear_errors(tmp_path, capsys):
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.zeros(3)
    with pytest.raises(ValueError, match="not a Tractable run file"):
        load_run(foreign)
    assert main(["plot", str(tmp_path / "absent.h5")]) == 4
    assert "absent.h5" in capsys.readouterr().err


def test_reverse_kl_runs_plot_the_target_beside_the_flow(tmp_path):
    out = tmp_path / "vi.h5"
    cmd = [tractable_binary(), "run", str(REPO / "experiments" / "reverse_kl_u1.json"), "--out", str(out), "--quiet",
           "--set", "training.steps=40", "--set", "training.eval_every=20", "--set", "model.repeat=2",
           "--set", "objective.eval_samples=500", "--set", "output.n_samples=200", "--set", "output.density_grid=20"]
    subprocess.run(cmd, check=True, capture_output=True)
    run = load_run(out)
    assert run.data_points is None
    assert run.target_grid.shape == run.density_grid.shape == (20, 20)
    assert {"elbo", "log_z", "ess_fraction", "kl"} <= set(run.evals.columns)
    assert list(run.evals["step"]) == [20, 40]
    written = plot_run(out, tmp_path / "plots")
    assert sorted(p.name for p in written) == ["density.png", "learning_curves.png"]
    assert all(p.stat().st_size > 5000 for p in written)
