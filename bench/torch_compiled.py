"""shared/bench/torch_ref.py's workloads under torch.compile: the same models, data and loop, with the loss
(training) or log_prob / sample (densities, samples) compiled. Prints one JSON line as torch_ref.py does,
plus the seconds the warm-up spent compiling, so steady-state throughput and compile time are reported apart.

    VENV/bin/python bench/torch_compiled.py WORKLOAD [--mode default|max-autotune-no-cudagraphs]
                                            [--threads N] [--steps N] [--torch-ref PATH]
"""
import argparse
import importlib.util
import json
import time
from pathlib import Path

import torch


def load_reference(path: Path):
    spec = importlib.util.spec_from_file_location("torch_ref", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload")
    ap.add_argument("--mode", default="default")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--torch-ref", default=str(Path(__file__).resolve().parents[2] / "shared" / "bench" / "torch_ref.py"))
    a = ap.parse_args()
    ref = load_reference(Path(a.torch_ref))
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)
    w = a.workload
    compile_ = lambda f: torch.compile(f, mode=a.mode, dynamic=False)  # noqa: E731
    if w.endswith("-train"):
        if w == "realnvp2d-train":
            m = ref.RealNVP(2, 8, 64); x = torch.randn(512, 2); loss = compile_(lambda: -m.log_prob(x).mean())
        elif w == "maf8d-train":
            m = ref.MAF(8, 5, 128); x = torch.randn(512, 8); loss = compile_(lambda: -m.log_prob(x).mean())
        elif w == "vae-mnist-train":
            m = ref.VAE(); x = (torch.rand(100, 784) < 0.13).float(); loss = compile_(lambda: -m.bound(x, 1))
        elif w == "iwae50-mnist-train":
            m = ref.VAE(); x = (torch.rand(20, 784) < 0.13).float(); loss = compile_(lambda: -m.bound(x, 50))
        else:
            raise SystemExit("unknown workload " + w)
        opt = torch.optim.Adam(m.parameters(), lr=1e-3)
        t = time.perf_counter()
        for _ in range(5):  # the warm-up compiles
            opt.zero_grad(); loss().backward(); opt.step()
        compile_seconds = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(a.steps):
            opt.zero_grad(); loss().backward(); opt.step()
        v, metric = a.steps / (time.perf_counter() - t), "steps/s"
    elif w == "maf8d-density":
        m = ref.MAF(8, 5, 128); x = torch.randn(100000, 8); f = compile_(m.log_prob)
        with torch.no_grad():
            t = time.perf_counter(); f(x); compile_seconds = time.perf_counter() - t
            t = time.perf_counter(); f(x); v, metric = 1e5 / (time.perf_counter() - t), "points/s"
    elif w == "maf8d-sample":
        m = ref.MAF(8, 5, 128); f = compile_(m.sample)
        with torch.no_grad():
            t = time.perf_counter(); f(100000); compile_seconds = time.perf_counter() - t
            t = time.perf_counter(); f(100000); v, metric = 1e5 / (time.perf_counter() - t), "samples/s"
    else:
        raise SystemExit("unknown workload " + w)
    print(json.dumps({"workload": w, "threads": a.threads, "metric": metric, "value": round(v, 2),
                      "impl": f"pytorch-{torch.__version__}-compile-{a.mode}", "flush_denormal": True,
                      "compile_seconds": round(compile_seconds, 1)}))


if __name__ == "__main__":
    main()
