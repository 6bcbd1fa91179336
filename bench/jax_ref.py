"""JAX reference workloads: shared/BENCHMARKS.md's six, on the same definitions as
shared/bench/torch_ref.py (shapes, batch, activations, tanh-bounded scales, Adam lr 1e-3, fp32),
each step or pass compiled once with jax.jit. Not part of the framework, its tests or CI: it runs in
the peers' virtual environment (jax, jaxlib, optax).

Usage: jax_ref.py WORKLOAD [--threads N] [--steps N]
Prints one JSON line: {"workload", "threads", "metric", "value", "compile_seconds", "impl",
"flush_denormal"}. The value is steady-state throughput (compilation happens in the warm-up and is
reported apart); --threads N pins the process to N cores before XLA starts its thread pool, since
XLA's CPU client sizes its pool from the cores it may run on.
"""
import argparse
import json
import math
import os
import time


def pin(threads):
    cores = sorted(os.sched_getaffinity(0))[:threads]
    os.sched_setaffinity(0, cores)
    os.environ.setdefault("XLA_FLAGS", f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'}")


def step_rate(step, carry, steps):
    """Steady-state steps/s of a compiled step(carry) -> (carry, loss): compiled in the first call (timed apart as
    the compile seconds), four warm-up steps, then `steps` timed."""
    import jax
    start = time.perf_counter()
    carry, value = step(carry)
    jax.block_until_ready(value)
    compile_seconds = time.perf_counter() - start
    for _ in range(4):
        carry, value = step(carry)
    jax.block_until_ready(value)
    start = time.perf_counter()
    for _ in range(steps):
        carry, value = step(carry)
    jax.block_until_ready(value)
    return steps / (time.perf_counter() - start), compile_seconds


def pass_rate(fn, *args, points=100_000):
    """Points/s of a compiled pass: compiled for this shape in the first call, timed in the second."""
    import jax
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    compile_seconds = time.perf_counter() - start
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    return points / (time.perf_counter() - start), compile_seconds


def flushes_subnormals():
    """XLA's CPU runtime flushes subnormals while it runs a computation; observed, not assumed."""
    import jax
    import jax.numpy as jnp
    tiny = jax.jit(lambda v: v * jnp.float32(1e-30))(jnp.float32(1e-10))
    return bool(float(tiny) == 0.0)


def workload_arguments():
    """WORKLOAD [--threads N] [--steps N], as every peer script of the bench takes them."""
    ap = argparse.ArgumentParser()
    ap.add_argument("workload")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=200)
    return ap.parse_args()


def main():
    a = workload_arguments()
    pin(a.threads)

    import jax
    import jax.numpy as jnp
    import optax

    def linear_init(key, din, dout):  # PyTorch's nn.Linear default: U(-1/sqrt(din), 1/sqrt(din))
        kw, kb = jax.random.split(key)
        bound = 1.0 / math.sqrt(din)
        return (jax.random.uniform(kw, (din, dout), jnp.float32, -bound, bound),
                jax.random.uniform(kb, (dout,), jnp.float32, -bound, bound))

    def mlp_init(key, din, dh, dout, layers=2):
        keys = jax.random.split(key, layers + 1)
        dims = [din] + [dh] * layers + [dout]
        return [linear_init(k, i, o) for k, i, o in zip(keys, dims[:-1], dims[1:])]

    def mlp(params, x, act, masks=None):
        for n, (w, b) in enumerate(params):
            w = w if masks is None else w * masks[n]
            x = x @ w + b
            if n + 1 < len(params):
                x = act(x)
        return x

    def normal_log_prob(z):
        return -0.5 * jnp.sum(z ** 2, axis=-1) - 0.5 * z.shape[-1] * math.log(2 * math.pi)

    # RealNVP: 8 affine couplings on D = 2, alternating masks, conditioner D->64->64->2D (ReLU).
    def realnvp(key, d, layers, hidden):
        masks = [jnp.array([(i + l) % 2 for i in range(d)], jnp.float32) for l in range(layers)]
        params = [mlp_init(k, d, hidden, 2 * d) for k in jax.random.split(key, layers)]

        def log_prob(params, x):
            logdet = jnp.zeros(x.shape[0])
            for mask, net in zip(masks, params):
                xm = x * mask
                s, t = jnp.split(mlp(net, xm, jax.nn.relu), 2, axis=1)
                s = jnp.tanh(s) * (1 - mask)
                t = t * (1 - mask)
                x = xm + (1 - mask) * (x * jnp.exp(s) + t)
                logdet = logdet + jnp.sum(s, axis=1)
            return normal_log_prob(x) + logdet
        return params, log_prob

    # MAF: 5 Gaussian MADEs, natural order reversed between layers, hidden 128x2 ReLU, alpha = tanh.
    def maf(key, d, layers, hidden):
        deg_in = jnp.arange(1, d + 1)
        degrees = [deg_in] + [jnp.arange(hidden) % max(1, d - 1) + 1] * 2
        masks = [(b[None, :] >= a[:, None]).astype(jnp.float32) for a, b in zip(degrees[:-1], degrees[1:])]
        out = (deg_in[None, :] > degrees[-1][:, None]).astype(jnp.float32)  # [hidden, d]
        masks.append(jnp.concatenate([out, out], axis=1))
        params = [mlp_init(k, d, hidden, 2 * d) for k in jax.random.split(key, layers)]

        def made(net, x):
            mu, alpha = jnp.split(mlp(net, x, jax.nn.relu, masks), 2, axis=1)
            return mu, jnp.tanh(alpha)

        def log_prob(params, x):
            logdet = jnp.zeros(x.shape[0])
            for net in params:
                mu, alpha = made(net, x)
                x = ((x - mu) * jnp.exp(-alpha))[:, ::-1]
                logdet = logdet - jnp.sum(alpha, axis=1)
            return normal_log_prob(x) + logdet

        def sample(params, key, n):
            z = jax.random.normal(key, (n, d))
            for net in reversed(params):
                z = z[:, ::-1]
                x = jnp.zeros_like(z)
                for i in range(d):  # D sequential passes: the MAF sampling cost
                    mu, alpha = made(net, x)
                    x = x.at[:, i].set(z[:, i] * jnp.exp(alpha[:, i]) + mu[:, i])
                z = x
            return z
        return params, log_prob, sample

    # VAE 784-200-200-50 (tanh), Bernoulli decoder; the IWAE bound with k samples (k = 1: the ELBO).
    def vae(key):
        ke, kd = jax.random.split(key)
        params = {"enc": mlp_init(ke, 784, 200, 100), "dec": mlp_init(kd, 50, 200, 784)}

        def bound(params, x, key, k):
            mu, logvar = jnp.split(mlp(params["enc"], x, jnp.tanh), 2, axis=1)
            eps = jax.random.normal(key, (k,) + mu.shape)
            z = mu + jnp.exp(0.5 * logvar) * eps
            logits = mlp(params["dec"], z, jnp.tanh)
            logpx = jnp.sum(x * logits - jax.nn.softplus(logits), axis=-1)
            logq = jnp.sum(-0.5 * eps ** 2 - 0.5 * logvar - 0.5 * math.log(2 * math.pi), axis=-1)
            w = logpx + normal_log_prob(z) - logq
            return jnp.mean(jax.nn.logsumexp(w, axis=0) - math.log(k))
        return params, bound

    def train_rate(params, loss):  # loss(params, key) -> scalar
        optimizer = optax.adam(1e-3)

        @jax.jit
        def step(carry):
            params, state, key = carry
            key, sub = jax.random.split(key)
            value, grads = jax.value_and_grad(loss)(params, sub)
            updates, state = optimizer.update(grads, state, params)
            return (optax.apply_updates(params, updates), state, key), value

        return step_rate(step, (params, optimizer.init(params), jax.random.PRNGKey(1)), a.steps)

    key = jax.random.PRNGKey(0)
    w = a.workload
    if w == "realnvp2d-train":
        params, log_prob = realnvp(key, 2, 8, 64)
        x = jax.random.normal(jax.random.PRNGKey(2), (512, 2))
        value, compile_seconds = train_rate(params, lambda p, _: -jnp.mean(log_prob(p, x)))
        metric = "steps/s"
    elif w == "maf8d-train":
        params, log_prob, _ = maf(key, 8, 5, 128)
        x = jax.random.normal(jax.random.PRNGKey(2), (512, 8))
        value, compile_seconds = train_rate(params, lambda p, _: -jnp.mean(log_prob(p, x)))
        metric = "steps/s"
    elif w == "maf8d-density":
        params, log_prob, _ = maf(key, 8, 5, 128)
        x = jax.random.normal(jax.random.PRNGKey(2), (100_000, 8))
        value, compile_seconds = pass_rate(jax.jit(log_prob), params, x)
        metric = "points/s"
    elif w == "maf8d-sample":
        params, _, sample = maf(key, 8, 5, 128)
        value, compile_seconds = pass_rate(jax.jit(sample, static_argnums=2), params, jax.random.PRNGKey(3), 100_000)
        metric = "samples/s"
    elif w in ("vae-mnist-train", "iwae50-mnist-train"):
        batch, k = (100, 1) if w == "vae-mnist-train" else (20, 50)
        params, bound = vae(key)
        x = (jax.random.uniform(jax.random.PRNGKey(2), (batch, 784)) < 0.13).astype(jnp.float32)
        value, compile_seconds = train_rate(params, lambda p, sub: -bound(p, x, sub, k))
        metric = "steps/s"
    else:
        raise SystemExit("unknown workload " + w)
    print(json.dumps({"workload": w, "threads": a.threads, "metric": metric, "value": round(value, 2),
                      "compile_seconds": round(compile_seconds, 2), "impl": f"jax-{jax.__version__}",
                      "flush_denormal": flushes_subnormals()}))


if __name__ == "__main__":
    main()
