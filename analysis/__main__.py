"""python3 -m analysis plot RUN.h5 [--out DIR]"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .plots import plot_run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m analysis", description="Plots and reports from Tractable run files.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plot", help="write PNGs for one run (learning curves; density beside data and samples in 2D)")
    p.add_argument("run", help="run file (.h5)")
    p.add_argument("--out", help="output directory (default: <run>_plots/ beside the run file)")
    r = sub.add_parser("rezende-mohamed", help="Figure 3 of Rezende & Mohamed 2015: planar flows K=2,8,32 on U1-U4")
    r.add_argument("--out", default="runs/rezende_mohamed", help="directory for the 12 run files, figure and table")
    r.add_argument("--steps", type=int, help="training steps per run (default: the spec's)")
    r.add_argument("--bin", default=str(Path(__file__).resolve().parents[1] / "build" / "tractable"),
                   help="the tractable binary")
    c = sub.add_parser("claim", help="measure one of the seed's claims: maf-vs-iaf, modes, knothe-rosenblatt")
    c.add_argument("name", choices=["maf-vs-iaf", "modes", "knothe-rosenblatt"])
    c.add_argument("--out", default="runs/claims", help="directory for the run files")
    c.add_argument("--steps", type=int, help="training steps per run (default: the spec's)")
    c.add_argument("--bin", default=str(Path(__file__).resolve().parents[1] / "build" / "tractable"),
                   help="the tractable binary")
    w = sub.add_parser("iwae", help="Table 1 of Burda et al. 2016 (IWAE) side by side: VAE k=1,5,50, IWAE k=5,50")
    w.add_argument("--out", default="runs/papers/iwae", help="directory for the run files, grids and table.md")
    w.add_argument("--steps", type=int, help="training steps per run (default: the specs', 16000 = 40 epochs)")
    w.add_argument("-j", "--jobs", type=int, default=1, help="runs at a time (one core each)")
    w.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override for every run's spec")
    w.add_argument("--layers", choices=["1", "2", "both"], default="both", help="stochastic layers of the models to run")
    w.add_argument("--bin", default=str(Path(__file__).resolve().parents[1] / "build" / "tractable"),
                   help="the tractable binary")
    sc = sub.add_parser("scaling", help="1 vs 2 MPI ranks on the training workloads of BENCHMARKS.md, and a projection")
    sc.add_argument("--repeats", type=int, default=3, help="alternating repeats per workload and rank count")
    sc.add_argument("--bin", default=str(Path(__file__).resolve().parents[1] / "build" / "tractable"),
                    help="the tractable binary")
    args = parser.parse_args(argv)
    if args.command == "scaling":
        import pandas as pd
        from .scaling import measure, summarise
        raw = measure(args.bin, args.repeats)
        with pd.option_context("display.width", 250, "display.max_columns", 30, "display.precision", 3):
            print(summarise(raw).T.to_string())
        return 0
    if args.command == "iwae":
        from .iwae import ONE_LAYER, TWO_LAYERS, report as iwae_report
        runs = {"1": ONE_LAYER, "2": TWO_LAYERS, "both": ONE_LAYER + TWO_LAYERS}[args.layers]
        _, _, markdown = iwae_report(args.bin, args.out, args.steps, args.jobs, runs=runs, overrides=args.set)
        print(markdown)
        print(f"written: {Path(args.out) / 'table.md'} and <run>_plots/ grids")
        return 0
    if args.command == "claim":
        import json
        from .claims import CLAIM_FUNCTIONS
        result = CLAIM_FUNCTIONS[args.name](args.bin, args.out, args.steps)
        print(json.dumps(result, indent=2))
        print(f"{result['claim']}: {'HOLDS' if result['holds'] else 'DOES NOT HOLD'}")
        return 0
    if args.command == "rezende-mohamed":
        from .rezende_mohamed import report
        import pandas as pd
        df, verdict_lines, png = report(args.bin, args.out, args.steps)
        with pd.option_context("display.width", 200, "display.precision", 4):
            print(df.to_string(index=False))
        print()
        print("\n".join(verdict_lines))
        print(f"\nfigure: {png}")
        return 0
    try:
        written = plot_run(args.run, args.out)
    except (FileNotFoundError, ValueError, KeyError) as e:
        print(f"analysis: error: {e}", file=sys.stderr)
        return 4
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
