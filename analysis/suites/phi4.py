"""Flow-based MCMC for lattice φ⁴ (Albergo, Kanwar & Shanahan 2019; the
tutorial arXiv 2101.08176): acceptance, ESS/N, τ_int and χ₂ with bootstrap
errors from the flow's independence-Metropolis chain and from the HMC baseline
of the same run, beside the tutorial's HMC reference."""
from __future__ import annotations

from pathlib import Path

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..verdict import Claim, FAILS, HOLDS, UNDECIDED, agrees  # noqa: E402
from . import SuiteResult  # noqa: E402


def ensemble_rows(repro) -> pd.DataFrame:
    rows = []
    for run in repro.finished_runs().values():
        t, e = run.spec["objective"]["target"], run.evals.iloc[-1]
        get = lambda k: float(e[k]) if k in e and pd.notna(e[k]) else np.nan  # noqa: E731
        rows.append({"L": int(t["side"]), "m²": float(t["mass_squared"]), "λ": float(t["coupling"]),
                     "steps": run.checkpoint_step, "ESS/N": get("ess_fraction"),
                     "flow acceptance": get("mcmc_flow_acceptance"), "flow τ_int": get("mcmc_flow_tau_int"),
                     "flow χ₂": get("mcmc_flow_chi2"), "flow χ₂ error": get("mcmc_flow_chi2_error"),
                     "HMC acceptance": get("mcmc_hmc_acceptance"), "HMC τ_int": get("mcmc_hmc_tau_int"),
                     "HMC χ₂": get("mcmc_hmc_chi2"), "HMC χ₂ error": get("mcmc_hmc_chi2_error"),
                     "flow MCMC s": get("mcmc_flow_seconds"), "HMC s": get("mcmc_hmc_seconds"), "path": run.path})
    return pd.DataFrame(rows).sort_values(["L", "λ"]).reset_index(drop=True) if rows else pd.DataFrame()


def chain_figure(path: Path, out: Path) -> Path:
    """Magnetisation traces and histograms: the flow's chain beside HMC's (first chain)."""
    with h5py.File(path, "r") as f:
        flow = f["eval/mcmc/flow_coordinate_sum"][()] if "eval/mcmc/flow_coordinate_sum" in f else None
        hmc = f["eval/mcmc/hmc_coordinate_sum"][()] if "eval/mcmc/hmc_coordinate_sum" in f else None
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for series, label in ((flow, "flow independence Metropolis"), (None if hmc is None else hmc[0], "HMC, chain 0")):
        if series is None:
            continue
        axes[0].plot(series[:1000], lw=0.7, label=label)
        axes[1].hist(series if label.startswith("flow") else hmc.ravel(), bins=60, density=True, histtype="step",
                     lw=1.3, label=label.replace(", chain 0", ", all chains"))
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("M = Σ_x φ(x)")
    axes[0].set_title("first 1000 steps")
    axes[1].set_xlabel("M")
    axes[1].set_title("distribution of the magnetisation")
    for ax in axes:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def analyse(repro, out_dir: Path) -> SuiteResult:
    result = SuiteResult()
    df = ensemble_rows(repro)
    if df.empty:
        result.notes.append("no finished runs yet")
        return result
    ref = repro.published["reference"]
    shown = df.drop(columns=["path"]).copy()
    is_reference = (shown["L"] == ref["side"]) & (shown["λ"] == ref["coupling"]) & (shown["m²"] == ref["mass_squared"])
    shown.insert(3, "published χ₂", np.where(is_reference, f"{ref['chi2']} ± {ref['chi2_error']}", "—"))
    result.tables.append(("χ₂ = Σ_x G_c(x) from the flow's chain and from HMC on the same action (errors: blocked "
                          "bootstrap); published: the tutorial's HMC", shown))
    texts = {c["id"]: c["text"] for c in repro.published.get("claims", [])}
    for _, r in df[is_reference.to_numpy()].iterrows():
        flow, flow_err, hmc, hmc_err = r["flow χ₂"], r["flow χ₂ error"], r["HMC χ₂"], r["HMC χ₂ error"]
        result.claims.append(Claim(texts["exact"], agrees(flow, flow_err, ref["chi2"], ref["chi2_error"]),
                                   f"flow χ₂ = {flow:.4f} ± {flow_err:.4f} vs {ref['chi2']} ± {ref['chi2_error']} "
                                   f"({abs(flow - ref['chi2']) / np.hypot(flow_err, ref['chi2_error']):.1f} σ); "
                                   f"acceptance {r['flow acceptance']:.2f}, ESS/N {r['ESS/N']:.2f}"))
        result.claims.append(Claim(texts["baseline"], agrees(hmc, hmc_err, ref["chi2"], ref["chi2_error"]),
                                   f"HMC χ₂ = {hmc:.4f} ± {hmc_err:.4f} vs {ref['chi2']} ± {ref['chi2_error']} "
                                   f"({abs(hmc - ref['chi2']) / np.hypot(hmc_err, ref['chi2_error']):.1f} σ)"))
    verdicts, evidence = [], []
    for _, r in df.iterrows():
        v = agrees(r["flow χ₂"], r["flow χ₂ error"], r["HMC χ₂"], r["HMC χ₂ error"])
        verdicts.append(v)
        evidence.append(f"L = {r['L']}, λ = {r['λ']:g}: flow {r['flow χ₂']:.4f} ± {r['flow χ₂ error']:.4f}, "
                        f"HMC {r['HMC χ₂']:.4f} ± {r['HMC χ₂ error']:.4f}")
    overall = FAILS if FAILS in verdicts else UNDECIDED if UNDECIDED in verdicts else HOLDS
    result.claims.append(Claim(texts["same-run"] + " (within 2σ combined)", overall, "; ".join(evidence)))
    first = df.iloc[0]
    result.figures.append((f"the magnetisation under both samplers (L = {first['L']}, λ = {first['λ']:g})",
                           chain_figure(first["path"], out_dir / "phi4_chains.png")))
    result.notes.append(
        "χ₂ is estimated as Var(M)/V with M = Σ_x φ(x), which equals Σ_x G_c(x) on a translation-invariant "
        "ensemble. τ_int by Sokal's automatic window (c = 5); bootstrap over blocks of ⌈4 τ_int⌉ steps. "
        "Conditioners: periodic CNNs (the tutorial's architecture), trained far shorter than the tutorial.")
    return result
