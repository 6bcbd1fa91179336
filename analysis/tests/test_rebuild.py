"""A run file describes its model: flows with every layer type and base, trained
by the real binary on 4-D data for a few steps, rebuilt in NumPy by
analysis/rebuild.py from the run file alone (the conventions of docs/reference/run-file.md), must give
the same log-density as the framework's own /eval/test_log_likelihood on every
test row (to 1e-4; the run is float32, the rebuild float64)."""
import json
import subprocess

import h5py
import numpy as np
import pytest

from analysis.rebuild import LAYERS, load_flow
from analysis.tests.test_plots import tractable_binary

DIM = 4

# name -> (layers, model keys, base). Every layer type of the spec appears at least once,
# every base, both conditioners, and every activation.
CASES = {
    "affine": ([{"type": "affine_coupling", "mask": "alternating"}, {"type": "affine_coupling", "mask": "half"}],
               {"activation": "tanh"}, {"type": "standard_normal"}),
    "affine_conv": ([{"type": "affine_coupling", "mask": "checkerboard", "conditioner": "conv", "kernel": 3}] * 2,
                    {"hidden": 4, "activation": "leaky_relu"}, {"type": "standard_normal"}),
    "additive_actnorm": ([{"type": "additive_coupling", "mask": "half"}, {"type": "actnorm"},
                          {"type": "additive_coupling", "mask": "alternating", "conditioner": "conv"}],
                         {"activation": "elu"}, {"type": "standard_normal"}),
    "rqs_coupling": ([{"type": "rqs_coupling", "mask": "alternating", "bins": 5, "tail_bound": 2.5}] * 2,
                     {"activation": "softplus"}, {"type": "diagonal_gaussian"}),
    "rqs_conv": ([{"type": "rqs_coupling", "mask": "checkerboard", "conditioner": "conv", "bins": 4, "tail_bound": 2}] * 2,
                 {"hidden": 3, "activation": "tanh"}, {"type": "standard_normal"}),
    "rqs_autoregressive": ([{"type": "rqs_autoregressive", "order": "random", "bins": 4},
                            {"type": "random_permutation"}], {}, {"type": "standard_normal"}),
    "maf_random": ([{"type": "maf", "order": "random"}, {"type": "reverse"}, {"type": "maf", "order": "reversed"}],
                   {}, {"type": "diagonal_gaussian"}),
    "iaf": ([{"type": "iaf", "order": "natural"}, {"type": "random_permutation", "seed": 11},
             {"type": "iaf", "order": "random", "seed": 5}], {"activation": "identity"}, {"type": "standard_normal"}),
    "lu_linear": ([{"type": "lu_linear"}, {"type": "affine_coupling"}, {"type": "lu_linear", "seed": 3}],
                  {}, {"type": "standard_normal"}),
    "planar": ([{"type": "planar"}] * 4, {}, {"type": "standard_normal"}),
    "radial": ([{"type": "radial"}] * 4, {}, {"type": "diagonal_gaussian"}),
    "batchnorm_mixture": ([{"type": "batchnorm"}, {"type": "affine_coupling"}, {"type": "batchnorm", "eps": 1e-3}],
                          {}, {"type": "gaussian_mixture", "components": 3}),
}


def data_rows(n=1500, seed=0):
    """A correlated, bimodal 4-D density: no layer type fits it exactly in a few steps."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, DIM))
    mode = rng.integers(0, 2, size=n)[:, None]
    a = np.array([[1.0, 0.0, 0.0, 0.0], [0.6, 0.8, 0.0, 0.0], [-0.3, 0.2, 0.9, 0.0], [0.1, -0.5, 0.3, 0.7]])
    return z @ a.T + np.where(mode == 1, 1.5, -1.0) * np.array([1.0, -0.5, 0.25, 0.8])


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("rebuild") / "data4d.csv"
    np.savetxt(path, data_rows(), delimiter=",", fmt="%.9g")
    return path


def train(tmp_path, csv_path, name, layers, model_keys, base):
    spec = {"name": name, "data": {"source": "csv", "path": str(csv_path), "test_fraction": 0.2},
            "model": dict({"type": "flow", "hidden": 16, "depth": 2, "layers": layers, "repeat": 1, "base": base},
                          **model_keys),
            "optimizer": {"type": "adam", "lr": 5e-3},
            "training": {"steps": 120, "batch_size": 128, "log_every": 40, "eval_every": 0, "checkpoint_every": 120},
            "output": {"n_samples": 10, "n_data_points": 100000, "density_grid": 0}}
    spec_path = tmp_path / f"{name}.json"
    spec_path.write_text(json.dumps(spec))
    out = tmp_path / f"{name}.h5"
    subprocess.run([tractable_binary(), "run", str(spec_path), "--out", str(out), "--quiet"], check=True,
                   capture_output=True)
    return out


def spec_layer_types():
    """The layer types the binary's spec schema accepts (the enum that holds affine_coupling)."""
    schema = json.loads(subprocess.run([tractable_binary(), "schema"], check=True, capture_output=True, text=True).stdout)
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "affine_coupling" in node.get("enum", []):
                found.append(set(node["enum"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert found, "no layer-type enum in tractable schema"
    return found[0]


def test_every_layer_type_is_covered():
    """A layer type the spec accepts but this rebuild (or this test) does not know fails here."""
    covered = {layer["type"] for layers, _, _ in CASES.values() for layer in layers}
    assert set(LAYERS) | {"batchnorm"} == covered == spec_layer_types()
    assert {base["type"] for _, _, base in CASES.values()} == {"standard_normal", "diagonal_gaussian",
                                                                 "gaussian_mixture"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_numpy_rebuild_matches_the_framework(tmp_path, csv_path, name):
    layers, model_keys, base = CASES[name]
    run = train(tmp_path, csv_path, name, layers, model_keys, base)
    with h5py.File(run, "r") as f:
        points = np.asarray(f["data/test_points"], dtype=np.float64)
        expected = np.asarray(f["eval/test_log_likelihood"])
        assert f["data"].attrs["n_test"] == len(expected) == len(points)  # rows aligned, in test-split order
        n_layers = int(f["model"].attrs["n_layers"])
        assert n_layers == len(layers)
        # The parameters moved away from their initialisation: the rebuild is not of an identity map.
        assert f["metrics/loss"][-1] < f["metrics/loss"][0]
    flow = load_flow(run)
    got = flow.log_prob(points)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_the_rebuild_is_sensitive_to_the_fixed_arrays(tmp_path, csv_path):
    """A wrong permutation or MADE order changes the density: the stored arrays are what makes it match."""
    layers, model_keys, base = CASES["maf_random"]
    run = train(tmp_path, csv_path, "maf_sensitivity", layers, model_keys, base)
    flow = load_flow(run)
    with h5py.File(run, "r") as f:
        points = np.asarray(f["data/test_points"], dtype=np.float64)
        expected = np.asarray(f["eval/test_log_likelihood"])
    degrees = flow.layers[0]["arrays"]["input_degrees"]
    assert sorted(degrees) == list(range(1, DIM + 1)) and list(degrees) != list(range(1, DIM + 1))
    flow.layers[1]["arrays"]["permutation"] = np.arange(DIM)  # "reverse" read as the identity
    assert np.max(np.abs(flow.log_prob(points) - expected)) > 1e-2
