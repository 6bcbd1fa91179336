"""The Python module (python/tractable_module.cpp) against the CLI and ground truth.

Same numbers as `tractable log-prob` and `tractable sample` to the last bit; a
flow at its identity start has the standard normal density; parameters and
spec are the run file's; errors are ValueError/OSError with the CLI's words;
the interpreter's own arithmetic (subnormals) is left as it was.
Run by ctest as python.module: PYTHONPATH=build/python, TRACTABLE_BIN set.
"""
import json
import math
import os
import subprocess

import h5py
import numpy as np
import pytest

import tractable

BIN = os.environ["TRACTABLE_BIN"]
SOURCE = os.path.join(os.path.dirname(__file__), "..", "..")
QUICKSTART = os.path.join(SOURCE, "experiments", "quickstart.json")


def run(*args, cwd):
    subprocess.run([BIN, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("module")
    small = ["--quiet", "--set", "training.steps=60", "--set", "model.repeat=2", "--set", "model.hidden=16",
             "--set", "data.n_train=1000", "--set", "data.n_test=300", "--set", "output.density_grid=0"]
    run("run", QUICKSTART, *small, "--out", "flow.h5", cwd=d)
    run("run", QUICKSTART, "--quiet", "--set", "training.steps=1", "--set", "optimizer.lr=1e-30",
        "--set", "output.density_grid=0", "--out", "identity.h5", cwd=d)
    rng = np.random.default_rng(0)
    np.savetxt(d / "grey.csv", rng.uniform(size=(200, 6)), delimiter=",")
    vae = {"name": "tiny", "data": {"source": "csv", "path": str(d / "grey.csv"), "test_fraction": 0.25},
           "model": {"type": "vae", "latent": 2, "hidden": 8, "depth": 1},
           "objective": {"type": "iwae", "samples": 3, "eval_importance_samples": 20, "eval_bounds": [1, 10]},
           "training": {"steps": 30, "batch_size": 50, "eval_every": 0, "checkpoint_every": 30},
           "output": {"n_samples": 5}}
    (d / "vae.json").write_text(json.dumps(vae))
    run("run", str(d / "vae.json"), "--quiet", "--out", "vae.h5", cwd=d)
    # Overfits 100 points: the best validation step comes before the last (early stopping).
    run("run", QUICKSTART, "--quiet", "--set", "training.steps=3000", "--set", "training.eval_every=100",
        "--set", "training.early_stopping_patience=3", "--set", "data.n_train=100", "--set", "data.n_test=2000",
        "--set", "training.batch_size=64", "--set", "optimizer.lr=3e-3", "--set", "optimizer.schedule.type=constant",
        "--set", "output.density_grid=0", "--out", "selected.h5", cwd=d)
    return d


def test_log_prob_and_sample_equal_the_cli_bit_for_bit(work):
    m = tractable.load(str(work / "flow.h5"))
    assert m.kind == "flow" and m.dim == 2
    x = h5py.File(work / "flow.h5", "r")["data/test_points"][()]
    run("log-prob", "flow.h5", "flow.h5:/data/test_points", "--out", "lp.h5", cwd=work)
    assert np.array_equal(m.log_prob(x), h5py.File(work / "lp.h5", "r")["log_prob"][()])
    run("sample", "flow.h5", "-n", "500", "--seed", "7", "--out", "s.h5", cwd=work)
    cli = h5py.File(work / "s.h5", "r")["samples"][()]
    ours = m.sample(500, seed=7)
    assert ours.dtype == np.float32 and np.array_equal(ours, cli)
    assert not np.array_equal(ours, m.sample(500, seed=8))
    # sample --format csv prints the same rows (17 significant digits round-trip float32 exactly)
    text = subprocess.run([BIN, "sample", "flow.h5", "-n", "500", "--seed", "7", "--format", "csv"], cwd=work,
                          check=True, capture_output=True, text=True).stdout.split("\n")
    assert text[0] == "x0,x1"
    assert np.array_equal(np.loadtxt(text[1:501], delimiter=",").astype(np.float32), cli)


def test_diagnose_equals_the_cli_and_refuses_what_it_cannot_judge(work):
    # A small NPE on gaussian_linear: the module's diagnosis is `tractable diagnose`'s, array for array.
    run("run", QUICKSTART, "--quiet", "--set", 'data={"source":"simulator","simulator":"gaussian_linear",'
        '"n_simulations":2000,"n_test":200}', "--set", "training.steps=200", "--set", "model.repeat=2",
        "--set", "output.density_grid=0", "--set", "output.n_samples=0", "--out", "npe.h5", cwd=work)
    m = tractable.load(str(work / "npe.h5"))
    ours = m.diagnose(simulations=60, draws=40, seed=3)
    run("diagnose", "npe.h5", "--simulations", "60", "--draws", "40", "--seed", "3", "--out", "diag.h5", cwd=work)
    with h5py.File(work / "diag.h5", "r") as f:
        for name in ("sbc_ranks", "sbc_p_values", "levels", "hdr_fraction", "hdr_coverage", "tarp_fraction",
                     "tarp_coverage", "parameters", "observations"):
            assert np.array_equal(ours[name], f[name][()]), name
    assert ours["sbc_ranks"].shape == (60, 10) and ours["simulator"] == "gaussian_linear" and ours["draws"] == 40
    with pytest.raises(ValueError, match="flow.h5: not a conditional flow"):
        tractable.load(str(work / "flow.h5")).diagnose(simulations=10)


def test_a_python_function_simulates_as_a_command_does(work):
    # f(θ) = (θ1 + θ2, θ1·θ2), NaN where θ1 > 0.8: as a function passed to run(), and as a program for the CLI.
    (work / "f.py").write_text(
        "import sys, numpy as np\n"
        "def f(t):\n"
        "    x = np.stack([t[:, 0] + t[:, 1], t[:, 0] * t[:, 1]], axis=1)\n"
        "    x[t[:, 0] > 0.8] = np.nan\n"
        "    return x\n"
        "if __name__ == '__main__':\n"
        "    np.savetxt(sys.argv[2], f(np.loadtxt(sys.argv[1], delimiter=',', ndmin=2)), delimiter=',')\n")
    spec = {"name": "py-sim", "data": {"source": "external_simulator",
                                       "prior": {"type": "uniform", "low": [-1, -1], "high": [1, 1]},
                                       "observation_dim": 2, "cache": str(work / "fcache.h5"), "batch": 250,
                                       "n_simulations": 1000, "n_test": 100},
            "model": {"hidden": 8, "repeat": 1, "layers": [{"type": "affine_coupling"}, {"type": "reverse"}]},
            "training": {"steps": 20, "batch_size": 32, "eval_every": 0},
            "output": {"n_samples": 0, "density_grid": 0}}
    import importlib.util
    loader = importlib.util.spec_from_file_location("f", work / "f.py")
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    calls = []
    def counted(t):
        calls.append(len(t))
        return module.f(t)
    model = tractable.run(spec, out=str(work / "pysim.h5"), simulator=counted)
    assert model.context_dim == 2 and calls == [250, 250, 250, 250, 100]
    spec_cli = json.loads(json.dumps(spec))
    spec_cli["data"]["command"] = ["/usr/bin/python3", str(work / "f.py")]
    spec_cli["data"]["cache"] = str(work / "ccache.h5")
    (work / "cli_sim.json").write_text(json.dumps(spec_cli))
    run("run", str(work / "cli_sim.json"), "--quiet", "--out", "clisim.h5", cwd=work)
    a, b = h5py.File(work / "fcache.h5", "r"), h5py.File(work / "ccache.h5", "r")
    for block in ("training", "test"):
        t = a[block]["parameters"][()]
        assert np.array_equal(t, b[block]["parameters"][()])
        assert np.allclose(a[block]["observations"][()], b[block]["observations"][()], rtol=0, atol=1e-15, equal_nan=True)
        assert np.array_equal(a[block]["status"][()], (t[:, 0] > 0.8).astype(float))
    assert "function test_a_python_function_simulates_as_a_command_does.<locals>.counted" in a["settings"][()].decode()
    # Reuse: no new calls; an exception fails its batch, recorded; a spec with a command and a function is refused.
    tractable.run(spec, out=str(work / "pysim2.h5"), simulator=counted)
    assert len(calls) == 5
    def broken(t):
        raise RuntimeError("the solver diverged")
    with pytest.raises(ValueError, match="the solver diverged.*too few simulations succeeded"):
        tractable.run(spec, out=str(work / "pysim3.h5"), simulator=broken, data__cache=str(work / "broken.h5"))
    assert "the solver diverged" in h5py.File(work / "broken.h5", "r")["training"]["first_failure"][()].decode()
    with pytest.raises(ValueError, match="data.command and a simulator function are two simulators"):
        tractable.run(spec_cli, out=str(work / "pysim4.h5"), simulator=counted)
    # data.slurm from Python: the simulations go to an array script (not submitted here), and run() raises
    # tractable.SimulationsPending (the CLI's exit 11) until its tasks have run; then it trains. A function
    # cannot run as an array task; a campaign of other settings is a ValueError, as the CLI's exit 4.
    slurm = dict(spec_cli["data"], cache=str(work / "scache.h5"), slurm={"submit": False})
    with pytest.raises(tractable.SimulationsPending, match="1100 of 1100 simulations are not in it yet"):
        tractable.run(spec_cli, out=str(work / "slurm.h5"), data=slurm)
    assert issubclass(tractable.SimulationsPending, RuntimeError) and not (work / "slurm.h5").exists()
    for task in range(5):
        subprocess.run(["bash", str(work / "scache.h5.slurm" / "array-1.sbatch")], check=True, capture_output=True,
                       env=dict(os.environ, SLURM_ARRAY_TASK_ID=str(task), PATH=os.path.dirname(BIN) + ":" + os.environ["PATH"]))
    assert tractable.run(spec_cli, out=str(work / "slurm.h5"), data=slurm).context_dim == 2
    assert np.array_equal(h5py.File(work / "scache.h5", "r")["training"]["status"][()],
                          h5py.File(work / "ccache.h5", "r")["training"]["status"][()])
    with pytest.raises(ValueError, match="a Python function cannot run as a Slurm array"):
        tractable.run(spec, out=str(work / "slurm2.h5"), simulator=counted, data=dict(spec["data"], slurm={"submit": False}))
    foreign = dict(slurm, prior={"type": "uniform", "low": [-2, -2], "high": [2, 2]}, cache=str(work / "scache.h5"))
    with pytest.raises(ValueError, match="other settings"):
        tractable.run(spec_cli, out=str(work / "slurm3.h5"), data=foreign)


def test_best_and_last_checkpoints_equal_the_cli(work):
    f = h5py.File(work / "selected.h5", "r")
    best_step, last_step = int(f["checkpoint_best"].attrs["step"]), int(f["checkpoint"].attrs["step"])
    assert best_step < last_step
    best, last = tractable.load(str(work / "selected.h5")), tractable.load(str(work / "selected.h5"), last=True)
    assert (best.checkpoint, best.checkpoint_step) == ("best", best_step)
    assert (last.checkpoint, last.checkpoint_step) == ("last", last_step)
    flat = lambda m: np.concatenate([a.ravel() for a in m.parameters.values()])
    assert np.array_equal(flat(best), f["checkpoint_best/parameters"][()])
    assert np.array_equal(flat(last), f["checkpoint/parameters"][()])
    x = f["data/test_points"][()]
    run("log-prob", "selected.h5", "selected.h5:/data/test_points", "--out", "sel_best.h5", cwd=work)
    run("log-prob", "selected.h5", "selected.h5:/data/test_points", "--last", "--out", "sel_last.h5", cwd=work)
    assert np.array_equal(best.log_prob(x), h5py.File(work / "sel_best.h5", "r")["log_prob"][()])
    assert np.array_equal(last.log_prob(x), h5py.File(work / "sel_last.h5", "r")["log_prob"][()])
    # the last parameters are those of the final evaluation's per-example test log-likelihoods
    assert np.max(np.abs(last.log_prob(x) - f["eval/test_log_likelihood"][()][:len(x)])) < 1e-5


def test_identity_flow_is_the_standard_normal(work):
    m = tractable.load(str(work / "identity.h5"))
    x = np.array([[0.0, 0.0], [1.0, 2.0], [-3.0, 0.5]])
    expected = -0.5 * (x ** 2).sum(axis=1) - math.log(2 * math.pi)
    assert np.max(np.abs(m.log_prob(x) - expected)) < 1e-5


def test_parameters_and_spec_are_the_run_files(work):
    m = tractable.load(str(work / "flow.h5"))
    f = h5py.File(work / "flow.h5", "r")
    assert m.spec == json.loads(f["spec"][()].decode() if isinstance(f["spec"][()], bytes) else f["spec"][()])
    flat = np.concatenate([a.ravel() for a in m.parameters.values()])
    assert np.array_equal(flat, f["checkpoint/parameters"][()])
    p = m.parameters
    p["flow.0.conditioner.linear0.weight"][:] = 0  # a copy: the model is unchanged
    assert np.array_equal(np.concatenate([a.ravel() for a in m.parameters.values()]), flat)


def test_vae_log_prob_equals_the_cli_and_encode_has_the_latent_shape(work):
    m = tractable.load(str(work / "vae.h5"))
    assert m.kind == "vae"
    x = np.loadtxt(work / "grey.csv", delimiter=",")[:17]
    np.savetxt(work / "rows.csv", x, delimiter=",", fmt="%.17g")
    run("log-prob", "vae.h5", "rows.csv", "-k", "10", "--out", "vlp.h5", cwd=work)
    assert np.array_equal(m.log_prob(x, k=10), h5py.File(work / "vlp.h5", "r")["log_prob"][()])
    mean, log_variance = m.encode(x)
    assert mean.shape == (17, 2) and log_variance.shape == (17, 2) and np.all(np.isfinite(mean))
    # encode and decode equal the CLI's; decoder means of a Bernoulli decoder are probabilities
    run("encode", "vae.h5", "rows.csv", "--out", "enc.h5", cwd=work)
    enc = h5py.File(work / "enc.h5", "r")
    assert np.array_equal(enc["mean"][()], mean) and np.array_equal(enc["log_variance"][()], log_variance)
    np.savetxt(work / "z.csv", mean, delimiter=",", fmt="%.9g")
    run("decode", "vae.h5", "z.csv", "--out", "dec.h5", cwd=work)
    decoded = m.decode(np.loadtxt(work / "z.csv", delimiter=",", ndmin=2))
    assert decoded.shape == (17, 6) and np.array_equal(h5py.File(work / "dec.h5", "r")["mean"][()], decoded)
    assert np.all((decoded > 0) & (decoded < 1))
    with pytest.raises(ValueError, match=r"decode\(z\): expected an array of shape \[N, 2\]"):
        m.decode(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"row 1, column 3 is 1.5.*Bernoulli decoder needs values in \[0, 1\]"):
        bad = x.copy()
        bad[0, 2] = 1.5
        m.log_prob(bad)


def test_errors_carry_the_cli_messages(work):
    m = tractable.load(str(work / "flow.h5"))
    with pytest.raises(ValueError, match=r"expected an array of shape \[N, 2\], got \[2, 3\]"):
        m.log_prob(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="row 2, column 1 is NaN"):
        m.log_prob(np.array([[0.0, 0.0], [np.nan, 1.0]]))
    with pytest.raises(ValueError, match="trained a flow, not a VAE"):
        m.encode(np.zeros((1, 2)))
    with pytest.raises(OSError, match="absent.h5: no such file"):
        tractable.load(str(work / "absent.h5"))


def test_the_interpreter_keeps_ieee_subnormals(work):
    m = tractable.load(str(work / "flow.h5"))
    m.log_prob(np.zeros((4, 2)))
    tiny = np.float32(1e-45)
    assert tiny * np.float32(2) > 0  # flush-to-zero would give 0


def checkpoints(path):
    """Every value a run's checkpoints hold, by name (side files followed)."""
    out = {}
    with h5py.File(path, "r") as f:
        for group in ("checkpoint", "checkpoint_best"):
            if group in f:
                f[group].visititems(lambda name, o: out.__setitem__(f"{group}/{name}", o[()])
                                    if isinstance(o, h5py.Dataset) else None)
    return out


def test_run_from_python_is_the_cli_run_bit_for_bit(work):
    # The same spec by the CLI and by tractable.run (a dict, overrides as keywords and as `set`): every
    # checkpoint value and every metric equal, the stored spec the same.
    spec = json.loads(open(QUICKSTART).read())
    run("run", QUICKSTART, "--quiet", "--set", "training.steps=80", "--set", "model.hidden=16",
        "--set", "data.n_train=1000", "--set", "output.density_grid=0", "--out", "cli.h5", cwd=work)
    reports = []
    m = tractable.run(spec, out=str(work / "py.h5"), progress=lambda *r: reports.append(r),
                      training__steps=80, set={"model.hidden": 16, "data.n_train": 1000, "output.density_grid": 0})
    assert m.kind == "flow" and m.path == str(work / "py.h5")
    a, b = checkpoints(work / "cli.h5"), checkpoints(work / "py.h5")
    assert a.keys() == b.keys() and len(a) > 0
    for name in a:
        assert np.array_equal(a[name], b[name]), name
    with h5py.File(work / "cli.h5", "r") as f, h5py.File(work / "py.h5", "r") as g:
        assert json.loads(f["spec"][()]) == json.loads(g["spec"][()])
        assert np.array_equal(f["metrics/loss"][()], g["metrics/loss"][()])
    # Progress reports: (step, total, loss, steps/s), steps rising to the total.
    assert reports and all(len(r) == 4 for r in reports)
    assert reports[-1][0] == 80 and reports[-1][1] == 80
    assert [r[0] for r in reports] == sorted(r[0] for r in reports)
    # An existing run file is refused as by the CLI; a bad spec names its place.
    with pytest.raises(OSError, match="already exists"):
        tractable.run(spec, out=str(work / "py.h5"), training__steps=80)
    with pytest.raises(ValueError, match="model.hiden"):
        tractable.run(spec, out=str(work / "bad.h5"), model__hiden=3)
    assert not (work / "bad.h5").exists()


def test_type_stubs_match_the_module_and_document_every_function():
    # python/tractable.pyi (rendered as the site's Python API page): every function and method it declares exists
    # in the module with the same parameter names, and has a docstring; every public function of the module and
    # every method of Model is declared.
    import ast
    import re
    stubs = ast.parse(open(os.path.join(SOURCE, "python", "tractable.pyi")).read())
    declared = {}
    for node in stubs.body:
        if isinstance(node, ast.FunctionDef):
            declared[node.name] = (node, getattr(tractable, node.name))
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, ast.FunctionDef):
                    declared[f"{node.name}.{member.name}"] = (member, getattr(getattr(tractable, node.name), member.name))
    for name, (node, obj) in declared.items():
        assert ast.get_docstring(node), f"{name}: no docstring in tractable.pyi"
        stub_args = [a.arg for a in node.args.args if a.arg != "self"]
        signature = obj.__doc__.splitlines()[0]  # pybind11: "name(arg: type, ...) -> type"
        module_args = [a for a in re.findall(r"(?:\(|, )(\w+):", signature) if a != "self"]
        assert stub_args == module_args, f"{name}: stub {stub_args} against module {module_args}"
    public = {n for n, o in vars(tractable).items() if callable(o) and not n.startswith("_") and not isinstance(o, type)}
    methods = {f"Model.{n}" for n, o in vars(tractable.Model).items() if callable(o) and not n.startswith("_")}
    assert public | methods <= set(declared), (public | methods) - set(declared)


class FakeTqdm:
    """Stands in for tqdm.tqdm: records what tractable.run asks of a progress bar."""
    bars = []

    def __init__(self, total, unit):
        self.total, self.unit, self.updates, self.postfixes, self.closed = total, unit, [], [], False
        FakeTqdm.bars.append(self)

    def update(self, n):
        self.updates.append(n)

    def set_postfix(self, loss):
        self.postfixes.append(loss)

    def close(self):
        self.closed = True


def test_progress_true_draws_a_tqdm_bar_or_prints_the_clis_lines(work, monkeypatch, capfd):
    # progress=True with tqdm importable: one bar of `total` steps whose updates add up to it, the loss as its
    # postfix, closed at the end. Without tqdm: the CLI's progress lines instead, and no error.
    import sys
    import types
    spec = json.loads(open(QUICKSTART).read())
    small = {"training.steps": 60, "training.log_every": 20, "model.hidden": 8, "data.n_train": 500,
             "output.density_grid": 0}
    FakeTqdm.bars.clear()
    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeTqdm))
    tractable.run(spec, out=str(work / "bar.h5"), progress=True, set=small)
    assert len(FakeTqdm.bars) == 1
    bar = FakeTqdm.bars[0]
    assert bar.total == 60 and bar.unit == "step" and bar.closed
    assert sum(bar.updates) == 60 and all(n > 0 for n in bar.updates)
    assert len(bar.postfixes) == len(bar.updates) and all(math.isfinite(loss) for loss in bar.postfixes)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm raises ImportError
    capfd.readouterr()
    tractable.run(spec, out=str(work / "lines.h5"), progress=True, set=small)
    printed = capfd.readouterr()
    assert "step 60/60" in printed.out + printed.err


def test_validate_returns_the_resolved_spec_or_the_validators_message():
    resolved = tractable.validate(QUICKSTART, training__steps=5)
    assert resolved["training"]["steps"] == 5 and resolved["model"]["type"] == "flow"
    assert resolved == json.loads(subprocess.run([BIN, "validate", QUICKSTART, "--set", "training.steps=5"],
                                                 check=True, capture_output=True, text=True).stdout)
    with pytest.raises(ValueError, match=r"objective.type: 'iwae' trains a variational autoencoder"):
        tractable.validate({"objective": {"type": "iwae"}})
    with pytest.raises(ValueError, match="did you mean 'hidden'"):
        tractable.validate({"model": {"hiden": 3}})
