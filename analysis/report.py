"""`python3 -m analysis report PATH`: a self-contained HTML report (figures
inlined) and a Markdown report (figures beside it) for a run file, a sweep
directory or a reproduction directory (`tractable reproduce`)."""
from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .plots import plot_density_2d, plot_image_samples, plot_learning_curves, plot_reconstructions  # noqa: E402
from .reproduction import is_reproduction, load_reproduction  # noqa: E402
from .runfile import load_run  # noqa: E402
from .sweep import Sweep, final_wide, load_sweep, metrics_long  # noqa: E402

SEED_AXIS = "training.seed"
# The headline metric of a run family, in order of preference (lower is better for each).
HEADLINE = ("eval.test_nll", "eval.kl", "eval.test_bits_per_dim")


# ---------------------------------------------------------------- figures

def plot_curves_over_seeds(sweep: Sweep, out: Path, metric: str = "loss") -> Path | None:
    """`metric` against step, one line per setting of the non-seed axes: the mean over seeds, ± one std shaded."""
    long = metrics_long(sweep)
    long = long[(long["source"] == "metrics") & (long["metric"] == metric)]
    if long.empty:
        return None
    settings = [a for a in sweep.axes if a != SEED_AXIS]
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    groups = (long.groupby(settings if len(settings) > 1 else settings[0], dropna=False) if settings else [((), long)])
    for key, group in groups:
        per_step = group.groupby("step")["value"]
        mean, std, n = per_step.mean(), per_step.std(ddof=1), per_step.count()
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{a.split('.')[-1]}={v}" for a, v in zip(settings, key)) or "all runs"
        line, = ax.plot(mean.index, mean.to_numpy(), lw=1.2, label=f"{label} (n={int(n.max())})")
        if n.max() > 1:
            ax.fill_between(mean.index, (mean - std).to_numpy(), (mean + std).to_numpy(), color=line.get_color(), alpha=0.2)
    ax.set_xlabel("step")
    ax.set_ylabel(metric)
    ax.set_title(f"{sweep.name}: {metric}, mean ± std over seeds")
    ax.grid(alpha=0.3)
    if len(ax.lines) <= 16:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def plot_metric_heatmap(frame: pd.DataFrame, x_axis: str, y_axis: str, metric: str, out: Path) -> Path:
    """The mean of `metric` over every run with the same (x, y) axis values (seeds and other axes averaged)."""
    table = frame.groupby([y_axis, x_axis])[metric].mean().unstack(x_axis)
    fig, ax = plt.subplots(figsize=(1.3 * len(table.columns) + 2.5, 0.8 * len(table.index) + 1.8))
    image = ax.imshow(table.to_numpy(dtype=float), cmap="viridis_r", aspect="auto")
    ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns])
    ax.set_yticks(range(len(table.index)), [str(i) for i in table.index])
    ax.set_xlabel(x_axis)
    ax.set_ylabel(y_axis)
    values = table.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=8, color="white" if v > middle else "black")
    fig.colorbar(image, ax=ax, label=metric)
    ax.set_title(f"{metric} (mean over the other axes)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def headline_metric(frame: pd.DataFrame) -> str | None:
    for m in HEADLINE:
        if m in frame and frame[m].notna().any():
            return m
    return None


def varying_axes(sweep: Sweep, frame: pd.DataFrame) -> list:
    return [a for a in sweep.axes if a != SEED_AXIS and a in frame and frame[a].nunique() > 1]


def sweep_figures(sweep: Sweep, out_dir: Path, prefix: str) -> list:
    """Learning curves over seeds, a heat-map over the first two varying axes, and the first finished run's plots."""
    figures = []
    frame = final_wide(sweep)
    curve = plot_curves_over_seeds(sweep, out_dir / f"{prefix}learning_curves.png")
    if curve:
        figures.append((f"{sweep.name}: training loss, mean ± std over seeds", curve))
    axes, metric = varying_axes(sweep, frame), headline_metric(frame)
    if len(axes) >= 2 and metric:
        figures.append((f"{sweep.name}: {metric} over {axes[0]} × {axes[1]}",
                        plot_metric_heatmap(frame, axes[0], axes[1], metric, out_dir / f"{prefix}heatmap.png")))
    finished = sweep.finished()
    if finished:
        run_id, run = next(iter(finished.items()))
        figures += run_figures(run, out_dir, f"{prefix}{run_id}_", f"{sweep.name}, run {run_id}")
    return figures


def run_figures(run, out_dir: Path, prefix: str, caption: str) -> list:
    figures = [(f"{caption}: learning curves", plot_learning_curves(run, out_dir / f"{prefix}learning_curves.png"))]
    if run.dim == 2 and (run.density_grid is not None or run.samples):
        figures.append((f"{caption}: density beside the data or target, and samples",
                        plot_density_2d(run, out_dir / f"{prefix}density.png")))
    if run.image_side and run.samples:
        figures.append((f"{caption}: samples", plot_image_samples(run, out_dir / f"{prefix}samples.png")))
    if run.image_side and run.reconstructions is not None:
        figures.append((f"{caption}: reconstructions", plot_reconstructions(run, out_dir / f"{prefix}reconstructions.png")))
    return figures


# ---------------------------------------------------------------- documents

def _cell(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)):
        return f"{v:.4g}" if abs(v) < 1e5 else f"{v:.4e}"
    return str(v)


class Document:
    """The same content as Markdown and as HTML with inlined PNGs."""

    def __init__(self, title: str):
        self.md = [f"# {title}", ""]
        self.html = [f"<h1>{html.escape(title)}</h1>"]

    def heading(self, text: str):
        self.md += [f"## {text}", ""]
        self.html.append(f"<h2>{html.escape(text)}</h2>")

    def paragraph(self, text: str):
        self.md += [text, ""]
        self.html.append(f"<p>{html.escape(text)}</p>")

    def bullets(self, items: list):
        self.md += [f"- {i}" for i in items] + [""]
        self.html.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")

    def table(self, caption: str, frame: pd.DataFrame):
        cols = list(frame.columns)
        self.md += [f"*{caption}*", "", "| " + " | ".join(str(c).replace("|", "\\|") for c in cols) + " |",
                    "|" + "---|" * len(cols)]
        # A '|' inside a Markdown cell would end it.
        self.md += ["| " + " | ".join(_cell(v).replace("|", "\\|") for v in row) + " |"
                    for row in frame.itertuples(index=False)] + [""]
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
                       for row in frame.itertuples(index=False))
        self.html.append(f"<table><caption>{html.escape(caption)}</caption><tr>{head}</tr>{body}</table>")

    def figure(self, caption: str, png: Path, relative_to: Path):
        self.md += [f"![{caption}]({png.relative_to(relative_to)})", "", f"*{caption}*", ""]
        data = base64.b64encode(png.read_bytes()).decode()
        self.html.append(f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
                         f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    def write(self, out_dir: Path) -> dict:
        style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
                 "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}td,th{border:1px solid #bbb;padding:3px 7px}"
                 "caption{text-align:left;font-style:italic;padding:4px 0}img{max-width:100%}"
                 ".holds{color:#060}.fails{color:#a00}.undecided{color:#a60}")
        page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Tractable report</title>"
                f"<style>{style}</style></head><body>" + "\n".join(self.html) + "</body></html>\n")
        (out_dir / "report.html").write_text(page, encoding="utf-8")
        (out_dir / "report.md").write_text("\n".join(self.md) + "\n", encoding="utf-8")
        return {"html": out_dir / "report.html", "markdown": out_dir / "report.md"}


def verdict_line(claim) -> str:
    return f"{claim.verdict.upper()}: {claim.text} — {claim.evidence}"


def format_seconds(s: float) -> str:
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min" if s < 7200 else f"{s / 3600:.2f} h"


# ---------------------------------------------------------------- entry points

def report_reproduction(path: Path, out_dir: Path) -> tuple[Document, list]:
    from .suites import analyse
    repro = load_reproduction(path)
    result = analyse(repro, out_dir)
    doc = Document(f"{repro.title} — reproduction ({repro.budget} budget)")
    total = sum(len(s.manifest_runs) for s in repro.sweeps.values())
    finished = len(repro.finished_runs())
    doc.paragraph(f"Suite {repro.suite}, budget '{repro.budget}': {repro.manifest.get('budget_note', '')}. "
                  f"{finished} of {total} runs finished.")
    doc.paragraph(f"CPU time: {format_seconds(repro.cpu_seconds_here())} (user + system of the runs this machine "
                  f"trained, over {len(repro.manifest.get('invocations', []))} invocation(s)); training wall time "
                  f"summed over runs and ranks, from the run files: {format_seconds(repro.training_seconds())}.")
    doc.heading("Claims")
    if result.claims:
        doc.bullets([verdict_line(c) for c in result.claims])
    else:
        doc.paragraph("No claim could be decided yet.")
    doc.heading("Published beside ours")
    for caption, table in result.tables:
        doc.table(caption, table)
    for note in result.notes:
        doc.paragraph(note)
    figures = list(result.figures)
    for name, sweep in repro.sweeps.items():
        figures += sweep_figures(sweep, out_dir, f"{name}_")
    doc.heading("Figures")
    for caption, png in figures:
        doc.figure(caption, png, out_dir)
    return doc, result.claims


def report_sweep(path: Path, out_dir: Path) -> Document:
    sweep = load_sweep(path)
    frame = final_wide(sweep)
    doc = Document(f"Sweep {sweep.name}")
    doc.paragraph(f"{len(sweep.finished())} of {len(sweep.manifest_runs)} runs finished; axes: "
                  f"{', '.join(sweep.axes) or 'none'}.")
    metric = headline_metric(frame)
    keep = ["index", "run", "state", "step", *sweep.axes] + [c for c in frame.columns if c.startswith("eval.")]
    doc.table("final results (the last evaluation of each run)", frame[[c for c in keep if c in frame]])
    if metric and varying_axes(sweep, frame):
        settings = [a for a in varying_axes(sweep, frame)]
        summary = frame.groupby(settings)[metric].agg(["mean", "std", "count"]).reset_index()
        doc.table(f"{metric}: mean ± std over seeds", summary)
    doc.heading("Figures")
    for caption, png in sweep_figures(sweep, out_dir, ""):
        doc.figure(caption, png, out_dir)
    return doc


def report_run(path: Path, out_dir: Path) -> Document:
    run = load_run(path)
    doc = Document(f"Run {run.name}")
    doc.paragraph(f"{path}: step {run.checkpoint_step} of {run.spec.get('training', {}).get('steps')}; "
                  f"{run.data_attrs.get('origin', '')}")
    if len(run.evals):
        doc.table("evaluations", run.evals)
    doc.heading("Figures")
    for caption, png in run_figures(run, out_dir, "", run.name):
        doc.figure(caption, png, out_dir)
    return doc


def write_report(path, out_dir=None) -> dict:
    """Writes report.html, report.md and the PNGs; returns their paths (and the claims, for a reproduction)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such run file or directory")
    claims = []
    if path.is_dir():
        out_dir = Path(out_dir) if out_dir else path / "report"
        out_dir.mkdir(parents=True, exist_ok=True)
        if is_reproduction(path):
            doc, claims = report_reproduction(path, out_dir)
        elif (path / "sweep.json").exists():
            doc = report_sweep(path, out_dir)
        else:
            raise ValueError(f"{path}: neither a sweep directory (sweep.json) nor a reproduction (reproduction.json)")
    else:
        out_dir = Path(out_dir) if out_dir else path.with_name(path.stem + "_report")
        out_dir.mkdir(parents=True, exist_ok=True)
        doc = report_run(path, out_dir)
    written = doc.write(out_dir)
    written["claims"] = claims
    return written
