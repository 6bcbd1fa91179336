"""Training from Python: validate a spec, train it in this process, then evaluate and
sample the model, without leaving Python. The run file is the one `tractable run`
writes for the same spec, bit for bit. From the repository root:
    PYTHONPATH=build/python /usr/bin/python3 docs/tutorials/python.py"""
import os

import numpy as np
import tractable

out = os.path.join(os.environ.get("TUTORIAL_OUT", "runs/tutorials"), "python")
os.makedirs(out, exist_ok=True)
# CI runs every tutorial with a small budget.
quick = {"training__steps": 300} if os.environ.get("TUTORIAL_QUICK") else {}

# Overrides: keyword arguments ("__" for ".") or a dict of dotted keys.
spec = tractable.validate("experiments/quickstart.json", set={"optimizer.lr": 2e-3},
                          **quick)
print("layers:", spec["model"]["layers"][0]["type"], "x", spec["model"]["repeat"],
      "| steps:", spec["training"]["steps"])

# progress=True: a tqdm bar when tqdm is installed, else the CLI's progress lines.
model = tractable.run(spec, out=f"{out}/flow.h5", progress=True, **quick)

x = np.array([[0.0, 0.0], [2.0, 2.0], [2.83, 0.0]], dtype=np.float32)
print("log p(x):", model.log_prob(x))  # the centre is empty; (2.83, 0) is on a mode
samples = model.sample(10_000, seed=1)
radius = np.hypot(samples[:, 0], samples[:, 1]).mean()
print("samples:", samples.shape, "mean", samples.mean(axis=0).round(3),
      "mean radius", radius.round(3))
defects = [kind for kind, _ in tractable.verify(f"{out}/flow.h5")].count("defect")
print("verify:", defects, "defects")
