"""Type stubs of the Tractable module (python/tractable_module.cpp): train, validate, load and verify runs."""
from os import PathLike
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

import numpy as np

Spec = Union[str, PathLike, Mapping[str, Any]]
ProgressCallback = Callable[[int, int, float, float], None]


class CorruptionError(OSError):
    """A run file that fails its checksums (the CLI's exit code 9)."""


class SimulationsPending(RuntimeError):
    """data.slurm: the simulations the data needs are with a Slurm job array (the CLI's exit code 11);
    call again when it has finished."""


class Model:
    """A trained flow or VAE, loaded from a run file's /checkpoint_best (or last checkpoint)."""
    dim: int
    kind: str
    path: str
    checkpoint: str
    checkpoint_step: int
    context_dim: int
    spec: dict
    parameters: dict

    def log_prob(self, x: np.ndarray, k: int = 0, batch: int = 4096,
                 context: Optional[np.ndarray] = None) -> np.ndarray:
        """log p of each row of x [N, D] (float64 [N]), as `tractable log-prob`; VAEs: the K-sample importance
        estimate (k=0: the spec's K); conditional flows: log p(x | c) with context [N, C], one row per row of x."""
    def sample(self, n: int, seed: int = 0, batch: int = 4096, context: Optional[np.ndarray] = None,
               log_prob: bool = False) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]:
        """n samples [n, D] (float32), as `tractable sample -n N --seed S`; conditional flows: n samples at each
        row of context [R, C], [R, n, D] (with log_prob=True also log q(x | c) [R, n], float64)."""
    def diagnose(self, simulations: int = 1000, draws: int = 1000, seed: int = 0) -> Dict[str, Any]:
        """Conditional flows trained on a simulator: their calibration, the same numbers as `tractable diagnose
        --simulations N --draws L --seed S` on one rank. A dict of sbc_ranks [N, D] and their χ² p-values
        sbc_p_values [D]; the expected coverage of highest-density regions and of TARP, hdr_coverage and
        tarp_coverage, at levels 0.05 … 0.95 (levels), with the per-pair fractions hdr_fraction and
        tarp_fraction [N]; the pairs parameters [N, D] and observations [N, C]; leakage, draws, simulator; left_out,
        the pairs (0-based) whose draws lay almost all outside the prior's support, not counted in N."""
    def encode(self, x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """VAEs: (mean, log_variance) of q(z|x), each [N, L], as `tractable encode`."""
    def decode(self, z: np.ndarray) -> np.ndarray:
        """VAEs: the decoder means E[x|z] [N, D] for latent rows z [N, L], as `tractable decode`."""
    def compress(self, x: np.ndarray, latent_bits: int = ..., lanes: int = ..., seed: int = 0) -> bytes:
        """VAEs: binary images [N, D] (every value 0 or 1) -> bytes, the same bytes as `tractable compress`
        (bits-back coding); latent_bits and lanes default to the CLI's --latent-bits and --lanes."""
    def decompress(self, data: bytes) -> np.ndarray:
        """VAEs: the bytes of `compress` or `tractable compress` -> the identical images, uint8 [N, D]."""


def load(path: str, last: bool = False) -> Model:
    """The model of a run file: /checkpoint_best when the run has one, else (or with last=True) /checkpoint."""


def validate(spec: Spec, set: Optional[Mapping[str, Any]] = None, **overrides: Any) -> dict:
    """The resolved spec (defaults filled in), with set={'key.path': value} and key__path=value overrides
    applied as `tractable validate --set`; ValueError with the validator's message when it is not valid."""


def run(spec: Spec, out: str, progress: Union[None, bool, ProgressCallback] = None, resume: bool = False,
        force: bool = False, simulator: Optional[Callable[[np.ndarray], np.ndarray]] = None,
        set: Optional[Mapping[str, Any]] = None, **overrides: Any) -> Model:
    """Train `spec` in this process exactly as `tractable run SPEC --out OUT` (the same run file, bit for bit);
    progress None (quiet), True (tqdm when installed, else the CLI's lines) or a callable
    (step, total, loss, steps_per_second). simulator: for a data.source 'external_simulator' spec without
    data.command, a function from parameter rows θ [n, D] (float64) to observation rows x [n, C], NaN where a
    simulation failed (an exception fails its batch, recorded in data.cache). Returns tractable.load(out)."""


def verify(path: str) -> list:
    """`tractable verify` of one run file: a list of (kind, text), kind 'defect', 'warning' or 'ok'."""
