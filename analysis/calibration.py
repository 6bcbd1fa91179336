"""`python3 -m analysis calibrate RUN.h5`: the plots of `tractable diagnose` — simulation-based calibration
(SBC rank histograms and their χ² p-values) and the expected coverage of highest-density regions and of TARP
against the nominal level. The statistics are computed by the binary (sbi/calibration.hpp), which this
runs unless --diagnosis names a file it already wrote; calibration needs no reference posterior, so it
judges any simulator's NPE run."""
from __future__ import annotations

import subprocess
from pathlib import Path

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def read_diagnosis(path: Path) -> dict:
    """What `tractable diagnose --out` wrote: ranks [N, D], p-values [D], levels, HDR and TARP coverage."""
    with h5py.File(path, "r") as f:
        out = {k: f[k][()] for k in ("sbc_ranks", "sbc_p_values", "levels", "hdr_coverage", "tarp_coverage")}
        out.update({k: (v.decode() if isinstance(v, bytes) else v) for k, v in f["sbc_ranks"].attrs.items()})
    return out


def plot_diagnosis(d: dict, out: Path) -> tuple[Path, Path]:
    """ranks.png (one histogram per coordinate, 10 bins, the uniform count as a line) and coverage.png."""
    ranks, p, draws = d["sbc_ranks"], d["sbc_p_values"], int(d["draws"])
    D = ranks.shape[1]
    fig, axes = plt.subplots(1, D, figsize=(2.6 * D, 2.4), squeeze=False)
    for j in range(D):
        ax = axes[0][j]
        ax.hist(ranks[:, j], bins=np.linspace(0, draws + 1, 11), color="tab:blue", alpha=0.8)
        ax.axhline(len(ranks) / 10, color="k", lw=0.8)
        ax.set_title(f"θ{j + 1}: p = {p[j]:.3f}", fontsize=9)
    fig.suptitle(f"SBC ranks, {d['simulator']}, {len(ranks)} simulations × {draws} draws", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "ranks.png", dpi=90)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(3.8, 3.6))
    levels = d["levels"]
    band = 2 * np.sqrt(levels * (1 - levels) / len(ranks))
    ax.fill_between(levels, levels - band, levels + band, color="0.85", label="±2 standard errors")
    ax.plot([0, 1], [0, 1], color="k", lw=0.8)
    ax.plot(levels, d["hdr_coverage"], "o-", ms=3, label="highest-density regions")
    ax.plot(levels, d["tarp_coverage"], "s-", ms=3, label="TARP")
    ax.set_xlabel("credibility level")
    ax.set_ylabel("expected coverage")
    ax.set_title(f"{d['simulator']}: below the diagonal is over-confident", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "coverage.png", dpi=90)
    plt.close(fig)
    return out / "ranks.png", out / "coverage.png"


def calibrate_command(args) -> int:
    run_path = Path(args.run)
    out = Path(args.out) if args.out else run_path.with_name(run_path.stem + "_calibration")
    out.mkdir(parents=True, exist_ok=True)
    diagnosis = Path(args.diagnosis) if args.diagnosis else out / "diagnosis.h5"
    if not args.diagnosis:
        done = subprocess.run([args.bin, "diagnose", str(run_path), "--simulations", str(args.n), "--draws",
                               str(args.draws), "--out", str(diagnosis), "--force"], text=True)
        if done.returncode != 0:
            return done.returncode  # the binary's message and exit code (docs/reference/exit-codes.md)
    ranks_png, coverage_png = plot_diagnosis(read_diagnosis(diagnosis), out)
    print(f"ranks: {ranks_png}\ncoverage: {coverage_png}")
    return 0
