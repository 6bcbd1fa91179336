#include "vae/iaf_posterior.hpp"

#include "core/batch_parallel.hpp"
#include "core/error.hpp"
#include "core/stable_math.hpp"
#include "nn/made.hpp"

namespace tractable {

IafPosterior::IafPosterior(ParameterStore& store, const std::string& name, const IafPosteriorShape& shape)
    : shape_(shape) {
  for (std::size_t t = 0; t < shape.steps; ++t) {
    const auto order = t % 2 == 0 ? InputOrder::natural : InputOrder::reversed;
    const auto c = made_connectivity(shape.latent, shape.hidden, shape.depth, 2, order, 0, shape.context);
    MlpShape mlp{shape.latent + shape.context, shape.hidden, shape.depth, 2 * shape.latent, shape.activation, true};
    made_.push_back(std::make_unique<Mlp>(store, name + ".step" + std::to_string(t), mlp, c.masks));
  }
  input_.resize(shape.steps);
  output_.resize(shape.steps);
  raw_.resize(shape.steps);
}

std::string IafPosterior::describe() const {
  return "IAF posterior (" + std::to_string(steps()) + " steps, context " + std::to_string(shape_.context) + ", MADE " +
         (made_.empty() ? std::string("-") : made_[0]->describe()) + ")";
}

const Matrix& IafPosterior::forward(const Matrix& z0, const Matrix& context, std::size_t k, const Vector& logdet) {
  const std::size_t rows = z0.extent(0), latent = shape_.latent, ctx = shape_.context;
  require(z0.extent(1) == latent && context.extent(1) == ctx && context.extent(0) * k == rows,
          "IafPosterior::forward: shapes do not match");
  k_ = k;
  Matrix z = z0;
  for (std::size_t t = 0; t < steps(); ++t) {
    ensure_shape(input_[t], rows, latent + ctx, "tractable::IafPosterior::input");
    const Matrix in = input_[t];
    for_each_element(
        "tractable::IafPosterior::gather_input", rows, latent + ctx, KOKKOS_LAMBDA(const std::size_t r, const std::size_t c) {
          // in [R, L + C] = [z_{t−1} [R, L], h [B, C] repeated over the k rows of each example]
          in(r, c) = c < latent ? z(r, c) : context(r / k, c - latent);
        });
    const Matrix& made_out = made_[t]->forward(in);  // [R, 2L] = (m, s)
    ensure_shape(raw_[t], rows, 2 * latent, "tractable::IafPosterior::raw");
    Kokkos::deep_copy(raw_[t], made_out);
    ensure_shape(output_[t], rows, latent, "tractable::IafPosterior::output");
    const Matrix raw = raw_[t], out = output_[t];
    for_each_row("tractable::IafPosterior::step", rows, latent, KOKKOS_LAMBDA(const std::size_t r, const RowLanes& row) {
      row.for_each([&](const std::size_t l) {
        const Real gate = stable_sigmoid(raw(r, latent + l) + Real(1));
        out(r, l) = gate * z(r, l) + (Real(1) - gate) * raw(r, l);
      });
      // log σ(a) = −softplus(−a)
      const Real sum_log_gate = row.sum([&](const std::size_t l) { return -stable_softplus(-(raw(r, latent + l) + Real(1))); });
      row.once([&]() { logdet(r) += sum_log_gate; });
    });
    z = out;
  }
  return steps() ? output_.back() : z0;
}

const Matrix& IafPosterior::backward(const Matrix& dz_top, const Vector& dlogdet, const Matrix& dcontext, bool freeze) {
  const std::size_t rows = dz_top.extent(0), latent = shape_.latent, ctx = shape_.context, k = k_;
  ensure_shape(dz_, rows, latent, "tractable::IafPosterior::dz");
  Kokkos::deep_copy(dz_, dz_top);
  ensure_shape(d_raw_, rows, 2 * latent, "tractable::IafPosterior::d_raw");
  const Matrix dz = dz_, d_raw = d_raw_;
  for (std::size_t t = steps(); t-- > 0;) {
    const Matrix raw = raw_[t], in = input_[t];
    for_each_element(
        "tractable::IafPosterior::step_backward", rows, latent, KOKKOS_LAMBDA(const std::size_t r, const std::size_t l) {
          const Real gate = stable_sigmoid(raw(r, latent + l) + Real(1));
          const Real z_prev = in(r, l), m = raw(r, l), g = dz(r, l);
          // z_t = σ z + (1 − σ) m, log|det| = Σ log σ:  dσ = g (z − m) + dlogdet / σ,  ds = dσ σ (1 − σ)
          d_raw(r, l) = g * (Real(1) - gate);
          d_raw(r, latent + l) = (g * (z_prev - m)) * gate * (Real(1) - gate) + dlogdet(r) * (Real(1) - gate);
          dz(r, l) = g * gate;  // the direct path; the MADE path is added below
        });
    const Matrix through = freeze ? made_[t]->input_vjp(d_raw) : made_[t]->backward(d_raw);  // [R, L + C]
    for_each_element(
        "tractable::IafPosterior::add_made_path", rows, latent,
        KOKKOS_LAMBDA(const std::size_t r, const std::size_t l) { dz(r, l) += through(r, l); });
    for_each_element(
        "tractable::IafPosterior::context_backward", dcontext.extent(0), ctx,
        KOKKOS_LAMBDA(const std::size_t b, const std::size_t c) {
          // dcontext [B, C] += Σ_j through [b·k + j, L + c]
          Real total = 0;
          for (std::size_t j = 0; j < k; ++j) total += through(b * k + j, latent + c);
          dcontext(b, c) += total;
        });
  }
  return dz_;
}

}  // namespace tractable
