"""Side by side with PyTorch: `tractable bench W` and shared/bench/torch_ref.py W,
alternating in one invocation, each on one thread, several repeats; medians and
the ratio ours / PyTorch per workload, the targets of issue 8, achieved GFLOP/s
against the sgemm measured in the same run, peak RSS and RSS growth.

python3 -m analysis bench [--repeats 5] [--torch-ref PATH] [--growth-steps N] [--ieee-subnormals]

Both sides run in the same subnormal mode (flushed by default, PyTorch's
torch.set_flush_denormal(True); --ieee-subnormals keeps them on both), and the
table's first line states the conditions: CPU, the BLAS and the kernel it runs,
OPENBLAS_CORETYPE, and the subnormal mode each side was observed in.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from pathlib import Path

WORKLOADS = ["realnvp2d-train", "maf8d-train", "maf8d-density", "maf8d-sample", "vae-mnist-train", "iwae50-mnist-train"]
# Ratio ours / PyTorch that each workload must reach (issue 8).
TARGETS = {"realnvp2d-train": 3.0, "maf8d-train": 2.0, "maf8d-density": 2.0, "maf8d-sample": 2.0,
           "vae-mnist-train": 1.3, "iwae50-mnist-train": 1.3}
# GEMM-bound workloads: their dense-layer GFLOP/s must reach this fraction of the sgemm of the same run.
SGEMM_FRACTION_TARGETS = {"vae-mnist-train": 0.6, "iwae50-mnist-train": 0.6}


def one_thread_env() -> dict:
    env = dict(os.environ)  # OPENBLAS_CORETYPE is the machine's: kept as it is
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def run_json(command: list[str], env: dict) -> dict:
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(command)} printed no JSON line: {out}")
    return json.loads(lines[-1])


def default_torch_ref() -> Path:
    return Path(__file__).resolve().parents[2] / "shared" / "bench" / "torch_ref.py"


# The peers' own scripts beside this package (bench/): PyTorch 2 under torch.compile, and JAX.
BENCH_DIR = Path(__file__).resolve().parents[1] / "bench"
COMPILE_MODES = ["default", "max-autotune-no-cudagraphs"]
PEER_GOAL = 1.5  # issue 29: ours at least 1.5x the fastest peer setting at one thread


FLOW_WORKLOADS = WORKLOADS[:4]  # FlowJAX's own flows cover these; it has no VAE


def peer_commands(python: str, torch_ref: str, compiled: bool, jax_python: str | None,
                  flowjax_python: str | None = None,
                  continuity_python: str | None = None) -> list[tuple[str, list[str], list[str]]]:
    """The peer settings beside PyTorch eager: (side, command before the workload's arguments, its workloads).
    continuity_python: a Python with another PyTorch (Debian's 1.13) running the same torch_ref.py, for
    continuity with the ratios measured before the current peers."""
    sides = []
    if continuity_python:
        sides.append(("pytorch-continuity", [continuity_python, torch_ref], WORKLOADS))
    if compiled:
        sides += [(f"pytorch-compile-{mode}", [python, str(BENCH_DIR / "torch_compiled.py"), "--mode", mode,
                                                "--torch-ref", torch_ref], WORKLOADS) for mode in COMPILE_MODES]
    if jax_python:
        sides.append(("jax", [jax_python, str(BENCH_DIR / "jax_ref.py")], WORKLOADS))
    if flowjax_python:
        sides.append(("flowjax", [flowjax_python, str(BENCH_DIR / "flowjax_ref.py")], FLOW_WORKLOADS))
    return sides


def threads_env(threads: int) -> dict:
    """All cores: every side's thread pools at `threads` (Kokkos's OpenMP with an active wait, whose BLAS then
    runs Kokkos's thread count; PyTorch's intra-op pool; XLA's, pinned by jax_ref.py)."""
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), OMP_WAIT_POLICY="active",
               OMP_PROC_BIND="false")
    env.pop("OPENBLAS_NUM_THREADS", None)
    return env


def measure(binary: str, torch_ref: str, repeats: int, steps: int | None = None,
            ieee_subnormals: bool = False, python: str = "/usr/bin/python3",
            peers: list[tuple[str, list[str], list[str]]] | None = None, threads: int = 1,
            threaded_binary: str | None = None) -> list[dict]:
    """Every repeat runs sgemm, then each workload ours, PyTorch eager and every other peer setting in turn, so
    drifts hit all sides alike; all flush subnormals, or (ieee_subnormals, PyTorch eager only) both keep them.
    `python` runs torch_ref.py: Debian's (PyTorch 1.13), or a virtual environment's with a current PyTorch
    (cluster/bench.sh --peers), which also runs `peers` (peer_commands). threads > 1: every side on that many
    threads, ours as `threaded_binary` (a Kokkos OpenMP build: cluster/test-openmp.sh's build-openmp/)."""
    peers = peers or []
    if ieee_subnormals and peers:
        raise ValueError("--ieee-subnormals: only PyTorch eager can keep subnormals; the other peers flush them")
    if threads > 1 and not threaded_binary:
        raise ValueError("threads > 1 needs a Kokkos OpenMP build of tractable (--openmp-bin)")
    env = one_thread_env()
    side_env = threads_env(threads) if threads > 1 else env
    ours_binary = threaded_binary if threads > 1 else binary
    ours_mode = ["--subnormals", "ieee" if ieee_subnormals else "flush"]
    torch_mode = ["--no-flush-denormal"] if ieee_subnormals else []
    rows = []
    for r in range(repeats):
        rows.append(dict(run_json([binary, "bench", "sgemm"] + ours_mode, env), side="ours", repeat=r))
        for w in WORKLOADS:
            extra = ["--steps", str(steps)] if steps and w.endswith("-train") else []
            rows.append(dict(run_json([ours_binary, "bench", w] + extra + ours_mode, side_env), side="ours", repeat=r))
            rows.append(dict(run_json([python, torch_ref, w, "--threads", str(threads)] + extra + torch_mode, side_env),
                             side="pytorch", repeat=r))
            for side, command, workloads in peers:
                if w not in workloads:
                    continue
                rows.append(dict(run_json(command + [w, "--threads", str(threads)] + extra, side_env), side=side,
                                 repeat=r))
    return rows


def peer_table(rows: list[dict]) -> list[dict]:
    """Per workload: every side's median, the fastest peer setting, and ours / fastest against PEER_GOAL. A peer
    that did not flush subnormals is refused: the ratio would compare two arithmetics."""
    sides = [s for s in dict.fromkeys(r["side"] for r in rows) if s != "ours"]
    for r in rows:
        if r["side"] != "ours" and r.get("flush_denormal") is False and r["side"] != "pytorch":
            raise ValueError(f"{r['side']} kept subnormals on {r['workload']}; the sides were not measured alike")
    table = []
    for w in WORKLOADS:
        ran = [s for s in ["ours"] + sides if any(r["workload"] == w and r["side"] == s for r in rows)]
        median = {s: statistics.median(r["value"] for r in rows if r["workload"] == w and r["side"] == s)
                  for s in ran}
        compile_seconds = {s: statistics.median(r["compile_seconds"] for r in rows
                                                if r["workload"] == w and r["side"] == s)
                           for s in ran[1:] if any("compile_seconds" in r for r in rows if r["side"] == s)}
        fastest = max(ran[1:], key=lambda s: median[s])
        ratio = median["ours"] / median[fastest]
        table.append({"workload": w, "values": median, "fastest": fastest, "ratio": ratio, "met": ratio >= PEER_GOAL,
                      "compile_seconds": compile_seconds})
    return table


def peer_markdown(table: list[dict], rows: list[dict]) -> str:
    """The peer table; a side that does not provide a workload (FlowJAX has no VAE) shows "—" there."""
    sides = list(dict.fromkeys(s for t in table for s in t["values"]))
    impl = {s: next(r.get("impl", s) for r in rows if r["side"] == s) for s in sides if s != "ours"}
    lines = ["Peer settings: " + "; ".join(f"{s} = {impl[s]}" for s in sides if s != "ours") + ".", "",
             "| workload | " + " | ".join(sides) + " | fastest peer | ours / fastest | ≥ 1.5× |",
             "|---|" + "---|" * (len(sides) + 3)]
    for t in table:
        cells = ["—" if s not in t["values"] else
                 f"{t['values'][s]:.1f}" + (f" ({t['compile_seconds'][s]:.0f} s compile)" if s in t["compile_seconds"]
                                            else "") for s in sides]
        lines.append(f"| {t['workload']} | " + " | ".join(cells) + f" | {t['fastest']} | **{t['ratio']:.2f}×** | "
                     f"{'yes' if t['met'] else 'no'} |")
    return "\n".join(lines)


def conditions(rows: list[dict]) -> dict:
    """What the measurement ran under, from the rows themselves; raises when the two sides differ in
    subnormal mode (a ratio is only meaningful measured both sides alike)."""
    ours = [r for r in rows if r["side"] == "ours"]
    torch = [r for r in rows if r["side"] == "pytorch"]
    ours_modes = {r.get("subnormals", "unknown") for r in ours} | {r.get("subnormals_blas", "unknown") for r in ours}
    torch_modes = {"flush" if r.get("flush_denormal") else "ieee" for r in torch}
    if len(ours_modes) != 1 or len(torch_modes) > 1 or (torch_modes and torch_modes != ours_modes):
        raise ValueError(f"subnormal modes differ: ours (kernels, BLAS) {sorted(ours_modes)}, "
                         f"PyTorch {sorted(torch_modes)}; the sides were not measured alike")
    first = ours[0]
    return {"cpu": first.get("cpu", "unknown"), "cpu_isa": first.get("cpu_isa", "unknown"),
            "build_isa": first.get("build_isa") or "unknown",
            "blas": first.get("blas", "unknown"), "blas_kernel": first.get("blas_kernel", "unknown"),
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "(not set)"),
            "subnormals": next(iter(ours_modes))}


def summarise(rows: list[dict]) -> list[dict]:
    sgemm = statistics.median(r["gflops"] for r in rows if r["workload"] == "sgemm")
    table = []
    for w in WORKLOADS:
        ours = [r for r in rows if r["workload"] == w and r["side"] == "ours"]
        torch = [r for r in rows if r["workload"] == w and r["side"] == "pytorch"]
        ours_value = statistics.median(r["value"] for r in ours)
        torch_value = statistics.median(r["value"] for r in torch)
        gflops = statistics.median(r["gflops"] for r in ours)
        ratio = ours_value / torch_value
        table.append({
            "workload": w, "metric": ours[0]["metric"], "ours": ours_value, "pytorch": torch_value, "ratio": ratio,
            "target": TARGETS[w], "met": ratio >= TARGETS[w], "ours_gflops": gflops,
            "pytorch_gflops": gflops * torch_value / ours_value, "sgemm_fraction": gflops / sgemm,
            "peak_rss_mib": max(r["peak_rss_mib"] for r in ours), "repeats": len(ours),
            "sgemm_fraction_target": SGEMM_FRACTION_TARGETS.get(w),
            "sgemm_fraction_met": gflops / sgemm >= SGEMM_FRACTION_TARGETS[w] if w in SGEMM_FRACTION_TARGETS else None,
        })
    return table


def markdown(table: list[dict], rows: list[dict]) -> str:
    sgemm = statistics.median(r["gflops"] for r in rows if r["workload"] == "sgemm")
    torch_impl = next(r["impl"] for r in rows if r["side"] == "pytorch")
    threads = next(int(r.get("threads", 1)) for r in rows if r["side"] == "pytorch")
    ours = next(r for r in rows if r["side"] == "ours" and r["workload"] != "sgemm")
    c = conditions(rows)
    lines = [
        f"Conditions: CPU {c['cpu']} ({c['cpu_isa']}, {platform.machine()}); ours compiled for {c['build_isa']}; "
        f"BLAS {c['blas']}, kernel {c['blas_kernel']}, "
        f"OPENBLAS_CORETYPE {c['openblas_coretype']}; subnormals {c['subnormals']} on both sides; {torch_impl}.",
        ("One thread each" if threads == 1 else
         f"{threads} threads each (ours: Kokkos {ours.get('kokkos', '?')} with {ours.get('threads', '?')} "
         f"threads, its BLAS {ours.get('blas_threads', '?')})") +
        f", medians of {table[0]['repeats']} alternating repeats; "
        f"single-thread sgemm (512³, same run): {sgemm:.1f} GFLOP/s.",
        "",
        "| workload | metric | ours | PyTorch | ours / PyTorch | target | met | ours GFLOP/s (% of sgemm) | peak RSS (MiB) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t in table:
        lines.append(
            f"| {t['workload']} | {t['metric']} | {t['ours']:.1f} | {t['pytorch']:.1f} | **{t['ratio']:.2f}×** | "
            f"≥ {t['target']:.1f}× | {'yes' if t['met'] else 'no'} | {t['ours_gflops']:.1f} ({100 * t['sgemm_fraction']:.0f} %"
            + (f", target ≥ {100 * t['sgemm_fraction_target']:.0f} %: {'yes' if t['sgemm_fraction_met'] else 'no'}"
               if t['sgemm_fraction_target'] else "") + ") | "
            f"{t['peak_rss_mib']:.0f} |")
    return "\n".join(lines)


def memory_growth(binary: str, steps: int, ieee_subnormals: bool = False) -> list[dict]:
    """RSS growth over `steps` training steps after warm-up, per training workload (0 = no growth)."""
    env = one_thread_env()
    mode = ["--subnormals", "ieee" if ieee_subnormals else "flush"]
    return [run_json([binary, "bench", w, "--steps", str(steps)] + mode, env) for w in WORKLOADS if w.endswith("-train")]
