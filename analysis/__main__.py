"""python3 -m analysis {report, plot, rezende-mohamed, claim, iwae, scaling, bench, time-to-quality, calibrate} ... (see --help)"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .plots import plot_run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m analysis", description="Plots and reports from Tractable run files.")
    sub = parser.add_subparsers(dest="command", required=True)
    rp = sub.add_parser("report", help="HTML + Markdown report of a run file, a sweep directory or a reproduction")
    rp.add_argument("path", help="run file (.h5), sweep directory (tractable sweep) or reproduction (tractable reproduce)")
    rp.add_argument("--out", help="output directory (default: PATH/report/, or <run>_report/ for a run file)")
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
    sc.add_argument("--pytorch", action="store_true",
                    help="instead: `tractable bench` on 1 and 2 ranks beside torch_ref.py on 1 and 2 threads")
    sc.add_argument("--torch-ref", help="PyTorch reference script (default: ../shared/bench/torch_ref.py from the repo)")
    sc.add_argument("--ranks-threads", action="store_true",
                    help="instead: the training workloads on 1 and 2 ranks of the Serial build and 1 or 2 ranks × 1 or "
                         "2 threads of --openmp-bin")
    sc.add_argument("--openmp-bin", default=str(Path(__file__).resolve().parents[1] / "build-openmp" / "tractable"),
                    help="a Kokkos OpenMP build of tractable, for --ranks-threads (cluster/test-openmp.sh builds it)")
    b = sub.add_parser("bench", help="tractable bench beside shared/bench/torch_ref.py: medians, ratios, GFLOP/s")
    b.add_argument("--repeats", type=int, default=5, help="alternating repeats per workload and side")
    b.add_argument("--torch-ref", help="PyTorch reference script (default: ../shared/bench/torch_ref.py from the repo)")
    b.add_argument("--python", default="/usr/bin/python3",
                   help="the Python that runs the PyTorch side (default Debian's; cluster/bench.sh --peers: a venv's)")
    b.add_argument("--compiled", action="store_true",
                   help="also PyTorch under torch.compile (default and max-autotune-no-cudagraphs) with --python")
    b.add_argument("--jax-python", help="also JAX jit (bench/jax_ref.py) with this Python (a venv with jax)")
    b.add_argument("--continuity-python", help="also torch_ref.py with this Python's PyTorch (Debian's 1.13: "
                   "/usr/bin/python3), beside --python's")
    b.add_argument("--flowjax-python", help="also FlowJAX's own flows (bench/flowjax_ref.py; the four flow "
                   "workloads) with this Python (a venv with flowjax)")
    b.add_argument("--threads", type=int, default=1,
                   help="every side on this many threads (all cores: ours is then --openmp-bin)")
    b.add_argument("--openmp-bin", default=str(Path(__file__).resolve().parents[1] / "build-openmp" / "tractable"),
                   help="a Kokkos OpenMP build of tractable, for --threads > 1 (cluster/test-openmp.sh builds it)")
    b.add_argument("--growth-steps", type=int, default=0,
                   help="also run each training workload this many steps and report the RSS growth")
    b.add_argument("--out", default="runs/bench", help="directory for the raw JSON and table.md")
    b.add_argument("--ieee-subnormals", action="store_true",
                   help="keep subnormal floats on both sides (default: flushed on both, as PyTorch's fastest setting)")
    b.add_argument("--bin", default=str(Path(__file__).resolve().parents[1] / "build" / "tractable"),
                   help="the tractable binary")
    ns = sub.add_parser("time-to-quality", help="ours beside sbi's NPE (train time, C2ST at sbibm's official "
                                                "observations) and zuko's quick-start flow (seconds to an NLL)")
    ns.add_argument("--python", required=True, help="the Python with sbi and zuko (cluster/bench.sh --peers)")
    ns.add_argument("--part", choices=["npe", "quickstart", "both"], default="both")
    ns.add_argument("--tasks", nargs="+", default=["two_moons", "slcp"])
    ns.add_argument("--simulations", type=int, default=10000)
    ns.add_argument("--observations", type=int, default=10, help="official observations 1..R (default 10)")
    ns.add_argument("--samples", type=int, default=2000, help="posterior samples per observation and side")
    ns.add_argument("--estimators", nargs="+", default=["maf", "nsf"], help="sbi's density estimators to run")
    ns.add_argument("--out", default="runs/time-to-quality", help="directory for runs, samples, raw.json and table.md")
    ns.add_argument("--bin", default=str(Path(__file__).resolve().parents[1] / "build" / "tractable"),
                    help="the tractable binary")
    cal = sub.add_parser("calibrate", help="plots of `tractable diagnose`: SBC ranks, HDR and TARP coverage of a "
                                           "trained conditional flow (NPE run)")
    cal.add_argument("run", help="run file of a conditional flow trained on a simulator (data.source simulator)")
    cal.add_argument("-n", type=int, default=300, help="prior draws, each with its simulation (default 300)")
    cal.add_argument("--draws", type=int, default=200, help="posterior samples at each (default 200)")
    cal.add_argument("--diagnosis", help="plot this output of `tractable diagnose --out` instead of running it")
    cal.add_argument("--out", help="directory for diagnosis.h5, ranks.png and coverage.png (default: <run>_calibration/)")
    cal.add_argument("--bin", default=str(Path(__file__).resolve().parents[1] / "build" / "tractable"),
                     help="the tractable binary")
    args = parser.parse_args(argv)
    if args.command == "time-to-quality":
        from .time_to_quality import markdown as npe_markdown, measure as npe_measure, quickstart_markdown, quickstart_race
        out, text = Path(args.out), ""
        if args.part in ("quickstart", "both"):
            text += quickstart_markdown(quickstart_race(args.bin, args.python, out)) + "\n\n"
        if args.part in ("npe", "both"):
            rows = npe_measure(args.bin, args.python, args.tasks, args.simulations, args.observations, args.samples,
                               args.estimators, out)
            npe_text, met = npe_markdown(rows, args.simulations, args.observations, args.samples)
            text += npe_text + "\n\nNPE goal (at least 3x faster than sbi, to the same or lower C2ST): " + (
                "MET" if met else "MISSED") + "\n"
        (out / "table.md").write_text(text)
        print(text)
        print(f"written: {out / 'table.md'}")
        return 0
    if args.command == "calibrate":
        from .calibration import calibrate_command
        return calibrate_command(args)
    if args.command == "report":
        from .report import verdict_line, write_report
        try:
            written = write_report(args.path, args.out)
        except (FileNotFoundError, ValueError, KeyError) as e:
            print(f"analysis report: error: {e}", file=sys.stderr)
            return 4
        for claim in written["claims"]:
            print(verdict_line(claim))
        print(f"report: {written['html']} (self-contained) and {written['markdown']}")
        return 0
    if args.command == "bench":
        import json
        from .bench import (default_torch_ref, markdown, measure, memory_growth, peer_commands, peer_markdown,
                            peer_table, summarise)
        torch_ref = Path(args.torch_ref) if args.torch_ref else default_torch_ref()
        if not torch_ref.exists():
            print(f"bench: {torch_ref} not found; pass --torch-ref PATH (shared/bench/torch_ref.py)", file=sys.stderr)
            return 2
        peers = peer_commands(args.python, str(torch_ref), args.compiled, args.jax_python, args.flowjax_python,
                              args.continuity_python)
        rows = measure(args.bin, str(torch_ref), args.repeats, ieee_subnormals=args.ieee_subnormals,
                       python=args.python, peers=peers, threads=args.threads, threaded_binary=args.openmp_bin)
        table = summarise(rows)
        text = markdown(table, rows)
        if peers:
            text += "\n\n" + peer_markdown(peer_table(rows), rows)
        if args.growth_steps:
            growth = memory_growth(args.bin, args.growth_steps, args.ieee_subnormals)
            text += "\n\nRSS growth over " + str(args.growth_steps) + " training steps after warm-up: " + ", ".join(
                f"{g['workload']} {g['rss_growth_kib']:.0f} KiB" for g in growth)
            rows += [dict(g, side="ours-growth", repeat=0) for g in growth]
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "raw.json").write_text(json.dumps(rows, indent=1))
        (out / "table.md").write_text(text + "\n")
        print(text)
        print(f"written: {out / 'table.md'}, {out / 'raw.json'}")
        return 0 if all(t["met"] and t["sgemm_fraction_met"] is not False for t in table) else 1
    if args.command == "scaling":
        import pandas as pd
        from .scaling import against_pytorch, against_pytorch_table, measure, summarise, table_markdown
        if args.ranks_threads:
            from .scaling import ranks_threads, ranks_threads_table
            print(table_markdown(ranks_threads_table(ranks_threads(args.bin, args.openmp_bin, args.repeats))))
            return 0
        if args.pytorch:
            from .bench import default_torch_ref
            rows = against_pytorch(args.bin, args.torch_ref or default_torch_ref(), args.repeats)
            print(table_markdown(against_pytorch_table(rows)))
            return 0
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
