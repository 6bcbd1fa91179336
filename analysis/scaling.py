"""Data-parallel scaling, measured and projected. Runs each workload of
shared/BENCHMARKS.md that trains (realnvp2d-train, vae-mnist-train,
iwae50-mnist-train) with the `tractable` binary on 1 and on 2 MPI ranks at the
same global batch, alternating, several repeats, and reads the training speed
and the share of step time spent in the gradient all-reduce from the run
files. Then a cost model from those measurements projects efficiency to 64 and
512 ranks:
    t_step(N) = t_compute / N + t_allreduce(N),
    t_allreduce(N) = 2 (N − 1) α + 2 (N − 1)/N · S / β        (ring all-reduce),
with S the gradient size in bytes, and α, β an interconnect's latency and
bandwidth (stated assumptions, not measurements of this machine)."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .runfile import load_run

REPO = Path(__file__).resolve().parents[1]
QUIET_VAE_EVAL = ["objective.eval_importance_samples=1", "objective.eval_bounds=[1]", "objective.eval_test_points=1",
                  "objective.amortization_gap_points=0", "output.n_samples=0", "output.n_data_points=0"]
WORKLOADS = {
    "realnvp2d-train": ("quickstart.json", 2000, ["training.batch_size=512", "model.scale_bound=1",
                                                   "optimizer.lr=1e-3", "optimizer.clip_grad_norm=0",
                                                   "optimizer.schedule.type=constant",
                                                   "optimizer.schedule.warmup_steps=0", "output.n_samples=0",
                                                   "output.density_grid=0", "output.n_data_points=0"]),
    "vae-mnist-train": ("vae/vae_mnist.json", 1000, ["training.batch_size=100"] + QUIET_VAE_EVAL),
    "iwae50-mnist-train": ("vae/iwae_mnist.json", 200, ["training.batch_size=20", "objective.samples=50"] + QUIET_VAE_EVAL),
}
# Assumed interconnect for the projection: InfiniBand HDR-class, α = 2 µs per message, β = 12 GB/s per link.
ALPHA, BETA = 2e-6, 12e9


def measure_once(binary, workload, ranks, out_dir) -> dict:
    spec, steps, overrides = WORKLOADS[workload]
    path = Path(out_dir) / f"{workload}-{ranks}.h5"
    cmd = [str(binary), "run", str(REPO / "experiments" / spec), "--out", str(path), "--quiet", "--force",
           "--set", f"training.steps={steps}", "--set", f"training.log_every={steps // 5}",
           "--set", "training.eval_every=0", "--set", f"training.checkpoint_every={steps}"]
    for o in overrides:
        cmd += ["--set", o]
    if ranks > 1:
        cmd = ["mpiexec", "-n", str(ranks), "--oversubscribe"] + cmd
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    run = load_run(path)
    m = run.metrics.iloc[1:]  # the first window includes start-up
    params = sum(int(np.prod(s)) for s in _shapes(path))
    return {"workload": workload, "ranks": ranks, "steps_per_second": float(m["steps_per_second"].median()),
            "allreduce_fraction": float(m["allreduce_fraction"].median()), "parameters": params,
            "global_batch": int(run.spec["training"]["batch_size"])}


def _shapes(path):
    import h5py
    import json
    with h5py.File(path, "r") as f:
        return [json.loads(s) for s in f["checkpoint/parameter_shapes"].asstr()[()]]


def measure(binary, repeats=3, workloads=tuple(WORKLOADS), out_dir=None) -> pd.DataFrame:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            for w in workloads:
                for ranks in (1, 2):  # alternating, so drift on a noisy machine hits both alike
                    rows.append(measure_once(binary, w, ranks, out_dir or tmp))
    return pd.DataFrame(rows)


def summarise(raw: pd.DataFrame) -> pd.DataFrame:
    med = raw.groupby(["workload", "ranks"]).median(numeric_only=True).reset_index()
    out = []
    for w, g in med.groupby("workload"):
        one, two = g[g.ranks == 1].iloc[0], g[g.ranks == 2].iloc[0]
        t1, t2 = 1 / one.steps_per_second, 1 / two.steps_per_second
        comm2 = two.allreduce_fraction * t2
        size = 4 * one.parameters  # fp32 gradients
        row = {"workload": w, "parameters": int(one.parameters), "global batch": int(one.global_batch),
               "1 rank steps/s": one.steps_per_second, "2 ranks steps/s": two.steps_per_second,
               "speed-up (2 vs 1)": t1 / t2, "all-reduce share (2 ranks)": two.allreduce_fraction,
               "all-reduce ms (2 ranks)": 1e3 * comm2}
        for n in (64, 512):
            allreduce = 2 * (n - 1) * ALPHA + 2 * (n - 1) / n * size / BETA
            strong = t1 / (n * (t1 / n + allreduce))        # same global batch split N ways
            weak = t1 / (t1 + allreduce)                    # the per-rank batch kept, global batch × N
            row[f"projected efficiency {n} (same global batch)"] = strong
            row[f"projected efficiency {n} (batch per rank kept)"] = weak
        out.append(row)
    return pd.DataFrame(out)


def against_pytorch(binary, torch_ref, repeats=3, workloads=tuple(WORKLOADS)) -> list[dict]:
    """Two of ours against two of PyTorch's: `tractable bench W` on 1 and on 2 MPI ranks (one BLAS thread
    each, the same global batch) beside shared/bench/torch_ref.py W with --threads 1 and 2, the same
    timing loop on both sides, alternating, subnormals flushed on both sides. Raw JSON lines."""
    from .bench import one_thread_env, run_json
    env = dict(one_thread_env(), OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    rows = []
    for r in range(repeats):
        for w in workloads:
            for n in (1, 2):
                ours = [str(binary), "bench", w]
                if n > 1:
                    ours = ["mpiexec", "-n", str(n), "--oversubscribe"] + ours
                rows.append(dict(run_json(ours, env), side="ours", parallel=n, repeat=r))
                # PyTorch's n threads: torch.set_num_threads(n) sets its intra-op pool; its matmuls call
                # libblas.so.3, whose pthreads follow OPENBLAS_NUM_THREADS. Both settings of the BLAS are
                # measured (n threads there too oversubscribes the cores) and the table takes the faster.
                for blas_threads in sorted({1, n}):
                    threads = dict(env, OPENBLAS_NUM_THREADS=str(blas_threads), OMP_NUM_THREADS=str(n))
                    rows.append(dict(run_json(["/usr/bin/python3", str(torch_ref), w, "--threads", str(n)], threads),
                                     side="pytorch", parallel=n, blas_threads=blas_threads, repeat=r))
    return rows


def against_pytorch_table(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if "blas_threads" not in df:
        df["blas_threads"] = 1
    df["blas_threads"] = df["blas_threads"].fillna(1).astype(int)
    med = df.groupby(["workload", "side", "parallel", "blas_threads"])["value"].median()
    out = []
    for w in dict.fromkeys(df.workload):
        o1, o2, p1 = med[(w, "ours", 1, 1)], med[(w, "ours", 2, 1)], med[(w, "pytorch", 1, 1)]
        p2_blas1 = med[(w, "pytorch", 2, 1)]
        p2_blas2 = med.get((w, "pytorch", 2, 2), float("nan"))
        p2 = max(p2_blas1, p2_blas2) if p2_blas2 == p2_blas2 else p2_blas1  # the faster PyTorch setting
        out.append({"workload": w, "ours 1 rank": o1, "ours 2 ranks": o2, "ours speed-up": o2 / o1,
                    "PyTorch 1 thread": p1, "PyTorch 2 threads, BLAS 1": p2_blas1, "PyTorch 2 threads, BLAS 2": p2_blas2,
                    "PyTorch speed-up": p2 / p1, "ours 2 ranks / PyTorch 2 threads": o2 / p2})
    return pd.DataFrame(out)


def table_markdown(table: pd.DataFrame) -> str:
    """A table of this module as Markdown: names as they are, ratios (a column named with "/" or "speed-up") as
    1.23×, steps/s to one decimal."""
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for _, row in table.iterrows():
        cells = [v if isinstance(v, str) else f"{v:.2f}×" if "speed-up" in c or "/" in c else f"{v:.1f}"
                 for c, v in row.items()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# Ranks against threads on one node: every way of spending the 2 cores of this machine kind on one training step.
LAYOUTS = [("Serial, 1 rank", "serial", 1, 1), ("Serial, 2 ranks", "serial", 2, 1),
           ("OpenMP, 1 rank × 1 thread", "openmp", 1, 1), ("OpenMP, 2 ranks × 1 thread", "openmp", 2, 1),
           ("OpenMP, 1 rank × 2 threads", "openmp", 1, 2)]
TRAINING_WORKLOADS = ["realnvp2d-train", "maf8d-train", "vae-mnist-train", "iwae50-mnist-train"]


def ranks_threads(binary, openmp_binary, repeats=3, workloads=tuple(TRAINING_WORKLOADS)) -> list[dict]:
    """`tractable bench W` in every layout of LAYOUTS, alternating, the same global batch: ranks through
    mpiexec (bound to a core each, OpenMPI's default for 2 ranks), threads through OMP_NUM_THREADS with an
    active wait (GNU OpenMP's default lets its threads sleep between a step's many short kernels), the BLAS
    on Kokkos's thread count (OPENBLAS_NUM_THREADS unset: parallel/runtime.cpp sets it). Raw JSON lines."""
    from .bench import run_json, threads_env
    as_root = dict(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    rows = []
    for r in range(repeats):
        for w in workloads:
            for layout, build, ranks, threads in LAYOUTS:
                command = [str(binary if build == "serial" else openmp_binary), "bench", w]
                if ranks > 1:
                    command = ["mpiexec", "-n", str(ranks)] + command
                rows.append(dict(run_json(command, dict(threads_env(threads), **as_root)), layout=layout,
                                 ranks=ranks, threads_per_rank=threads, repeat=r))
    return rows


def ranks_threads_table(rows: list[dict]) -> pd.DataFrame:
    """Per workload the median steps/s of every layout, the fastest layout, and it against one core."""
    df = pd.DataFrame(rows)
    med = df.groupby(["workload", "layout"])["value"].median()
    out = []
    for w in dict.fromkeys(df.workload):
        row = {"workload": w}
        row.update({layout: med[(w, layout)] for layout, *_ in LAYOUTS if (w, layout) in med})
        fastest = max((layout for layout, *_ in LAYOUTS if layout in row), key=lambda layout: row[layout])
        row.update({"fastest": fastest, "fastest / Serial 1 rank": row[fastest] / row["Serial, 1 rank"]})
        out.append(row)
    return pd.DataFrame(out)


