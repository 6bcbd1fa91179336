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
# The prior's support where it is bounded, per coordinate (sbi rejects posterior samples outside it: leakage).
PRIOR_BOX = {"two_moons": (-1.0, 1.0), "slcp": (-3.0, 3.0), "slcp_distractors": (-3.0, 3.0),
             "gaussian_linear_uniform": (-1.0, 1.0), "gaussian_mixture": (-10.0, 10.0),
             "sir": (0.0, np.inf), "lotka_volterra": (0.0, np.inf)}


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


def _c2st_pair(pair):
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1):  # one BLAS thread per process: several spin-waiting threads cost more than they give
        return c2st(*pair)


def c2st_many(pairs: list, processes: int = 0, cache: Path | None = None) -> list:
    """c2st of each (reference, samples) pair, in `processes` worker processes (0: one per core), in order: the
    classifiers are independent, and a C2ST of 2,000 samples a side in 10-D takes about 40 s here. With
    `cache` (a JSON file), scores are kept under a hash of both arrays, so a report written again from the same
    samples classifies nothing twice."""
    import hashlib
    import json
    import os
    from concurrent.futures import ProcessPoolExecutor

    def key(pair):
        h = hashlib.sha256()
        for a in pair:
            a = np.ascontiguousarray(a, dtype=np.float64)
            h.update(str(a.shape).encode())
            h.update(a.tobytes())
        return h.hexdigest()

    known = json.loads(cache.read_text()) if cache is not None and cache.exists() else {}
    keys = [key(p) for p in pairs]
    todo = [i for i, k in enumerate(keys) if k not in known]
    workers = processes or os.cpu_count() or 1
    if workers == 1 or len(todo) < 2:
        scores = [c2st(*pairs[i]) for i in todo]
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(todo))) as pool:
            scores = list(pool.map(_c2st_pair, [pairs[i] for i in todo]))
    for i, score in zip(todo, scores):
        known[keys[i]] = score
    if cache is not None and todo:
        partial = cache.with_suffix(cache.suffix + ".partial")
        partial.write_text(json.dumps(known))
        partial.replace(cache)  # whole or not at all
    return [known[k] for k in keys]


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


# Tasks that share another task's file: bernoulli_glm_raw observes the spike trains (obs_raw_<n>) of
# bernoulli_glm's official observations, and has its reference samples.
_SHARED_FILES = {"bernoulli_glm_raw": ("bernoulli_glm", "obs_raw_")}
SBIBM_DATA = Path(__file__).resolve().parents[1] / "data" / "sbibm"


def official_data(task: str):
    """sbibm's own data for `task` (data/sbibm/sbibm_<task>.h5, made by cluster/fetch-sbibm.sh), or None."""
    path = SBIBM_DATA / f"sbibm_{_SHARED_FILES.get(task, (task,))[0]}.h5"
    return path if path.exists() else None


def official_observations(task: str, n: int, n_samples: int, out: Path) -> tuple:
    """sbibm's first n official observations written to `out` as /observations [n, C] (what `tractable sample
    --context` reads), and their reference posterior samples [n, n_samples, D] (sbibm ships 10,000 each)."""
    with h5py.File(official_data(task), "r") as f:
        prefix = _SHARED_FILES.get(task, (task, "obs_"))[1]
        x = np.concatenate([f[f"{prefix}{i}"][()] for i in range(1, n + 1)])
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
