"""Rezende & Mohamed 2015, Figure 3: planar flows K = 2, 8, 32 on U1-U4 by
reverse KL; the KL (mean ± std over seeds) and the paper's claim per target."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..rezende_mohamed import figure
from ..verdict import Claim, ordered
from . import SuiteResult, mean_std


def analyse(repro, out_dir: Path) -> SuiteResult:
    result = SuiteResult()
    rows = []
    for run in repro.finished_runs().values():
        e = run.evals.iloc[-1]
        rows.append({"target": run.spec["objective"]["target"]["type"].upper(), "K": int(run.spec["model"]["repeat"]),
                     "seed": int(run.spec["training"]["seed"]), "kl": float(e["kl"]), "log_z_is": float(e["log_z"]),
                     "log_z_quadrature": float(e["elbo"] + e["kl"]), "ess": float(e["ess_fraction"]), "path": run.path})
    if not rows:
        result.notes.append("no finished runs yet")
        return result
    df = pd.DataFrame(rows)
    kl = mean_std(df, ["target", "K"], "kl")
    wide = kl.pivot(index="target", columns="K", values="mean")
    spread = kl.pivot(index="target", columns="K", values="std")
    table = pd.DataFrame({"target": wide.index})
    for k in wide.columns:
        table[f"KL, K = {k}"] = [f"{m:.3f} ± {s:.3f}" if pd.notna(s) else f"{m:.3f}" for m, s in zip(wide[k], spread[k])]
    table["log Z (quadrature)"] = df.groupby("target")["log_z_quadrature"].mean().reindex(wide.index).round(3).to_numpy()
    table["published"] = "Figure 3 (no numbers)"
    result.tables.append(("KL(q‖p) in nats, mean ± std over seeds (log Z by quadrature minus the ELBO)", table))
    for target in wide.index:
        means = wide.loc[target].dropna()
        result.claims.append(Claim(f"{target}: the KL falls as the flow gets longer (K = {', '.join(map(str, means.index))})",
                                   ordered(means.to_numpy(), decreasing=True),
                                   " > ".join(f"{v:.3f}" for v in means.to_numpy())))
    first_seed = df[df["seed"] == df["seed"].min()]
    paths = {(r.target.lower(), r.K): r.path for r in first_seed.itertuples()}
    result.figures.append(("exp(−U) and the fitted densities (first seed)", figure(paths, out_dir / "figure3.png")))
    return result
