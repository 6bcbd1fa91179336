"""One module per paper suite of experiments/papers/: each turns a Reproduction
into tables (published beside ours), claims with verdicts, and figures."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class SuiteResult:
    tables: list = field(default_factory=list)    # [(caption, DataFrame)], published beside ours
    claims: list = field(default_factory=list)    # [verdict.Claim]
    figures: list = field(default_factory=list)   # [(caption, Path)]
    notes: list = field(default_factory=list)     # [str]: caveats (data, budget)


def analyse(repro, out_dir: Path) -> SuiteResult:
    from . import inverse_kinematics, iwae, phi4, rezende_mohamed, sbi_benchmark, seed_claims
    modules = {"iwae": iwae, "rezende-mohamed": rezende_mohamed, "seed-claims": seed_claims, "phi4": phi4,
               "sbi-benchmark": sbi_benchmark, "inverse-kinematics": inverse_kinematics}
    if repro.suite not in modules:
        raise ValueError(f"{repro.path}: no analysis for suite '{repro.suite}' (known: {', '.join(sorted(modules))})")
    return modules[repro.suite].analyse(repro, Path(out_dir))


def mean_std(frame: pd.DataFrame, by: list, column: str) -> pd.DataFrame:
    """Mean, standard deviation and count of `column` over the rows of each group (seeds)."""
    g = frame.groupby(by)[column]
    return pd.DataFrame({"mean": g.mean(), "std": g.std(ddof=1), "n": g.count()}).reset_index()
