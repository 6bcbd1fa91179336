"""Rebuild a trained flow from its run file alone, in NumPy (float64), knowing
nothing but the "Rebuilding a flow from its run file" section of
docs/reference/run-file.md: the
/model description (layer types, parameter prefixes, configurations, fixed
arrays), the /checkpoint parameter and buffer tables, and the conventions
written there. Nothing here imports or calls Tractable's C++ code.

    from analysis.rebuild import load_flow
    flow = load_flow("runs/quickstart.h5")
    log_p = flow.log_prob(x)          # x: [N, D] -> [N]

The test (analysis/tests/test_rebuild.py) trains a flow with every layer type
and checks log_prob of /data/test_points against /eval/test_log_likelihood.
"""
from __future__ import annotations

import json

import h5py
import numpy as np


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def read_tensors(checkpoint, prefix: str) -> dict:
    """name -> array for one table of /checkpoint (`parameters` or `buffers`): slice
    offset : offset + prod(shape) of the flat array, row-major."""
    if prefix not in checkpoint:
        return {}
    flat = np.asarray(checkpoint[prefix], dtype=np.float64)
    names = [_text(n) for n in checkpoint[prefix.rstrip("s") + "_names"][()]]
    offsets = checkpoint[prefix.rstrip("s") + "_offsets"][()]
    shapes = [json.loads(_text(s)) for s in checkpoint[prefix.rstrip("s") + "_shapes"][()]]
    out = {}
    for name, offset, shape in zip(names, offsets, shapes):
        size = int(np.prod(shape)) if shape else 1
        out[name] = flat[int(offset):int(offset) + size].reshape(shape)
    return out


# ---- pieces -----------------------------------------------------------------

def softplus(x):
    return np.logaddexp(0.0, x)


ACTIVATIONS = {
    "identity": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "tanh": np.tanh,
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "softplus": softplus,
}


def mlp(params: dict, prefix: str, x, depth: int, activation: str, masks=None):
    """Linear -> activation -> ... -> Linear; weights [out, in], y = x Wᵀ + b; a MADE uses W ⊙ mask."""
    h = x
    for layer in range(depth + 1):
        w = params[f"{prefix}.linear{layer}.weight"]
        if masks is not None:
            w = w * masks[layer]
        h = h @ w.T + params[f"{prefix}.linear{layer}.bias"]
        if layer < depth:
            h = ACTIVATIONS[activation](h)
    return h


def periodic_conv(x, weight, bias, side: int, kernel: int):
    """x [B, C·L²] (channel-major, site t·L + s) -> [B, O·L²];
    y(b, o, t, s) = bias(o) + Σ_{c,u,v} W[o, c·k² + u·k + v] x(b, c, (t+u−r) mod L, (s+v−r) mod L)."""
    batch = x.shape[0]
    channels = x.shape[1] // (side * side)
    grid = x.reshape(batch, channels, side, side)
    r = kernel // 2
    out = np.zeros((batch, weight.shape[0], side, side))
    w = weight.reshape(weight.shape[0], channels, kernel, kernel)
    for u in range(kernel):
        for v in range(kernel):
            # shifted[b, c, t, s] = grid[b, c, (t + u − r) mod L, (s + v − r) mod L]
            shifted = np.roll(grid, shift=(r - u, r - v), axis=(2, 3))
            out += np.einsum("oc,bcts->bots", w[:, :, u, v], shifted)
    out += bias[None, :, None, None]
    return out.reshape(batch, -1)


def cnn(params: dict, prefix: str, x, depth: int, activation: str, side: int, kernel: int):
    h = x
    for layer in range(depth + 1):
        h = periodic_conv(h, params[f"{prefix}.conv{layer}.weight"], params[f"{prefix}.conv{layer}.bias"], side, kernel)
        if layer < depth:
            h = ACTIVATIONS[activation](h)
    return h


def spline_forward(raw, x, bins: int, tail_bound: float, min_w: float, min_h: float, min_d: float):
    """Monotone rational-quadratic spline per element. raw [N, 3K−1] (K widths, K heights,
    K−1 interior derivatives), x [N] -> (y [N], log f'(x) [N]); identity outside (−B, B)."""
    K, B = bins, tail_bound
    y = x.copy()
    logd = np.zeros_like(x)
    inside = (x > -B) & (x < B)
    if not inside.any():
        return y, logd
    r, xi_all = raw[inside], x[inside]

    def floored_softmax(a, floor):
        e = np.exp(a - a.max(axis=1, keepdims=True))
        return floor + (1 - K * floor) * e / e.sum(axis=1, keepdims=True)

    widths = 2 * B * floored_softmax(r[:, :K], min_w)
    heights = 2 * B * floored_softmax(r[:, K:2 * K], min_h)
    offset = np.log(np.expm1(1 - min_d))
    interior = min_d + softplus(r[:, 2 * K:] + offset)
    ones = np.ones((r.shape[0], 1))
    derivs = np.concatenate([ones, interior, ones], axis=1)  # [N, K + 1]
    x_knots = -B + np.concatenate([np.zeros((r.shape[0], 1)), np.cumsum(widths, axis=1)], axis=1)
    y_knots = -B + np.concatenate([np.zeros((r.shape[0], 1)), np.cumsum(heights, axis=1)], axis=1)
    # The first bin whose right knot lies beyond x; the last bin otherwise.
    k = np.argmax(np.concatenate([xi_all[:, None] < x_knots[:, 1:K], np.ones((r.shape[0], 1), bool)], axis=1), axis=1)
    rows = np.arange(r.shape[0])
    x0, w = x_knots[rows, k], widths[rows, k]
    y0, h = y_knots[rows, k], heights[rows, k]
    d0, d1 = derivs[rows, k], derivs[rows, k + 1]
    s = h / w
    xi = np.clip((xi_all - x0) / w, 0.0, 1.0)
    q = xi * (1 - xi)
    den = s + (d1 + d0 - 2 * s) * q
    y[inside] = y0 + h * (s * xi * xi + d0 * q) / den
    logd[inside] = np.log(s * s * (d1 * xi * xi + 2 * s * q + d0 * (1 - xi) ** 2) / (den * den))
    return y, logd


# ---- layers: each maps [N, D] data-side points to [N, D] and returns log|det ∂y/∂x| ----

def coupling(layer, params, x):
    cfg, mask, prefix = layer["config"], layer["arrays"]["mask"].astype(bool), layer["parameter_prefix"]
    d = x.shape[1]
    inp = np.where(mask, x, 0.0)  # the network sees the whole vector, transformed coordinates zeroed
    if cfg.get("conditioner", "mlp") == "conv":
        side = int(round(np.sqrt(d)))
        raw = cnn(params, prefix + ".conditioner", inp, cfg["depth"], cfg["activation"], side, cfg["kernel"])
    else:
        raw = mlp(params, prefix + ".conditioner", inp, cfg["depth"], cfg["activation"])
    if layer["type"] == "rqs_coupling":
        y, logd = x.copy(), np.zeros(x.shape[0])
        for j in np.flatnonzero(~mask):
            theta = raw[:, j::d]  # parameter p of coordinate j at column p·D + j
            y[:, j], lj = spline_forward(theta, x[:, j], cfg["bins"], cfg["tail_bound"], cfg["min_bin_width"],
                                         cfg["min_bin_height"], cfg["min_derivative"])
            logd += lj
        return y, logd
    if layer["type"] == "affine_coupling":
        c = cfg["scale_bound"]
        s = np.where(mask, 0.0, c * np.tanh(raw[:, :d] / c))
        t = np.where(mask, 0.0, raw[:, d:])
    else:  # additive
        s = np.zeros_like(x)
        t = np.where(mask, 0.0, raw)
    return x * np.exp(s) + t, s.sum(axis=1)


def made(layer, params, x):
    a, cfg = layer["arrays"], layer["config"]
    masks = [a[f"made_mask_{l}"] for l in range(cfg["depth"] + 1)]
    return mlp(params, layer["parameter_prefix"] + ".made", x, cfg["depth"], cfg["activation"], masks)


def maf_forward(layer, params, x):
    d, c = x.shape[1], layer["config"]["scale_bound"]
    raw = made(layer, params, x)
    mu, alpha = raw[:, :d], c * np.tanh(raw[:, d:] / c)
    return (x - mu) * np.exp(-alpha), -alpha.sum(axis=1)


def iaf_forward(layer, params, y):
    """The inverse of a MAF step: D sequential passes x = y·exp(α(x)) + μ(x)."""
    d, c = y.shape[1], layer["config"]["scale_bound"]
    x = np.zeros_like(y)
    for _ in range(d):
        raw = made(layer, params, x)
        mu, alpha = raw[:, :d], c * np.tanh(raw[:, d:] / c)
        x = y * np.exp(alpha) + mu
    return x, alpha.sum(axis=1)


def spline_autoregressive(layer, params, x):
    cfg, d = layer["config"], x.shape[1]
    raw = made(layer, params, x)
    y, logd = np.empty_like(x), np.zeros(x.shape[0])
    for j in range(d):
        y[:, j], lj = spline_forward(raw[:, j::d], x[:, j], cfg["bins"], cfg["tail_bound"], cfg["min_bin_width"],
                                     cfg["min_bin_height"], cfg["min_derivative"])
        logd += lj
    return y, logd


def lu_linear(layer, params, x):
    p = layer["parameter_prefix"]
    lower = np.tril(params[p + ".lower"], -1) + np.eye(x.shape[1])
    log_diag = params[p + ".log_diag"]
    upper = np.triu(params[p + ".upper"], 1) + np.diag(np.exp(log_diag))
    w = (lower @ upper)[layer["arrays"]["permutation"]]  # W(a, b) = (L U)(perm[a], b)
    return x @ w.T + params[p + ".bias"], np.full(x.shape[0], log_diag.sum())


def planar(layer, params, x):
    """Density direction of x = y + û tanh(wᵀy + b): solve a + c·tanh(a) = wᵀx + b (c = wᵀû > −1) per row."""
    p = layer["parameter_prefix"]
    u, w, b = params[p + ".u"], params[p + ".w"], params[p + ".b"][0]
    t, n = w @ u, w @ w
    u_hat = u + (-1 + softplus(t) - t) * w / n
    c = w @ u_hat
    target = x @ w + b
    # a + c tanh(a) is increasing; bracket and bisect (|a − target| ≤ |c|), then polish with Newton.
    lo, hi = target - abs(c) - 1, target + abs(c) + 1
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        too_big = mid + c * np.tanh(mid) > target
        hi, lo = np.where(too_big, mid, hi), np.where(too_big, lo, mid)
    a = 0.5 * (lo + hi)
    for _ in range(3):
        a -= (a + c * np.tanh(a) - target) / (1 + c * (1 - np.tanh(a) ** 2))
    y = x - np.outer(np.tanh(a), u_hat)
    return y, -np.log(np.abs(1 + (1 - np.tanh(a) ** 2) * c))


def radial(layer, params, x):
    """Density direction of x = y + β̂/(α + r)·(y − z0): the radius r = ‖y − z0‖ from R = ‖x − z0‖ (a quadratic)."""
    p = layer["parameter_prefix"]
    z0 = params[p + ".z0"]
    alpha = softplus(params[p + ".alpha"][0])
    beta = -alpha + softplus(params[p + ".beta"][0])
    d = x.shape[1]
    diff = x - z0
    big_r = np.linalg.norm(diff, axis=1)
    # R = r (1 + β̂/(α + r))  <=>  r² + (α + β̂ − R) r − α R = 0
    bq = alpha + beta - big_r
    r = 0.5 * (-bq + np.sqrt(bq * bq + 4 * alpha * big_r))
    ratio = np.divide(r, big_r, out=np.ones_like(r), where=big_r > 0)
    y = z0 + diff * ratio[:, None]
    h = 1 / (alpha + r)
    logdet_explicit = (d - 1) * np.log1p(beta * h) + np.log1p(beta * alpha * h * h)
    return y, -logdet_explicit


def actnorm(layer, params, x, prefix=None):
    p = prefix or layer["parameter_prefix"]
    s = params[p + ".log_scale"]
    return (x - params[p + ".shift"]) * np.exp(-s), np.full(x.shape[0], -s.sum())


def batchnorm(layer, params, x, buffers):
    p, eps = layer["parameter_prefix"], layer["config"]["eps"]
    mean, var = buffers[p + ".running_mean"], buffers[p + ".running_var"]
    lg = params[p + ".log_gamma"]
    y = (x - mean) / np.sqrt(var + eps) * np.exp(lg) + params[p + ".beta"]
    return y, np.full(x.shape[0], (lg - 0.5 * np.log(var + eps)).sum())


def permutation(layer, params, x):
    return x[:, layer["arrays"]["permutation"]], np.zeros(x.shape[0])  # y_j = x_perm[j]


LAYERS = {
    "affine_coupling": coupling, "additive_coupling": coupling, "rqs_coupling": coupling,
    "maf": maf_forward, "iaf": iaf_forward, "rqs_autoregressive": spline_autoregressive,
    "lu_linear": lu_linear, "planar": planar, "radial": radial, "actnorm": actnorm,
    "reverse": permutation, "random_permutation": permutation,
}


def standard_normal_log_prob(z):
    return -0.5 * (z * z).sum(axis=1) - 0.5 * z.shape[1] * np.log(2 * np.pi)


class NumpyFlow:
    def __init__(self, layers, base, params, buffers, dim):
        self.layers, self.base, self.params, self.buffers, self.dim = layers, base, params, buffers, dim

    def log_prob(self, x) -> np.ndarray:
        """log p(x) = log p_Z(f(x)) + Σ_k log|det ∂f_k|, f = the layers in order (data -> base)."""
        z = np.asarray(x, dtype=np.float64)
        total = np.zeros(z.shape[0])
        for layer in self.layers:
            if layer["type"] == "batchnorm":
                z, logd = batchnorm(layer, self.params, z, self.buffers)
            else:
                z, logd = LAYERS[layer["type"]](layer, self.params, z)
            total += logd
        kind = self.base["type"]
        if kind == "diagonal_gaussian":  # an elementwise affine map named flow.base, then N(0, I)
            z, logd = actnorm(self.base, self.params, z, prefix=self.base["parameter_prefix"])
            return total + logd + standard_normal_log_prob(z)
        if kind == "gaussian_mixture":
            p = self.base["parameter_prefix"]
            logits, means, log_scales = self.params[p + ".logits"], self.params[p + ".means"], self.params[p + ".log_scales"]
            log_w = logits - np.logaddexp.reduce(logits)
            diff = (z[:, None, :] - means[None]) * np.exp(-log_scales)[None]
            log_comp = (-0.5 * diff ** 2 - log_scales[None] - 0.5 * np.log(2 * np.pi)).sum(axis=2)
            return total + np.logaddexp.reduce(log_w[None] + log_comp, axis=1)
        return total + standard_normal_log_prob(z)


def load_flow(path) -> NumpyFlow:
    with h5py.File(path, "r") as f:
        model = f["model"]
        if _text(model.attrs["kind"]) != "flow":
            raise ValueError(f"{path}: /model describes a {_text(model.attrs['kind'])}, not a flow")
        if int(model.attrs.get("context_dim", 0)) > 0:
            raise ValueError(f"{path}: a conditional flow p(x | c) (context_dim {int(model.attrs['context_dim'])}); "
                             "this NumPy rebuild covers unconditional flows: use the Python module (tractable.load)")

        def layer(group):
            return {"type": _text(group.attrs["type"]), "parameter_prefix": _text(group.attrs["parameter_prefix"]),
                    "config": json.loads(_text(group.attrs["config"])),
                    "arrays": {name: np.asarray(group[name]) for name in group}}

        layers = [layer(model["layers"][str(i)]) for i in range(int(model.attrs["n_layers"]))]
        base = layer(model["base"])
        params = read_tensors(f["checkpoint"], "parameters")
        buffers = read_tensors(f["checkpoint"], "buffers")
        return NumpyFlow(layers, base, params, buffers, int(model.attrs["dim"]))
