"""PNG plots of one run: learning curves; for 2D data the learned density
beside the data and the model's samples; for image data (a VAE on MNIST) grids
of samples and of test digits above their reconstructions."""
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
    if len(e) and "test_elbo" in e:
        ax.plot(e["step"], -e["test_elbo"], "o-", label="test −ELBO", ms=5)
    if len(e) and "test_bound" in e and run.spec.get("objective", {}).get("type") == "iwae":
        k = run.spec["objective"]["samples"]
        ax.plot(e["step"], -e["test_bound"], "s-", label=f"test −L_{k} (the training bound)", ms=5)
    # The validation loss selects /checkpoint_best: its lowest point is marked.
    for column, label in (("validation_nll", "validation NLL"), ("validation_loss", "validation loss (−L_k)")):
        if len(e) and column in e and e[column].notna().any():
            ax.plot(e["step"], e[column], "^-", label=label, ms=5)
            best = e[column].idxmin()
            ax.plot([e["step"][best]], [e[column][best]], "k*", ms=12, label=f"best (step {int(e['step'][best])})")
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


def image_grid(rows: np.ndarray, side: int, columns: int = 8) -> np.ndarray:
    """[n, side²] rows -> one [r·(side+1), c·(side+1)] image with 1-pixel gaps."""
    n = len(rows)
    r = max(1, int(np.ceil(n / columns)))
    grid = np.full((r * (side + 1) - 1, columns * (side + 1) - 1), 0.2)  # light grey gaps
    for i, row in enumerate(rows):
        y, x = divmod(i, columns)
        grid[y * (side + 1):y * (side + 1) + side, x * (side + 1):x * (side + 1) + side] = row.reshape(side, side)
    return grid


def plot_image_samples(run: Run, out: Path, count: int = 64) -> Path:
    samples = run.last_samples()
    fig, ax = plt.subplots(figsize=(6, 6.4))
    target = run.spec.get("objective", {}).get("target", {}).get("type")
    if target == "phi4":  # lattice field configurations: signed values, a diverging map around 0
        limit = float(np.abs(samples[:count]).max()) or 1.0
        ax.imshow(image_grid(samples[:count], run.image_side), cmap="RdBu_r", vmin=-limit, vmax=limit)
        title = f"{run.name}: field configurations φ ~ q (step {max(run.samples)}; red > 0 > blue)"
    else:
        ax.imshow(image_grid(np.clip(samples[:count], 0, 1), run.image_side), cmap="gray_r", vmin=0, vmax=1)
        e = run.evals
        headline = f", test NLL {e['test_nll'].dropna().iloc[-1]:.2f} nats" if "test_nll" in e and e["test_nll"].notna().any() else ""
        title = f"{run.name}: samples E[x|z], z ~ N(0, I) (step {max(run.samples)}{headline})"
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def plot_reconstructions(run: Run, out: Path, count: int = 32) -> Path:
    inputs, recon = run.reconstruction_inputs[:count], run.reconstructions[:count]
    side, columns = run.image_side, 8
    fig, axes = plt.subplots(2, 1, figsize=(6, 6.4))
    for ax, rows, title in ((axes[0], inputs, "test digits (binarised as in training)"),
                            (axes[1], recon, "reconstructions E[x|z = E_q[z]]")):
        ax.imshow(image_grid(np.clip(rows, 0, 1), side, columns), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.suptitle(f"{run.name}: reconstructions", fontsize=10)
    fig.tight_layout()
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
    if run.image_side and run.samples:
        written.append(plot_image_samples(run, out_dir / "samples.png"))
    if run.image_side and run.reconstructions is not None:
        written.append(plot_reconstructions(run, out_dir / "reconstructions.png"))
    return written
