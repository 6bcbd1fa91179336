"""Judging conditional flows p(θ | x) against reference posteriors: the
classifier two-sample test as sbibm computes it (C2ST), the maximum mean
discrepancy (MMD), and the `tractable` calls that draw observations, reference
posteriors and a run's posterior samples (with sbi's rejection of samples
outside a bounded prior's support)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import h5py
import numpy as np

# Prior supports that are boxes: NPE samples outside them are rejected, as sbi does ("leakage").
PRIOR_BOX = {"two_moons": (-1.0, 1.0), "slcp": (-3.0, 3.0), "gaussian_linear_uniform": (-1.0, 1.0),
             "gaussian_mixture": (-10.0, 10.0)}


def c2st(reference: np.ndarray, samples: np.ndarray, seed: int = 1, folds: int = 5) -> float:
    """sbibm's C2ST: 5-fold cross-validated accuracy of an MLP (two hidden layers of 10·dim ReLU units,
    Adam, max_iter 10000) telling `samples` from `reference`, both z-scored by the reference's mean and
    standard deviation. 0.5: indistinguishable; 1.0: disjoint."""
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.neural_network import MLPClassifier

    mean, std = reference.mean(0), reference.std(0)
    x = np.concatenate([(reference - mean) / std, (samples - mean) / std])
    y = np.concatenate([np.zeros(len(reference)), np.ones(len(samples))])
    dim = reference.shape[1]
    classifier = MLPClassifier(activation="relu", hidden_layer_sizes=(10 * dim, 10 * dim), max_iter=10000,
                               solver="adam", random_state=seed)
    split = KFold(n_splits=folds, shuffle=True, random_state=seed)
    return float(np.mean(cross_val_score(classifier, x, y, cv=split, scoring="accuracy")))


def sbc_ranks(theta: np.ndarray, posterior: np.ndarray) -> np.ndarray:
    """Simulation-based calibration (Talts et al. 2018): for each of M pairs θ_i ~ prior, x_i ~ p(x | θ_i) and
    L posterior draws at x_i [M, L, D], the rank of θ_i among them per coordinate, 0..L [M, D]. A calibrated
    posterior gives uniform ranks; an over-confident one piles them at 0 and L, a biased one at one end."""
    return (posterior < theta[:, None, :]).sum(axis=1)


def sbc_uniformity(ranks: np.ndarray, draws: int, bins: int = 10) -> np.ndarray:
    """Per coordinate, the p-value of a χ² test that the ranks [M, D] (of `draws` posterior draws each) are
    uniform on 0..draws, in `bins` equal bins."""
    from scipy.stats import chisquare
    edges = np.linspace(0, draws + 1, bins + 1)
    return np.array([chisquare(np.histogram(ranks[:, j], bins=edges)[0]).pvalue for j in range(ranks.shape[1])])


def expected_coverage(theta: np.ndarray, posterior: np.ndarray, levels=(0.5, 0.8, 0.95)) -> dict:
    """Per nominal level α, the fraction of true θ_i [M, D] inside the central α-interval of their own posterior
    draws [M, L, D], per coordinate: α for a calibrated posterior, less for an over-confident one."""
    out = {}
    for level in levels:
        lo = np.quantile(posterior, (1 - level) / 2, axis=1)
        hi = np.quantile(posterior, (1 + level) / 2, axis=1)
        out[level] = ((theta >= lo) & (theta <= hi)).mean(axis=0)
    return out


def calibrate(binary: str, run_path: str, simulator: str, n: int, draws: int, work: Path, seed: int = 11) -> dict:
    """SBC and coverage of a trained conditional flow: n prior draws and their simulations (`tractable simulate`,
    the observations block of the stream, which no run trains on), `draws` posterior samples at each (leakage
    outside a box prior rejected as for C2ST). Returns ranks [n, D], their χ² p-values, coverage per level."""
    pairs = work / f"calibration-{simulator}-{seed}.h5"
    if not pairs.exists():
        run(binary, "simulate", simulator, "-n", n, "--seed", seed, "--out", pairs)
    with h5py.File(pairs, "r") as f:
        theta = f["parameters"][()].astype(np.float64)
    posterior, leakage = posterior_samples(binary, run_path, simulator, pairs, draws, work / "calibration-posterior.h5")
    ranks = sbc_ranks(theta, posterior)
    return {"ranks": ranks, "p_values": sbc_uniformity(ranks, draws), "coverage": expected_coverage(theta, posterior),
            "leakage": leakage, "n": n, "draws": draws}


def mmd_squared(a: np.ndarray, b: np.ndarray, scale: float = 1.0) -> float:
    """Unbiased MMD² (Gretton et al. 2012, eq. 3) with the inverse multiquadratic kernel
    k(u, v) = 1 / (1 + ‖u − v‖² / scale²): the diagonal terms are left out, so it can be slightly negative
    and its mean over draws of equal distributions is 0."""
    def kernel_mean(u, v, same):
        d2 = (u * u).sum(1)[:, None] + (v * v).sum(1)[None, :] - 2 * u @ v.T
        k = 1.0 / (1.0 + np.maximum(d2, 0.0) / scale**2)
        if same:
            n = len(u)
            return (k.sum() - np.trace(k)) / (n * (n - 1))
        return k.mean()
    return float(kernel_mean(a, a, True) + kernel_mean(b, b, True) - 2 * kernel_mean(a, b, False))


def run(binary: str, *args) -> None:
    """One `tractable` call; its output is kept back unless it fails (then it is the error)."""
    done = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, [binary, *args]))} exited {done.returncode}: {done.stderr.strip()}")


def official_data(task: str):
    """sbibm's own data for `task` (data/sbibm/sbibm_<task>.h5, made by cluster/fetch-sbibm.sh), or None."""
    path = Path(__file__).resolve().parents[1] / "data" / "sbibm" / f"sbibm_{task}.h5"
    return path if path.exists() else None


def official_observations(task: str, n: int, n_samples: int, out: Path) -> tuple:
    """sbibm's first n official observations written to `out` as /observations [n, C] (what `tractable sample
    --context` reads), and their reference posterior samples [n, n_samples, D] (sbibm ships 10,000 each)."""
    with h5py.File(official_data(task), "r") as f:
        x = np.concatenate([f[f"obs_{i}"][()] for i in range(1, n + 1)])
        ref = np.stack([f[f"ref_{i}"][:n_samples] for i in range(1, n + 1)])
    if not out.exists():
        with h5py.File(out, "w") as f:
            f["observations"] = x
    return x, ref


def observations(binary: str, simulator: str, n: int, seed: int, out: Path) -> np.ndarray:
    """n observations x_o of the simulator (prior draws, a block of the stream no run trains on): [n, C]."""
    if not out.exists():
        run(binary, "simulate", simulator, "-n", n, "--seed", seed, "--out", out)
    with h5py.File(out, "r") as f:
        return f["observations"][()]


def reference_posterior(binary: str, simulator: str, observation_file: Path, n: int, out: Path) -> tuple:
    """n reference draws per observation [R, n, D] and how they were drawn."""
    if not out.exists():
        run(binary, "simulate", simulator, "--reference-for", f"{observation_file}:/observations", "-n", n, "--out", out)
    with h5py.File(out, "r") as f:
        return f["reference"][()], str(f["reference"].attrs["method"])


def posterior_samples(binary: str, run_path: str, simulator: str, observation_file: Path, n: int, out: Path,
                      seed: int = 0) -> tuple:
    """n draws of the run's posterior at each observation [R, n, D], and the fraction of draws rejected for
    lying outside the prior's support (boxes only; sbi's leakage correction): drawn in rounds until every
    observation has n inside."""
    box = PRIOR_BOX.get(simulator)
    kept, drawn, rejected, round_ = None, 0, 0, 0
    while True:
        path = out.with_name(f"{out.stem}-{round_}.h5")
        run(binary, "sample", run_path, "-n", n, "--context", f"{observation_file}:/observations", "--seed",
            seed + round_, "--out", path, "--force")
        with h5py.File(path, "r") as f:
            s = f["samples"][()].astype(np.float64)
        path.unlink()
        inside = np.ones(s.shape[:2], bool) if box is None else ((s >= box[0]) & (s <= box[1])).all(-1)
        drawn += s.shape[0] * s.shape[1]
        rejected += int((~inside).sum())
        rows = [s[r][inside[r]] for r in range(s.shape[0])]
        kept = rows if kept is None else [np.concatenate([k, r]) for k, r in zip(kept, rows)]
        round_ += 1
        if min(len(k) for k in kept) >= n or round_ >= 20:
            break
    return np.stack([k[:n] for k in kept]), rejected / drawn
