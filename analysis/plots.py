"""PNG plots of one run: learning curves, and for 2D data the learned density
beside the data and the model's samples."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .runfile import Run, load_run  # noqa: E402


def plot_learning_curves(run: Run, out: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    m = run.metrics
    if len(m) and "loss" in m:
        ax.plot(m["step"], m["loss"], label="train loss (window mean)", lw=1.2)
    e = run.evals
    if len(e) and "test_nll" in e:
        ax.plot(e["step"], e["test_nll"], "o-", label="test NLL", ms=5)
    if len(e) and "elbo" in e:
        ax.plot(e["step"], -e["elbo"], "o-", label="−ELBO (importance samples)", ms=5)
    ax.set_xlabel("step")
    ax.set_ylabel("nats")
    ax.set_title(f"{run.name}: learning curves")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def _square_extent(run: Run):
    if run.grid_extent is not None:
        return run.grid_extent
    pts = [p for p in (run.data_points, run.last_samples()) if p is not None and len(p)]
    r = max(float(np.abs(p).max()) for p in pts) * 1.05 if pts else 4.0
    return (-r, r, -r, r)


def plot_density_2d(run: Run, out: Path) -> Path:
    extent = _square_extent(run)
    bins = np.linspace(extent[0], extent[1], 120)
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.6))
    first = ("target p̃(x)", run.target_grid) if run.target_grid is not None else ("data (test split)", run.data_points)
    panels = [first, ("learned density", run.density_grid), ("samples from the flow", run.last_samples())]
    for ax, (title, points) in zip(axes, panels):
        if title.startswith("learned") or title.startswith("target"):
            if points is not None:
                ax.imshow(np.exp(points - points.max()), origin="lower", extent=extent, cmap="magma", aspect="equal")
            else:
                ax.text(0.5, 0.5, "no density grid in the run file", ha="center", va="center", transform=ax.transAxes)
        elif points is not None and len(points):
            ax.hist2d(points[:, 0], points[:, 1], bins=[bins, bins], cmap="magma")
        else:
            ax.text(0.5, 0.5, "none stored", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(title)
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_aspect("equal")
    e = run.evals
    if len(e) and "test_nll" in e:
        headline = f"test NLL {e['test_nll'].iloc[-1]:.3f} nats"
    elif len(e) and "kl" in e:
        headline = f"KL(q‖p) {e['kl'].iloc[-1]:.3f} nats, ESS {100 * e['ess_fraction'].iloc[-1]:.0f}%"
    else:
        headline = ""
    fig.suptitle(f"{run.name}: step {run.checkpoint_step}, {headline}")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def plot_run(path, out_dir=None) -> list[Path]:
    """Writes every plot that applies to the run; returns the PNG paths."""
    run = load_run(path)
    out_dir = Path(out_dir) if out_dir else run.path.with_name(run.path.stem + "_plots")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [plot_learning_curves(run, out_dir / "learning_curves.png")]
    if run.dim == 2:
        written.append(plot_density_2d(run, out_dir / "density.png"))
    return written
