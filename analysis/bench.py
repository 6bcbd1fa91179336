"""Side by side with PyTorch: `tractable bench W` and shared/bench/torch_ref.py W,
alternating in one invocation, each on one thread, several repeats; medians and
the ratio ours / PyTorch per workload, the targets of issue 8, achieved GFLOP/s
against the sgemm measured in the same run, peak RSS and RSS growth.

python3 -m analysis bench [--repeats 5] [--torch-ref PATH] [--growth-steps N]
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


def measure(binary: str, torch_ref: str, repeats: int, steps: int | None = None) -> list[dict]:
    """Every repeat runs sgemm, then each workload ours-then-PyTorch, so drifts hit both sides alike."""
    env = one_thread_env()
    rows = []
    for r in range(repeats):
        rows.append(dict(run_json([binary, "bench", "sgemm"], env), side="ours", repeat=r))
        for w in WORKLOADS:
            extra = ["--steps", str(steps)] if steps and w.endswith("-train") else []
            rows.append(dict(run_json([binary, "bench", w] + extra, env), side="ours", repeat=r))
            rows.append(dict(run_json(["/usr/bin/python3", torch_ref, w, "--threads", "1"] + extra, env),
                             side="pytorch", repeat=r))
    return rows


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
        })
    return table


def markdown(table: list[dict], rows: list[dict]) -> str:
    sgemm = statistics.median(r["gflops"] for r in rows if r["workload"] == "sgemm")
    torch_impl = next(r["impl"] for r in rows if r["side"] == "pytorch")
    lines = [
        f"One thread each, medians of {table[0]['repeats']} alternating repeats; "
        f"single-thread sgemm (512³, same run): {sgemm:.1f} GFLOP/s; {torch_impl}; {platform.processor() or platform.machine()}.",
        "",
        "| workload | metric | ours | PyTorch | ours / PyTorch | target | met | ours GFLOP/s (% of sgemm) | peak RSS (MiB) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t in table:
        lines.append(
            f"| {t['workload']} | {t['metric']} | {t['ours']:.1f} | {t['pytorch']:.1f} | **{t['ratio']:.2f}×** | "
            f"≥ {t['target']:.1f}× | {'yes' if t['met'] else 'no'} | {t['ours_gflops']:.1f} ({100 * t['sgemm_fraction']:.0f} %) | "
            f"{t['peak_rss_mib']:.0f} |")
    return "\n".join(lines)


def memory_growth(binary: str, steps: int) -> list[dict]:
    """RSS growth over `steps` training steps after warm-up, per training workload (0 = no growth)."""
    env = one_thread_env()
    return [run_json([binary, "bench", w, "--steps", str(steps)], env) for w in WORKLOADS if w.endswith("-train")]
