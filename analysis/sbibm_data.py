"""sbibm's official task data (observations, their true parameters, reference posterior samples), from the
pinned sbibm wheel on PyPI, as one HDF5 file per task: the layout of the workplace's shared copy
(`obs_<n>` [1, dim_x], `theta_<n>` [1, dim_θ], `ref_<n>` [10000, dim_θ], n = 1..10; bernoulli_glm also
`obs_raw_<n>` [1, 100]). Only the Python standard library, NumPy and h5py: the wheel is a zip of CSV files
(the references bz2-compressed). Used by cluster/fetch-sbibm.sh; read by the simulator tests and
`tractable reproduce sbi-benchmark`.

    python3 -m analysis.sbibm_data WHEEL OUT_DIR
"""
from __future__ import annotations

import bz2
import io
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np

TASKS = ["two_moons", "gaussian_linear", "gaussian_linear_uniform", "slcp", "slcp_distractors", "bernoulli_glm",
         "gaussian_mixture", "sir", "lotka_volterra"]
# slcp_distractors lives in slcp's folder of the wheel: slcp's parameters and references, its own observations.
_FOLDER = {"slcp_distractors": ("slcp", "observation_distractors.csv")}
OBSERVATIONS = range(1, 11)


def _csv(data: bytes, where: str) -> np.ndarray:
    """A CSV with one header line (sbibm writes column names) as float64 [rows, columns]."""
    try:
        rows = np.loadtxt(io.StringIO(data.decode("utf-8")), delimiter=",", skiprows=1, ndmin=2, dtype=np.float64)
    except ValueError as e:
        raise ValueError(f"{where}: not a numeric CSV with a header line: {e}") from e
    if not np.all(np.isfinite(rows)):
        raise ValueError(f"{where}: holds NaN or infinity")
    return rows


def convert_wheel(wheel: Path, out_dir: Path) -> list[Path]:
    """Writes OUT_DIR/sbibm_<task>.h5 for every task of TASKS; returns the files written."""
    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for task in TASKS:
            folder, observation = _FOLDER.get(task, (task, "observation.csv"))
            root = f"sbibm/tasks/{folder}/files"
            target = out_dir / f"sbibm_{task}.h5"
            partial = target.with_suffix(".h5.partial")
            with h5py.File(partial, "w") as f:
                f.attrs["source"] = f"{wheel.name} ({root})"
                for n in OBSERVATIONS:
                    base = f"{root}/num_observation_{n}"
                    missing = [p for p in (f"{base}/{observation}", f"{base}/true_parameters.csv",
                                           f"{base}/reference_posterior_samples.csv.bz2") if p not in names]
                    if missing:
                        raise ValueError(f"{wheel}: lacks {', '.join(missing)}")
                    f["obs_%d" % n] = _csv(z.read(f"{base}/{observation}"), f"{wheel}:{base}/{observation}")
                    f["theta_%d" % n] = _csv(z.read(f"{base}/true_parameters.csv"), f"{wheel}:{base}/true_parameters.csv")
                    f["ref_%d" % n] = _csv(bz2.decompress(z.read(f"{base}/reference_posterior_samples.csv.bz2")),
                                           f"{wheel}:{base}/reference_posterior_samples.csv.bz2")
                    if task == "bernoulli_glm" and f"{base}/observation_raw.csv" in names:
                        f["obs_raw_%d" % n] = _csv(z.read(f"{base}/observation_raw.csv"),
                                                   f"{wheel}:{base}/observation_raw.csv")
            partial.replace(target)  # whole or not at all
            written.append(target)
    return written


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    for path in convert_wheel(Path(argv[0]), Path(argv[1])):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
