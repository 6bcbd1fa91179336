"""Inverse kinematics of the planar arm on a rail (Kruse et al. 2021): the
conditional flow p(x | y) against the prior and a conditional Gaussian, by
Err_post (MMD² to a rejection-ABC reference posterior) and Err_resim (mean
squared distance of the samples' end points from the target)."""
from __future__ import annotations

from pathlib import Path

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .. import conditional  # noqa: E402
from ..verdict import Claim, FAILS, HOLDS, UNDECIDED  # noqa: E402
from . import SuiteResult  # noqa: E402

EVALUATION = {"small": (100, 1000), "paper": (1000, 4000)}  # targets, samples per target
PRIOR_SD = np.array([0.25, 0.5, 0.5, 0.5])
LENGTHS = (0.5, 0.5, 1.0)


def resimulate(binary: str, x: np.ndarray, work: Path) -> np.ndarray:
    """End points f(x) [N, 2] of parameter rows x [N, 4], by `tractable simulate --parameters`."""
    src, out = work / "resim-in.h5", work / "resim-out.h5"
    with h5py.File(src, "w") as f:
        f["x"] = x
    conditional.run(binary, "simulate", "inverse_kinematics", "--parameters", f"{src}:/x", "--out", out, "--force")
    with h5py.File(out, "r") as f:
        y = f["observations"][()]
    src.unlink()
    out.unlink()
    return y


def scores(binary: str, samples: np.ndarray, reference: np.ndarray, targets: np.ndarray, scale: float,
           work: Path) -> dict:
    """Err_post and Err_resim over the targets (means), for samples [R, n, 4]."""
    R, n, _ = samples.shape
    y = resimulate(binary, samples.reshape(-1, 4), work).reshape(R, n, 2)
    resim = float(((y - targets[:, None, :]) ** 2).sum(-1).mean())
    post = float(np.mean([conditional.mmd_squared(samples[r], reference[r], scale) for r in range(R)]))
    return {"Err_post (MMD²)": post, "Err_resim": resim}


def arm_figure(samples: dict, reference: np.ndarray, target: np.ndarray, out: Path) -> Path:
    """The arm drawn for sampled configurations at one target: each model beside the ABC reference."""
    fig, axes = plt.subplots(1, len(samples) + 1, figsize=(4 * (len(samples) + 1), 4), sharex=True, sharey=True)
    for ax, (label, x) in zip(axes, [("ABC reference", reference)] + list(samples.items())):
        for row in x[:60]:
            points, angle = [(0.0, row[0])], 0.0
            for i, length in enumerate(LENGTHS):
                angle += row[i + 1]
                points.append((points[-1][0] + length * np.cos(angle), points[-1][1] + length * np.sin(angle)))
            px, py = zip(*points)
            ax.plot(px, py, lw=0.6, alpha=0.35, color="tab:blue")
            ax.plot(px[0], py[0], "s", ms=2, color="tab:gray")
        ax.plot(target[0], target[1], "*", ms=12, color="tab:red")
        ax.axvline(0, color="k", lw=0.5)
        ax.set_title(label, fontsize=9)
        ax.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out


def analyse(repro, out_dir: Path) -> SuiteResult:
    result = SuiteResult()
    runs = repro.finished_runs()
    if not runs:
        result.notes.append("no finished runs yet")
        return result
    n_targets, n = EVALUATION.get(repro.budget, EVALUATION["small"])
    binary, pub = repro.binary, repro.published
    seed, epsilon, scale = int(pub["observation_seed"]), float(pub["abc_epsilon"]), float(pub["mmd_kernel_scale"])
    obs_file = out_dir / "ik-targets.h5"
    targets = conditional.observations(binary, "inverse_kinematics", n_targets, seed, obs_file)
    refs = []
    for k, path in enumerate((out_dir / "ik-reference.h5", out_dir / "ik-reference-check.h5")):
        if not path.exists():
            conditional.run(binary, "simulate", "inverse_kinematics", "--reference-for", f"{obs_file}:/observations",
                            "-n", n, "--abc-epsilon", epsilon, "--seed", k, "--out", path)
        with h5py.File(path, "r") as f:
            refs.append(f["reference"][()].astype(np.float64))
    reference, second = refs
    rows, drawn = [], {}
    prior = np.random.default_rng(seed).normal(size=(n_targets, n, 4)) * PRIOR_SD
    rows.append({"model": "prior", "run": "—", **scores(binary, prior, reference, targets, scale, out_dir)})
    drawn["prior"] = prior
    for (sweep, run_id), run in sorted(runs.items()):
        label = "conditional flow" if "flow" in sweep else "conditional Gaussian"
        post, _ = conditional.posterior_samples(binary, run.path, "inverse_kinematics", obs_file, n,
                                                out_dir / f"ik-{run_id}.h5")
        rows.append({"model": label, "run": run_id, "test NLL": float(run.evals["test_nll"].iloc[-1]),
                     **scores(binary, post, reference, targets, scale, out_dir)})
        drawn.setdefault(label, post)
    rows.append({"model": "second ABC reference (the floor)", "run": "—",
                 **scores(binary, second, reference, targets, scale, out_dir)})
    df = pd.DataFrame(rows)
    result.tables.append((f"Err_post = MMD² to the ABC reference (unbiased estimator, inverse multiquadratic kernel "
                          f"1/(1 + ‖u − v‖²/{scale}²)) and Err_resim = mean ‖y* − f(x̂)‖², over {n_targets} targets of "
                          f"{n} samples; ABC: prior draws with ‖f(x) − y*‖ < {epsilon}", df))
    texts = {c["id"]: c["text"] for c in pub.get("claims", [])}
    mean = df.groupby("model")[["Err_post (MMD²)", "Err_resim"]].mean()

    def better(a: str, b: str) -> tuple:
        if a not in mean.index or b not in mean.index:
            return UNDECIDED, "missing runs"
        ok = all(mean.loc[a, c] < mean.loc[b, c] for c in mean.columns)
        return (HOLDS if ok else FAILS), "; ".join(
            f"{c}: {mean.loc[a, c]:.4g} vs {mean.loc[b, c]:.4g}" for c in mean.columns)

    for claim, other in (("beats-prior", "prior"), ("beats-gaussian", "conditional Gaussian")):
        verdict, evidence = better("conditional flow", other)
        result.claims.append(Claim(texts[claim], verdict, evidence))
    floor = mean.loc["second ABC reference (the floor)", "Err_post (MMD²)"]
    flow = mean["Err_post (MMD²)"].get("conditional flow", np.nan)
    result.claims.append(Claim(texts["floor"], UNDECIDED if not np.isfinite(flow) else HOLDS if floor < flow else FAILS,
                               f"floor {floor:.4g}, flow {flow:.4g}"))
    shown = {k: v[0] for k, v in drawn.items() if k != "prior"}
    result.figures.append(("sampled arm configurations for the first target (red star): the ABC reference and each model",
                           arm_figure(shown, reference[0], targets[0], out_dir / "ik_arms.png")))
    result.notes.append(pub.get("published_note", ""))
    result.notes.append("ABC's ε makes the reference slightly wider than the exact posterior (its Err_resim is at most "
                        f"ε² = {epsilon ** 2:.4f}); the floor row measures the MMD estimator's own noise.")
    return result
