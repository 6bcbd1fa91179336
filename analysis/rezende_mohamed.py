"""Rezende & Mohamed 2015, Figure 3: planar flows of length K = 2, 8, 32 fit
to the energies U1–U4 by reverse KL. Runs the suite with the `tractable`
binary, then writes the 4×3 panel figure and a table of the KL estimate and of
log Z (importance sampling) beside log Z by quadrature, with a verdict on the
paper's claim that longer flows fit better."""
from __future__ import annotations

import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .runfile import load_run  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "experiments" / "papers" / "rezende-mohamed" / "planar.json"
TARGETS = ("u1", "u2", "u3", "u4")
LENGTHS = (2, 8, 32)


def run_suite(binary, out_dir, steps=None, targets=TARGETS, lengths=LENGTHS) -> dict:
    """Trains every (target, K) that has no finished run file yet; returns their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for target in targets:
        for k in lengths:
            path = out_dir / f"{target}_K{k}.h5"
            cmd = [str(binary), "run", str(SPEC), "--out", str(path), "--quiet",
                   "--set", f"model.repeat={k}", "--set", f"objective.target.type={target}"]
            if steps:
                cmd += ["--set", f"training.steps={steps}", "--set", f"training.checkpoint_every={steps}"]
            if path.exists():
                cmd.append("--resume")  # finished runs are only re-evaluated; unfinished ones continue
            subprocess.run(cmd, check=True)
            paths[(target, k)] = path
    return paths


def table(paths: dict) -> pd.DataFrame:
    rows = []
    for (target, k), path in sorted(paths.items()):
        run = load_run(path)
        e = run.evals.iloc[-1]
        # The run file's kl is log Z_quadrature − ELBO, so ELBO + KL is the quadrature value.
        rows.append({"target": target.upper(), "K": k, "KL(q||p) nats": e["kl"], "ELBO": e["elbo"],
                     "log Z (IS)": e["log_z"], "log Z (quadrature)": e["elbo"] + e["kl"],
                     "ESS/N": e["ess_fraction"], "steps": run.checkpoint_step})
    return pd.DataFrame(rows)


def verdicts(df: pd.DataFrame) -> list[str]:
    """The paper's claim, per target: the KL falls as the flow gets longer."""
    out = []
    for target, group in df.groupby("target"):
        kl = group.sort_values("K")["KL(q||p) nats"].to_numpy()
        ok = bool(np.all(np.diff(kl) < 0))
        out.append(f"{target}: KL {' > '.join(f'{v:.3f}' for v in kl)} for K = "
                   f"{', '.join(str(k) for k in sorted(group['K']))} — longer flows fit better: {'HOLDS' if ok else 'FAILS'}")
    return out


def figure(paths: dict, out: Path) -> Path:
    targets = sorted({t for t, _ in paths})
    lengths = sorted({k for _, k in paths})
    fig, axes = plt.subplots(len(targets), len(lengths) + 1, figsize=(3.0 * (len(lengths) + 1), 3.0 * len(targets)),
                             squeeze=False)
    for r, target in enumerate(targets):
        for c, k in enumerate([None] + lengths):
            ax = axes[r][c]
            run = load_run(paths[(target, k if k else lengths[-1])])
            grid = run.target_grid if k is None else run.density_grid
            ax.imshow(np.exp(grid - grid.max()), origin="lower", extent=run.grid_extent, cmap="magma", aspect="equal")
            ax.set_xticks([])
            ax.set_yticks([])
            if k is None:
                ax.set_ylabel(target.upper())
            else:
                kl = run.evals["kl"].iloc[-1]
                ax.set_title(f"K = {k}: KL {kl:.3f}", fontsize=10)
            if r == 0 and k is None:
                ax.set_title("exp(−U)", fontsize=10)
    fig.suptitle("Planar flows fit by reverse KL (Rezende & Mohamed 2015, Fig. 3)")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def report(binary, out_dir, steps=None, targets=TARGETS, lengths=LENGTHS) -> tuple[pd.DataFrame, list[str], Path]:
    paths = run_suite(binary, out_dir, steps, targets, lengths)
    df = table(paths)
    png = figure(paths, Path(out_dir) / "figure3.png")
    (Path(out_dir) / "table.txt").write_text(df.to_string(index=False) + "\n\n" + "\n".join(verdicts(df)) + "\n")
    return df, verdicts(df), png
