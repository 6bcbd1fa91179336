"""Load a whole sweep (a directory written by `tractable sweep`, docs/tutorials/sweeps.md)
into pandas: metrics in long form, final results in wide form with every sweep
axis as a column."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .runfile import Run, load_run


@dataclass
class Sweep:
    path: Path
    name: str
    axes: list                                   # axis keys, e.g. ["model.repeat", "training.seed"]
    manifest_runs: list                          # [{"index", "id", "axes": {key: value}}] from sweep.json
    runs: dict = field(default_factory=dict)     # id -> Run, for every run file that exists
    unreadable: dict = field(default_factory=dict)  # id -> why its run file could not be read

    def run_axes(self, run_id: str) -> dict:
        if not hasattr(self, "_axes_by_id"):  # built once: sweeps may hold 100,000 runs
            self._axes_by_id = {r["id"]: r["axes"] for r in self.manifest_runs}
        return self._axes_by_id[run_id]

    def finished(self) -> dict:
        """id -> Run for runs whose final evaluation is in their file."""
        return {i: r for i, r in self.runs.items() if is_finished(r)}


def is_finished(run: Run) -> bool:
    """The final evaluation is in the file: at training.steps, or where early stopping ended the run."""
    total = run.checkpoint_step if run.stopped_early else int(run.spec.get("training", {}).get("steps", 0))
    return run.checkpoint_step >= total and len(run.evals) > 0 and int(run.evals["step"].iloc[-1]) >= total


def load_sweep(path) -> Sweep:
    path = Path(path)
    manifest_path = path / "sweep.json"
    if not manifest_path.exists():
        raise FileNotFoundError(f"{path}: not a sweep directory (no sweep.json; see `tractable sweep`)")
    try:
        manifest = json.loads(manifest_path.read_text())
        axes, runs = list(manifest["axes"]), list(manifest["runs"])
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{manifest_path}: not a sweep manifest ({e})") from e
    sweep = Sweep(path=path, name=manifest.get("sweep", path.name), axes=axes, manifest_runs=runs)
    for r in runs:
        run_path = path / "runs" / f"{r['id']}.h5"
        if run_path.exists():
            try:
                sweep.runs[r["id"]] = load_run(run_path)
            except (ValueError, OSError, KeyError) as e:  # a run still being created, or damaged
                sweep.unreadable[r["id"]] = str(e)
    return sweep


def _axis_columns(sweep: Sweep, run_id: str) -> dict:
    axes = sweep.run_axes(run_id)
    return {k: _scalar(axes.get(k)) for k in sweep.axes}


def _scalar(v):
    return json.dumps(v) if isinstance(v, (list, dict)) else v


def metrics_long(sweep: Sweep) -> pd.DataFrame:
    """One row per (run, step, metric): columns run, <axes>, source ('metrics' or 'eval'), step, metric, value."""
    frames = []
    for run_id, run in sweep.runs.items():
        axes = _axis_columns(sweep, run_id)
        for source, table in (("metrics", run.metrics), ("eval", run.evals)):
            if table.empty or len(table.columns) < 2:
                continue
            long = table.melt(id_vars="step", var_name="metric", value_name="value")
            long.insert(0, "source", source)
            for k, v in reversed(list(axes.items())):
                long.insert(0, k, v)
            long.insert(0, "run", run_id)
            frames.append(long)
    columns = ["run", *sweep.axes, "source", "step", "metric", "value"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def final_wide(sweep: Sweep) -> pd.DataFrame:
    """One row per run of the manifest: index, run, state, step, <axes>, eval.<name> (the last non-missing
    value of each evaluation column), metrics.<name> (the last metric row). Missing runs have NaNs."""
    rows = []
    for r in sweep.manifest_runs:
        run = sweep.runs.get(r["id"])
        row = {"index": r["index"], "run": r["id"]}
        if run is None:
            row.update(state="unreadable" if r["id"] in sweep.unreadable else "missing", step=0)
        else:
            row.update(state="done" if is_finished(run) else "unfinished", step=run.checkpoint_step)
        row.update(_axis_columns(sweep, r["id"]))
        if run is not None:
            for name in run.evals.columns:
                if name != "step":
                    values = run.evals[name].dropna()
                    row[f"eval.{name}"] = float(values.iloc[-1]) if len(values) else np.nan
            if len(run.metrics):
                for name in run.metrics.columns:
                    if name != "step":
                        row[f"metrics.{name}"] = float(run.metrics[name].iloc[-1])
        rows.append(row)
    return pd.DataFrame(rows)


def load_summary(sweep_dir) -> pd.DataFrame:
    """summary.h5 as written by `tractable collect` (float64 columns with NaN = missing, strings otherwise)."""
    import h5py
    path = Path(sweep_dir) / "summary.h5"
    with h5py.File(path, "r") as f:
        columns = [c.decode() if isinstance(c, bytes) else c for c in f["summary/columns"][()]]
        data = {}
        for c in columns:
            values = f[f"summary/{c}"][()]
            if values.dtype.kind in ("S", "O"):
                values = [v.decode() if isinstance(v, bytes) else v for v in values]
            data[c] = values
    return pd.DataFrame(data)[columns]
