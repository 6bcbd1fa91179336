"""FlowJAX's own flows on the flow workloads of shared/BENCHMARKS.md: what a JAX user would pick rather than
write the flow by hand (bench/jax_ref.py). Not part of the framework, its tests or CI: it runs in the peers'
virtual environment (flowjax and its jax, equinox, optax, paramax).

The same sizes as torch_ref.py, FlowJAX's defaults otherwise:
  realnvp2d-train   coupling_flow: 8 affine couplings on D = 2, conditioner 64x2 ReLU, batch 512
  maf8d-train       masked_autoregressive_flow: 5 MADE layers on D = 8, 128x2 ReLU, batch 512
  maf8d-density     its log_prob over 100,000 points
  maf8d-sample      its sample of 100,000 points
Where FlowJAX differs from the hand-written reference, by its own design: its affine transformer's scale is
softplus with a floor (not exp of a tanh-bounded log-scale), a random permutation follows each layer (not a
reversal or alternating masks), and a coupling's conditioner sees only the untransformed half. `invert=True`
(its default) makes log_prob one pass and sampling D passes per layer, as in ours and in torch_ref.py's MAF.
Training is FlowJAX's own step (flowjax.train.train_utils.step with MaximumLikelihoodLoss, the step its
fit_to_data runs) with Adam at 1e-3, fp32; batches are fixed, as on every other side. The VAE workloads are not
FlowJAX's: it has no VAE, so they are refused with exit 2.

Usage: flowjax_ref.py WORKLOAD [--threads N] [--steps N]; prints one JSON line as jax_ref.py does.
"""
import json
import sys

from jax_ref import flushes_subnormals, pass_rate, pin, step_rate, workload_arguments

FLOW_WORKLOADS = ["realnvp2d-train", "maf8d-train", "maf8d-density", "maf8d-sample"]


def main():
    a = workload_arguments()
    if a.workload not in FLOW_WORKLOADS:
        print(f"flowjax_ref.py: {a.workload} is not a flow workload FlowJAX provides ({', '.join(FLOW_WORKLOADS)})",
              file=sys.stderr)
        return 2
    pin(a.threads)

    import equinox as eqx
    import flowjax
    import jax
    import jax.numpy as jnp
    import optax
    import paramax
    from flowjax.distributions import Normal
    from flowjax.flows import coupling_flow, masked_autoregressive_flow
    from flowjax.train.losses import MaximumLikelihoodLoss
    from flowjax.train.train_utils import step as flowjax_step

    key = jax.random.key(0)  # FlowJAX wants JAX's typed keys
    w = a.workload
    if w == "realnvp2d-train":
        flow = coupling_flow(key, base_dist=Normal(jnp.zeros(2)), flow_layers=8, nn_width=64, nn_depth=2)
        dim = 2
    else:
        flow = masked_autoregressive_flow(key, base_dist=Normal(jnp.zeros(8)), flow_layers=5, nn_width=128,
                                          nn_depth=2)
        dim = 8

    if w.endswith("-train"):
        # As fit_to_data does: what paramax marks non-trainable stays out of the gradient.
        params, static = eqx.partition(flow, eqx.is_inexact_array,
                                       is_leaf=lambda leaf: isinstance(leaf, paramax.NonTrainable))
        optimizer = optax.adam(1e-3)
        loss = MaximumLikelihoodLoss()
        x = jax.random.normal(jax.random.key(2), (512, dim))

        def step(carry):
            params, state = carry
            params, state, value = flowjax_step(params, static, x, optimizer=optimizer, opt_state=state,
                                                loss_fn=loss)
            return (params, state), value

        value, compile_seconds = step_rate(step, (params, optimizer.init(params)), a.steps)
        metric = "steps/s"
    elif w == "maf8d-density":
        log_prob = eqx.filter_jit(lambda flow, x: paramax.unwrap(flow).log_prob(x))
        value, compile_seconds = pass_rate(log_prob, flow, jax.random.normal(jax.random.key(2), (100_000, 8)))
        metric = "points/s"
    else:
        sample = eqx.filter_jit(lambda flow, key: paramax.unwrap(flow).sample(key, (100_000,)))
        value, compile_seconds = pass_rate(sample, flow, jax.random.key(3))
        metric = "samples/s"
    print(json.dumps({"workload": w, "threads": a.threads, "metric": metric, "value": round(value, 2),
                      "compile_seconds": round(compile_seconds, 2),
                      "impl": f"flowjax-{flowjax.__version__}+jax-{jax.__version__}",
                      "flush_denormal": flushes_subnormals()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
