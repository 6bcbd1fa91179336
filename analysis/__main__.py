"""python3 -m analysis plot RUN.h5 [--out DIR]"""
from __future__ import annotations

import argparse
import sys

from .plots import plot_run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m analysis", description="Plots and reports from Tractable run files.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plot", help="write PNGs for one run (learning curves; density beside data and samples in 2D)")
    p.add_argument("run", help="run file (.h5)")
    p.add_argument("--out", help="output directory (default: <run>_plots/ beside the run file)")
    args = parser.parse_args(argv)
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
