"""`python3 -m analysis calibrate RUN.h5`: simulation-based calibration (SBC rank histograms, a χ² test of
their uniformity) and expected coverage of a trained conditional flow, beyond C2ST: calibration needs no
reference posterior, so it judges any simulator's NPE run."""
from __future__ import annotations

import json
from pathlib import Path

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import conditional  # noqa: E402


def calibrate_command(args) -> int:
    run_path = Path(args.run)
    with h5py.File(run_path, "r") as f:
        spec = json.loads(f["spec"][()])
    if spec.get("data", {}).get("source") != "simulator":
        raise SystemExit(f"{run_path}: not trained on a simulator (data.source is "
                         f"{spec.get('data', {}).get('source')!r}); calibration needs one to draw (θ, x) from")
    simulator = spec["data"]["simulator"]
    out = Path(args.out) if args.out else run_path.with_name(run_path.stem + "_calibration")
    out.mkdir(parents=True, exist_ok=True)
    result = conditional.calibrate(args.bin, str(run_path), simulator, args.n, args.draws, out)
    ranks, p = result["ranks"], result["p_values"]
    D = ranks.shape[1]
    fig, axes = plt.subplots(1, D, figsize=(2.6 * D, 2.4), squeeze=False)
    for j in range(D):
        ax = axes[0][j]
        ax.hist(ranks[:, j], bins=np.linspace(0, args.draws + 1, 11), color="tab:blue", alpha=0.8)
        ax.axhline(len(ranks) / 10, color="k", lw=0.8)
        ax.set_title(f"θ{j + 1}: p = {p[j]:.3f}", fontsize=9)
    fig.suptitle(f"SBC ranks, {simulator}, {result['n']} draws × {result['draws']} samples", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "ranks.png", dpi=90)
    plt.close(fig)
    print(f"{run_path}: {simulator}, {result['n']} prior draws, {result['draws']} posterior samples each "
          f"(leakage {100 * result['leakage']:.1f} %)")
    print("coordinate  SBC p-value  " + "  ".join(f"coverage@{level:g}" for level in result["coverage"]))
    for j in range(D):
        print(f"θ{j + 1:<10} {p[j]:11.3f}  " + "  ".join(f"{result['coverage'][level][j]:13.3f}"
                                                      for level in result["coverage"]))
    print(f"ranks: {out / 'ranks.png'}")
    return 0
