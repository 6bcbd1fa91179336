"""The quick start's flow in zuko, for the time-to-quality comparison (python3 -m analysis time-to-quality).

experiments/quickstart.json in zuko 1.x: RealNVP with 8 affine couplings of two 64-unit ReLU layers on FFJORD's
8gaussians (50,000 training and 10,000 test points drawn here by FFJORD's definition), batch 256, Adam 2e-3
with 100 warm-up steps and a cosine decay to 5 % over 6,000 steps, gradients clipped at norm 100. The test NLL
is measured every --eval-every steps with the clock stopped; prints one JSON line: the training seconds until
the test NLL first came within --within nats of the entropy 2.831, the final test NLL, and the trajectory
[step, training seconds, test NLL] of every evaluation.

usage: zuko_quickstart.py [--threads 1] [--steps 6000] [--eval-every 100] [--within 0.05] [--seed 0]
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import zuko

ENTROPY = 2.831  # nats: differential entropy of 8gaussians (shared/PAPERS.md)


def eight_gaussians(n: int, rng: np.random.Generator) -> np.ndarray:
    scale = 4.0
    centers = np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (1 / math.sqrt(2), 1 / math.sqrt(2)),
                        (1 / math.sqrt(2), -1 / math.sqrt(2)), (-1 / math.sqrt(2), 1 / math.sqrt(2)),
                        (-1 / math.sqrt(2), -1 / math.sqrt(2))]) * scale
    points = rng.standard_normal((n, 2)) * 0.5 + centers[rng.integers(0, 8, n)]
    return (points / 1.414).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--within", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    train, test = torch.from_numpy(eight_gaussians(50000, rng)), torch.from_numpy(eight_gaussians(10000, rng))
    flow = zuko.flows.RealNVP(2, transforms=8, hidden_features=(64, 64))
    optimizer = torch.optim.Adam(flow.parameters(), lr=2e-3)

    def lr_factor(step):  # linear warm-up over 100 steps, then cosine to 5 %
        if step < 100:
            return (step + 1) / 100
        progress = (step - 100) / max(1, a.steps - 100)
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    seconds, reached, order, at, trajectory = 0.0, None, torch.randperm(len(train)), 0, []
    test_nll = float("nan")
    for step in range(1, a.steps + 1):
        start = time.perf_counter()
        if at + 256 > len(train):
            order, at = torch.randperm(len(train)), 0
        batch = train[order[at:at + 256]]
        at += 256
        loss = -flow().log_prob(batch).mean()
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(flow.parameters(), 100.0)
        optimizer.step()
        schedule.step()
        seconds += time.perf_counter() - start
        if step % a.eval_every == 0 or step == a.steps:
            with torch.no_grad():
                test_nll = float(-flow().log_prob(test).mean())
            trajectory.append([step, round(seconds, 3), round(test_nll, 5)])
            if reached is None and test_nll <= ENTROPY + a.within:
                reached = {"step": step, "seconds": seconds}
    print(json.dumps({"impl": f"zuko-{zuko.__version__} torch-{torch.__version__}", "threads": torch.get_num_threads(),
                      "steps": a.steps, "train_seconds": seconds, "steps_per_second": a.steps / seconds,
                      "final_test_nll": test_nll, "reached": reached, "trajectory": trajectory}))


if __name__ == "__main__":
    main()
