"""A reproduction directory written by `tractable reproduce NAME` (docs/tutorials/reproducing-papers.md,
"Reproducing papers"): reproduction.json, the suite's published numbers and its
sweeps, loaded for the report."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .sweep import load_sweep


@dataclass
class Reproduction:
    path: Path
    suite: str
    budget: str
    title: str
    manifest: dict
    published: dict
    sweeps: dict = field(default_factory=dict)   # sweep name -> Sweep

    @property
    def binary(self) -> str:
        return self.manifest.get("binary", "tractable")

    def runs(self) -> dict:
        """(sweep name, run id) -> Run over every sweep, finished or not."""
        return {(name, run_id): run for name, s in self.sweeps.items() for run_id, run in s.runs.items()}

    def finished_runs(self) -> dict:
        return {(name, run_id): run for name, s in self.sweeps.items() for run_id, run in s.finished().items()}

    def cpu_seconds_here(self) -> float:
        """CPU time (user + system) of every run this machine trained, over all `tractable reproduce` calls."""
        return float(sum(i.get("cpu_seconds", 0.0) for i in self.manifest.get("invocations", [])))

    def training_seconds(self) -> float:
        """Wall time of training summed over the runs, from each run file (metrics/wall_time): valid on a cluster too."""
        total = 0.0
        for run in self.runs().values():
            if len(run.metrics) and "wall_time" in run.metrics:
                total += float(run.metrics["wall_time"].iloc[-1]) * int(float(run.provenance.get("mpi_size", 1) or 1))
        return total


def is_reproduction(path) -> bool:
    return (Path(path) / "reproduction.json").exists()


def load_reproduction(path) -> Reproduction:
    path = Path(path)
    manifest_path = path / "reproduction.json"
    try:
        manifest = json.loads(manifest_path.read_text())
        suite, budget = manifest["suite"], manifest["budget"]
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no reproduction.json (written by `tractable reproduce`)") from None
    except (ValueError, KeyError) as e:
        raise ValueError(f"{manifest_path}: not a reproduction manifest ({e})") from e
    published_path = Path(manifest.get("published", ""))
    try:
        published = json.loads(published_path.read_text())
    except (OSError, ValueError) as e:
        raise ValueError(f"{manifest_path}: published numbers '{published_path}' unreadable ({e})") from e
    repro = Reproduction(path=path, suite=suite, budget=budget, title=manifest.get("title", suite),
                         manifest=manifest, published=published)
    for s in manifest.get("sweeps", []):
        directory = path / s["directory"]
        if (directory / "sweep.json").exists():
            repro.sweeps[s["name"]] = load_sweep(directory)
    return repro
