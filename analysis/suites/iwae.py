"""IWAE Table 1 (Burda et al. 2016): the finished runs of every sweep, the
paper's NLL beside ours, and the paper's claims on our runs."""
from __future__ import annotations

from pathlib import Path

from ..iwae import claims as iwae_claims, table as iwae_table
from ..plots import plot_image_samples, plot_reconstructions
from ..verdict import Claim, from_bool
from . import SuiteResult


def _label(run) -> str:
    o, m = run.spec["objective"], run.spec["model"]
    return f"{'iwae' if o['type'] == 'iwae' else 'vae'}{m.get('stochastic_layers', 1)}_k{o['samples']}"


def analyse(repro, out_dir: Path) -> SuiteResult:
    result = SuiteResult()
    runs = {_label(run): run for run in repro.finished_runs().values()}
    if not runs:
        result.notes.append("no finished runs yet")
        return result
    df = iwae_table({label: run.path for label, run in runs.items()})
    shown = df.drop(columns=["run"]).rename(columns={"paper NLL": "published NLL"})
    result.tables.append(("Test NLL (nats) by importance sampling; published (60,000 digits, 3280 passes) beside ours", shown))
    result.claims = [Claim(text, from_bool(bool(ok)), evidence) for text, ok, evidence in iwae_claims(df)]
    best = df.sort_values("our NLL").iloc[0]["run"]
    run = runs[best]
    if run.image_side and run.samples:
        result.figures.append((f"samples of the best model ({best})", plot_image_samples(run, out_dir / f"{best}_samples.png")))
    if run.image_side and run.reconstructions is not None:
        result.figures.append((f"test digits and their reconstructions ({best})",
                               plot_reconstructions(run, out_dir / f"{best}_reconstructions.png")))
    k_eval = int(run.spec["objective"].get("eval_importance_samples", 5000))
    steps = sorted({int(r.checkpoint_step) for r in runs.values()})
    result.notes.append(
        f"Our data: the 8000 embedded training digits (the paper: 60,000); our budget: {', '.join(map(str, steps))} "
        f"steps of batch 20 (the paper: 3280 passes); log p(x) with K = {k_eval} importance samples. "
        "The absolute NLLs are therefore higher than the paper's; the claims (orderings) are what is compared.")
    return result
