"""Load a Tractable run file (layout: docs/reference/run-file.md)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pandas as pd


@dataclass
class Run:
    path: Path
    spec: dict
    provenance: dict
    data_attrs: dict
    metrics: pd.DataFrame          # one row per logged step; columns step, loss, lr, ...
    evals: pd.DataFrame            # one row per evaluation; columns step, test_nll, ...
    samples: dict = field(default_factory=dict)   # step -> [n, D] array
    data_points: np.ndarray | None = None         # test points kept for plots [n, D]
    density_grid: np.ndarray | None = None        # log p on a grid [G, G] (2D runs)
    target_grid: np.ndarray | None = None         # log p̃ of a reverse-KL target on the same grid
    grid_extent: tuple | None = None              # (x_min, x_max, y_min, y_max)
    checkpoint_step: int = 0
    stopped_early: bool = False                   # training.early_stopping_patience ended it before training.steps
    reconstructions: np.ndarray | None = None           # VAE: decoder means at q's means [n, D]
    reconstruction_inputs: np.ndarray | None = None     # the test rows they reconstruct [n, D]
    posterior_mean_variance: np.ndarray | None = None   # VAE: Cov_x(E_q[z_u]) per latent unit [L]

    @property
    def is_vae(self) -> bool:
        return self.spec.get("model", {}).get("type") == "vae"

    @property
    def image_side(self) -> int | None:
        """Side of a square image when each row is one (e.g. 28 for MNIST), else None."""
        side = int(round(np.sqrt(self.dim))) if self.dim >= 16 else 0
        return side if side * side == self.dim and side > 0 else None

    @property
    def name(self) -> str:
        return self.spec.get("name", self.path.stem)

    @property
    def dim(self) -> int:
        return int(self.data_attrs.get("dim", 0))

    def last_samples(self):
        if not self.samples:
            return None
        return self.samples[max(self.samples)]


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def _table(group) -> pd.DataFrame:
    if group is None or "step" not in group:
        return pd.DataFrame({"step": np.array([], dtype=np.int64)})
    columns = {"step": group["step"][()]}
    for name, ds in group.items():
        if name != "step" and isinstance(ds, h5py.Dataset) and ds.ndim == 1 and ds.shape[0] == columns["step"].shape[0]:
            columns[name] = ds[()]
    return pd.DataFrame(columns)


def load_run(path) -> Run:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such run file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ValueError(f"{path}: not a readable HDF5 file ({e})") from e
    with f:
        if _text(f.attrs.get("format", b"")) != "tractable-run":
            raise ValueError(f"{path}: not a Tractable run file (no format='tractable-run' attribute on /)")
        spec = json.loads(_text(f["spec"][()]))
        provenance = {k: _text(v) for k, v in f["provenance"].attrs.items()} if "provenance" in f else {}
        data_attrs = {k: _text(v) for k, v in f["data"].attrs.items()} if "data" in f else {}
        samples = {int(k): v[()] for k, v in f["samples"].items()} if "samples" in f else {}
        points = f["data/test_points"][()] if "data/test_points" in f else None
        grid = extent = None
        if "eval/density_grid" in f:
            ds = f["eval/density_grid"]
            grid = ds[()]
            extent = tuple(float(ds.attrs[k]) for k in ("x_min", "x_max", "y_min", "y_max"))
        target = f["eval/target_log_density_grid"][()] if "eval/target_log_density_grid" in f else None
        step = int(f["checkpoint"].attrs["step"]) if "checkpoint" in f else 0
        stopped = "checkpoint" in f and int(f["checkpoint"].attrs.get("stopped_early", 0)) == 1
        optional = {name: (f[f"eval/{name}"][()] if f"eval/{name}" in f else None)
                    for name in ("reconstructions", "reconstruction_inputs", "posterior_mean_variance")}
        return Run(path=path, spec=spec, provenance=provenance, data_attrs=data_attrs,
                   metrics=_table(f.get("metrics")), evals=_table(f.get("eval")), samples=samples,
                   data_points=points, density_grid=grid, target_grid=target, grid_extent=extent,
                   checkpoint_step=step, stopped_early=stopped, **optional)
