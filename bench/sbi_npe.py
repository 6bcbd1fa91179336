"""sbi's NPE on simulations Tractable made, for the time-to-quality comparison (python3 -m analysis npe-speed).

Run with the peers' Python (cluster/bench.sh --peers installs sbi there): trains sbi's NPE with its own
defaults (training batch 200, Adam 5e-4, 10 % validation, stop after 20 epochs without improvement) and the
density estimator asked for (sbi's default "maf", or "nsf": 5 rational-quadratic coupling transforms of 50
hidden units, 10 bins, tail bound 3, the size of Tractable's npe.json), then draws posterior samples at each
observation with sbi's own leakage rejection. Writes the samples and the seconds of each phase to an .npz.

usage: sbi_npe.py TRAIN.h5 OBSERVATIONS.h5 --low L... --high H... --samples N --estimator maf|nsf --out OUT.npz
"""
import argparse
import time

import h5py
import numpy as np
import sbi
import torch
from sbi.inference import NPE
from sbi.utils import BoxUniform


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("train", help="/parameters [n, D] and /observations [n, C] (tractable simulate)")
    parser.add_argument("observations", help="/observations [R, C]: where to sample the posterior")
    parser.add_argument("--low", type=float, nargs="+", required=True)
    parser.add_argument("--high", type=float, nargs="+", required=True)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--estimator", choices=["maf", "nsf"], default="maf")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    with h5py.File(args.train, "r") as f:
        theta = torch.as_tensor(f["parameters"][()], dtype=torch.float32)
        x = torch.as_tensor(f["observations"][()], dtype=torch.float32)
    with h5py.File(args.observations, "r") as f:
        x_o = torch.as_tensor(f["observations"][()], dtype=torch.float32)
    prior = BoxUniform(torch.tensor(args.low), torch.tensor(args.high))

    start = time.perf_counter()
    inference = NPE(prior=prior, density_estimator=args.estimator, show_progress_bars=False)
    estimator = inference.append_simulations(theta, x).train()
    train_seconds = time.perf_counter() - start
    posterior = inference.build_posterior(estimator)
    start = time.perf_counter()
    samples = np.stack([posterior.sample((args.samples,), x=x_o[r], show_progress_bars=False).numpy()
                        for r in range(len(x_o))])
    sample_seconds = time.perf_counter() - start
    np.savez(args.out, samples=samples, train_seconds=train_seconds, sample_seconds=sample_seconds,
             epochs=inference._summary["epochs_trained"][-1], sbi=sbi.__version__, torch=torch.__version__,
             threads=torch.get_num_threads(), estimator=args.estimator)


if __name__ == "__main__":
    main()
