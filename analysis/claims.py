"""The seed's claims (shared/vae-and-flows.md), each measured by one command:

  python3 -m analysis claim maf-vs-iaf          density vs sampling throughput of MAF and IAF
  python3 -m analysis claim modes               mode-covering (forward KL) vs mode-seeking (reverse KL)
  python3 -m analysis claim knothe-rosenblatt   an autoregressive spline flow reaches checkerboard's entropy
"""
from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np

from .runfile import load_run

REPO = Path(__file__).resolve().parents[1]
CLAIMS = REPO / "experiments" / "claims"

# 8gaussians (FFJORD): centres 4·u/1.414 for the 8 compass and diagonal unit vectors, σ = 0.5/1.414.
_S = 1 / math.sqrt(2)
EIGHT_CENTRES = np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (_S, _S), (_S, -_S), (-_S, _S), (-_S, -_S)]) * 4 / 1.414
EIGHT_SIGMA = 0.5 / 1.414


def _run(binary, spec, out, sets=(), steps=None):
    cmd = [str(binary), "run", str(spec), "--out", str(out), "--quiet", "--force"]
    for s in sets:
        cmd += ["--set", s]
    if steps:
        cmd += ["--set", f"training.steps={steps}", "--set", f"training.checkpoint_every={steps}"]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def mode_masses(samples: np.ndarray, centres=EIGHT_CENTRES, sigma=EIGHT_SIGMA) -> np.ndarray:
    """Fraction of samples within 4σ of each centre (samples elsewhere belong to no mode)."""
    d = np.linalg.norm(samples[:, None, :] - centres[None], axis=-1)
    nearest = d.argmin(axis=1)
    inside = d[np.arange(len(samples)), nearest] < 4 * sigma
    return np.array([np.mean(inside & (nearest == k)) for k in range(len(centres))])


def modes_covered(masses: np.ndarray, threshold=0.05) -> int:
    return int(np.sum(masses >= threshold))


def claim_modes(binary, out_dir, steps=None) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {}
    for kind in ("forward", "reverse"):
        path = _run(binary, CLAIMS / f"modes_{kind}_kl.json", out_dir / f"modes_{kind}.h5", steps=steps)
        masses = mode_masses(load_run(path).last_samples())
        result[kind] = {"modes_with_5pct": modes_covered(masses), "masses": [round(float(m), 4) for m in masses]}
    result["holds"] = result["forward"]["modes_with_5pct"] > result["reverse"]["modes_with_5pct"]
    result["claim"] = "forward KL covers more modes than reverse KL"
    return result


def throughput(binary, run_path, points: int = 50000) -> dict:
    """`tractable throughput RUN -n N`: density and sampling points/s of a run's flow."""
    out = subprocess.run([str(binary), "throughput", str(run_path), "-n", str(points)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def duality_ratios(maf: dict, iaf: dict) -> tuple[float, float]:
    """(MAF density/sampling speed, IAF sampling/density speed): both ≫ 1 when the duality holds."""
    return (maf["density_points_per_second"] / maf["sampling_points_per_second"],
            iaf["sampling_points_per_second"] / iaf["density_points_per_second"])


def claim_maf_vs_iaf(binary, out_dir, steps=None, points=50000) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {}
    for kind in ("maf", "iaf"):
        path = _run(binary, CLAIMS / "maf_vs_iaf.json", out_dir / f"{kind}.h5", [f"model.layers.0.type={kind}"], steps)
        result[kind] = throughput(binary, path, points)
    maf_ratio, iaf_ratio = duality_ratios(result["maf"], result["iaf"])
    result["maf_density_over_sampling"] = maf_ratio
    result["iaf_sampling_over_density"] = iaf_ratio
    result["holds"] = maf_ratio > 2 and iaf_ratio > 2
    result["claim"] = "MAF: density fast, sampling D passes; IAF the reverse"
    return result


def claim_knothe_rosenblatt(binary, out_dir, steps=None) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = _run(binary, CLAIMS / "knothe_rosenblatt.json", out_dir / "knothe_rosenblatt.h5", steps=steps)
    nll = float(load_run(path).evals["test_nll"].iloc[-1])
    entropy = math.log(32.0)  # uniform on 8 squares of side 2
    return {"test_nll": nll, "true_entropy": entropy, "gap": nll - entropy, "holds": nll - entropy < 0.1,
            "claim": "an autoregressive spline flow fits checkerboard to within 0.1 nats of its entropy"}


CLAIM_FUNCTIONS = {"maf-vs-iaf": claim_maf_vs_iaf, "modes": claim_modes, "knothe-rosenblatt": claim_knothe_rosenblatt}
