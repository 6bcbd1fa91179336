"""Training from Python: validate a spec, train it in this process, then evaluate and sample the model,
without leaving Python. The run file is the one `tractable run` writes for the same spec, bit for bit.
Run from the repository root: PYTHONPATH=build/python /usr/bin/python3 docs/tutorials/python.py"""
import os

import numpy as np
import tractable

out = os.path.join(os.environ.get("TUTORIAL_OUT", "runs/tutorials"), "python")
os.makedirs(out, exist_ok=True)
quick = {"training__steps": 300} if os.environ.get("TUTORIAL_QUICK") else {}  # CI: a small budget

# Overrides are keyword arguments (a dotted key with "__" for ".") or a dict of dotted keys.
spec = tractable.validate("experiments/quickstart.json", set={"optimizer.lr": 2e-3}, **quick)
print("resolved:", spec["model"]["layers"][0]["type"], "x", spec["model"]["repeat"], "| steps", spec["training"]["steps"])

model = tractable.run(spec, out=f"{out}/flow.h5", progress=True, **quick)  # a tqdm bar when tqdm is installed

x = np.array([[0.0, 0.0], [2.0, 2.0], [2.83, 0.0]], dtype=np.float32)
print("log p(x):", model.log_prob(x))                   # the centre is empty; (2.83, 0) is on a mode
samples = model.sample(10_000, seed=1)
print("samples:", samples.shape, "mean", samples.mean(axis=0).round(3), "radius", np.hypot(*samples.T).mean().round(3))
print("verify:", [kind for kind, _ in tractable.verify(f"{out}/flow.h5")].count("defect"), "defects")
