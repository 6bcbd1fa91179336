"""The seed's claims (shared/vae-and-flows.md), each decided on the runs of the
seed-claims suite: MAF/IAF duality (throughput of both directions), mode-seeking
vs mode-covering (modes holding samples), the amortisation gap, the Gaussian
decoder's closed form, and Knothe–Rosenblatt (NLL vs the true entropy)."""
from __future__ import annotations

import math
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from ..claims import duality_ratios, mode_masses, modes_covered, throughput
from ..plots import plot_density_2d
from ..verdict import Claim, UNDECIDED, at_most, from_bool
from . import SuiteResult


def _runs_of(repro, sweep_suffix: str) -> list:
    """Finished runs of the sweep whose name ends with `sweep_suffix` (small and paper sweeps differ in suffix)."""
    return [run for (name, _), run in sorted(repro.finished_runs().items(), key=lambda kv: kv[0])
            if name.removesuffix("-paper").endswith(sweep_suffix)]


def checkpoint_parameter(path: Path, suffix: str) -> np.ndarray | None:
    """A parameter slice by the end of its name, from the run file's checkpoint (None when absent)."""
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["checkpoint/parameter_names"][()]]
        offsets = f["checkpoint/parameter_offsets"][()]
        values = f["checkpoint/parameters"]
        for i, name in enumerate(names):
            if name.endswith(suffix):
                end = offsets[i + 1] if i + 1 < len(offsets) else values.shape[0]
                return values[int(offsets[i]):int(end)]
    return None


def gaussian_log_likelihood(x: np.ndarray, mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """The closed form: log N(x; μ, diag v) = −½ Σ_d [(x_d − μ_d)² / v_d + log(2π v_d)], per row."""
    return -0.5 * (((x - mean) ** 2) / variance + np.log(2 * math.pi * variance)).sum(axis=1)


def decoder_variance(run) -> np.ndarray:
    decoder = run.spec["model"]["decoder"]
    if decoder.get("variance") == "learned":
        log_v = checkpoint_parameter(run.path, "log_variance")
        if log_v is None:
            raise KeyError(f"{run.path}: no learned log_variance in the checkpoint")
        return np.exp(log_v.astype(np.float64))
    return np.full(run.dim, float(decoder.get("fixed_variance", 1.0)))


def analyse(repro, out_dir: Path) -> SuiteResult:
    result = SuiteResult()
    published = {c["id"]: c for c in repro.published.get("claims", [])}
    rows = []

    # MAF/IAF: density and sampling throughput of both arrangements of the same MADE steps.
    runs = {run.spec["model"]["layers"][0]["type"]: run for run in _runs_of(repro, "maf-vs-iaf")}
    if {"maf", "iaf"} <= set(runs):
        t = {kind: throughput(repro.binary, runs[kind].path) for kind in ("maf", "iaf")}
        maf, iaf = duality_ratios(t["maf"], t["iaf"])
        need = float(published.get("maf-vs-iaf", {}).get("threshold", 2.0))
        result.claims.append(Claim(published["maf-vs-iaf"]["text"], from_bool(maf > need and iaf > need),
                                   f"MAF density {t['maf']['density_points_per_second']:,.0f} vs sampling "
                                   f"{t['maf']['sampling_points_per_second']:,.0f} points/s ({maf:.1f}×); IAF sampling "
                                   f"{t['iaf']['sampling_points_per_second']:,.0f} vs density "
                                   f"{t['iaf']['density_points_per_second']:,.0f} points/s ({iaf:.1f}×); both must exceed {need:g}×"))
        rows += [{"claim": "maf-vs-iaf", "quantity": "MAF density/sampling speed ratio", "ours": maf, "published": f"> {need:g} (sequential vs parallel)"},
                 {"claim": "maf-vs-iaf", "quantity": "IAF sampling/density speed ratio", "ours": iaf, "published": f"> {need:g}"}]

    # Modes: forward KL (data) against reverse KL (the exact density) with the same flow, over seeds.
    forward, reverse = _runs_of(repro, "modes-forward"), _runs_of(repro, "modes-reverse")
    if forward and reverse:
        covered, imbalance = {}, {}
        for kind, runs_of_kind in (("forward", forward), ("reverse", reverse)):
            masses = [mode_masses(run.last_samples()) for run in runs_of_kind]
            covered[kind] = [modes_covered(m) for m in masses]
            # Total variation between the mode masses (renormalised) and the mixture's equal weights.
            imbalance[kind] = [0.5 * float(np.abs(m / m.sum() - 1 / len(m)).sum()) for m in masses]
            rows.append({"claim": "modes", "quantity": f"{kind} KL: modes holding ≥ 5 % of the samples, per seed",
                         "ours": ", ".join(map(str, covered[kind])), "published": "forward > reverse"})
            rows.append({"claim": "modes", "quantity": f"{kind} KL: TV distance of the mode masses from equal weights",
                         "ours": float(np.mean(imbalance[kind])), "published": "(reverse KL under-weights modes)"})
            result.figures.append((f"{kind} KL on 8gaussians (first seed): data or target, density, samples",
                                   plot_density_2d(runs_of_kind[0], out_dir / f"modes_{kind}.png")))
        fwd, rev = float(np.mean(covered["forward"])), float(np.mean(covered["reverse"]))
        result.claims.append(Claim(published["modes"]["text"], from_bool(fwd > rev),
                                   f"modes covered, mean over {len(forward)} and {len(reverse)} seeds: forward KL "
                                   f"{fwd:.2f} of 8, reverse KL {rev:.2f}; mode-mass imbalance (TV from equal weights) "
                                   f"forward {np.mean(imbalance['forward']):.3f}, reverse {np.mean(imbalance['reverse']):.3f}"))

    # Gaussian VAE: the decoder's log-likelihood against its closed form, and the amortisation gap.
    for run in _runs_of(repro, "gaussian-vae"):
        e = run.evals.iloc[-1]
        gap = float(e.get("amortization_gap", np.nan))
        rows.append({"claim": "amortisation-gap", "quantity": "ELBO gained by optimising q per example (nats)",
                     "ours": gap, "published": "> 0"})
        result.claims.append(Claim(published["amortisation-gap"]["text"],
                                   UNDECIDED if math.isnan(gap) else from_bool(gap > 0),
                                   f"encoder ELBO {float(e.get('amortized_elbo', np.nan)):.2f}, per-example optimised "
                                   f"{float(e.get('optimized_elbo', np.nan)):.2f}: gap {gap:.2f} nats"))
        with h5py.File(run.path, "r") as f:
            framework = f["eval/reconstruction_log_likelihood"][()] if "eval/reconstruction_log_likelihood" in f else None
        if framework is not None and run.reconstruction_inputs is not None:
            variance = decoder_variance(run)
            closed = gaussian_log_likelihood(run.reconstruction_inputs, run.reconstructions, variance)
            worst = float(np.max(np.abs(closed - framework) / np.maximum(1.0, np.abs(closed))))
            squared = float(np.mean((-0.5 * ((run.reconstruction_inputs - run.reconstructions) ** 2) / variance).sum(axis=1)))
            rows.append({"claim": "gaussian-decoder", "quantity": "max relative |framework − closed form| of log p(x|z)",
                         "ours": worst, "published": "0 (float32 rounding)"})
            result.claims.append(Claim(published["gaussian-decoder"]["text"], at_most(worst, 1e-4),
                                       f"over {len(closed)} test digits: framework mean {framework.mean():.2f} nats, closed "
                                       f"form {closed.mean():.2f} (squared-error part {squared:.2f}, variance part "
                                       f"{closed.mean() - squared:.2f}); largest relative difference {worst:.1e}"))

    # Knothe–Rosenblatt: an autoregressive spline flow's test NLL against checkerboard's entropy.
    for run in _runs_of(repro, "knothe-rosenblatt"):
        spec = published["knothe-rosenblatt"]
        nll = float(run.evals["test_nll"].dropna().iloc[-1])
        gap = nll - float(spec["true_entropy"])
        rows.append({"claim": "knothe-rosenblatt", "quantity": "test NLL − true entropy (nats)", "ours": gap,
                     "published": f"< {spec['tolerance']}"})
        result.claims.append(Claim(spec["text"], at_most(gap, float(spec["tolerance"])),
                                   f"checkerboard: test NLL {nll:.3f} vs entropy log 32 = {spec['true_entropy']:.3f} (gap {gap:.3f})"))
        result.figures.append(("checkerboard: data, the autoregressive flow's density, samples",
                               plot_density_2d(run, out_dir / "knothe_rosenblatt.png")))
    if rows:
        result.tables.append(("Each claim's measurement", pd.DataFrame(rows)))
    missing = [c["id"] for c in repro.published.get("claims", [])
               if not any(cl.text == c["text"] for cl in result.claims)]
    if missing:
        result.notes.append("not measured (runs missing or unfinished): " + ", ".join(missing))
    return result
