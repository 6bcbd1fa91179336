#include "flows/radial.hpp"
#include "core/stable_math.hpp"

#include "core/batch_parallel.hpp"
#include "core/error.hpp"

namespace tractable {

namespace {
constexpr Real kTiny = Real(1e-30);
}  // namespace

Radial::Radial(ParameterStore& store, const std::string& name, std::size_t dim)
    : store_(store),
      z0_(store.reserve(name + ".z0", {dim}, Initializer::uniform(Real(0.5)))),
      alpha_(store.reserve(name + ".alpha", {1}, Initializer::zeros())),
      beta_(store.reserve(name + ".beta", {1}, Initializer::zeros())),
      dim_(dim) {}

// ---- inverse (sampling direction): the explicit map -----------------------

const Matrix& Radial::inverse(const Matrix& y, const Vector& logdet) {
  const std::size_t batch = y.extent(0), d = dim_;
  require(y.extent(1) == d, "Radial::inverse: input has the wrong number of columns");
  point_ = y;
  ensure_shape(output_, batch, d, "tractable::Radial::output");
  const Vector z0 = store_.vector(z0_), ar = store_.vector(alpha_), br = store_.vector(beta_);
  const Matrix x = output_;
  for_each_row("tractable::Radial::inverse", batch, d, KOKKOS_LAMBDA(const std::size_t i, const RowLanes& row) {
    const Real alpha = stable_softplus(ar(0)), beta = -alpha + stable_softplus(br(0));
    const Real r2 = row.sum([&](const std::size_t j) { return (y(i, j) - z0(j)) * (y(i, j) - z0(j)); });
    const Real r = kmath::sqrt(r2), g = beta / (alpha + r);
    row.for_each([&](const std::size_t j) { x(i, j) = y(i, j) + g * (y(i, j) - z0(j)); });
    row.once([&]() {
      logdet(i) += Real(d - 1) * kmath::log1p(g) + kmath::log1p(beta * alpha / ((alpha + r) * (alpha + r)));
    });
  });
  return output_;
}

void Radial::explicit_backward(const Matrix& y, const Matrix& gx, Real gx_sign, const Vector& gl, Real gl_sign) {
  const std::size_t batch = y.extent(0), d = dim_;
  ensure_shape(input_gradient_, batch, d, "tractable::Radial::input_gradient");
  ensure_shape(rows_, batch, 2, "tractable::Radial::rows");
  const Vector z0 = store_.vector(z0_), ar = store_.vector(alpha_), br = store_.vector(beta_);
  const Matrix dy = input_gradient_, rows = rows_;
  for_each_row("tractable::Radial::explicit_backward", batch, d, KOKKOS_LAMBDA(const std::size_t i, const RowLanes& row) {
        const Real alpha = stable_softplus(ar(0)), beta = -alpha + stable_softplus(br(0));
        const Real r2 = row.sum([&](const std::size_t j) { return (y(i, j) - z0(j)) * (y(i, j) - z0(j)); });
        const Real gd = row.sum([&](const std::size_t j) { return gx_sign * gx(i, j) * (y(i, j) - z0(j)); });
        const Real r = kmath::sqrt(r2), ar_ = alpha + r, g = beta / ar_, G = gl_sign * gl(i);
        const Real q = Real(1) + beta * alpha / (ar_ * ar_);  // the second log-det factor
        const Real g_r = -beta / (ar_ * ar_);
        const Real ld_r = Real(d - 1) / (Real(1) + g) * g_r + (-2 * beta * alpha / (ar_ * ar_ * ar_)) / q;
        const Real L_r = gd * g_r + G * ld_r;  // dL/dr
        const Real inv_r = r > kTiny ? Real(1) / r : Real(0);
        row.for_each([&](const std::size_t j) {
          dy(i, j) = (Real(1) + g) * gx_sign * gx(i, j) + L_r * (y(i, j) - z0(j)) * inv_r;
        });
        // dL/dβ̂ and dL/dα (before their softplus reparameterisation).
        const Real dbeta = gd / ar_ + G * (Real(d - 1) / (Real(1) + g) / ar_ + (alpha / (ar_ * ar_)) / q);
        const Real dalpha = gd * g_r + G * (Real(d - 1) / (Real(1) + g) * g_r + beta * (r - alpha) / (ar_ * ar_ * ar_) / q);
        row.once([&]() {
          rows(i, 0) = dalpha;
          rows(i, 1) = dbeta;
        });
      });
  // z0 enters through y − z0: dL/dz0 = −(dL/dy − gx), summed over rows.
  const Vector gz0 = store_.gradient_vector(z0_), ga = store_.gradient_vector(alpha_), gb = store_.gradient_vector(beta_);
  for_each_column_sum("tractable::Radial::center_gradient", batch, d, gz0, true,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) { return -(dy(i, j) - gx_sign * gx(i, j)); });
  const Vector totals = row_totals_;  // [Σ dL/dα, Σ dL/dβ̂]
  for_each_column_sum("tractable::Radial::scalar_sums", batch, 2, totals, false,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) { return rows(i, j); });
  for_each_index(
      "tractable::Radial::scalar_gradients", 1, KOKKOS_LAMBDA(const std::size_t) {
        // α = stable_softplus(α_raw), β̂ = −α + stable_softplus(β_raw).
        ga(0) += (totals(0) - totals(1)) * stable_sigmoid(ar(0));
        gb(0) += totals(1) * stable_sigmoid(br(0));
      });
}

const Matrix& Radial::inverse_backward(const Matrix& dx, const Vector& dlogdet) {
  require(dx.extent(0) == point_.extent(0) && dx.extent(1) == dim_, "Radial::inverse_backward: dx shape mismatch");
  explicit_backward(point_, dx, Real(1), dlogdet, Real(1));
  return input_gradient_;
}

// ---- forward (density direction): the radius from a quadratic ---------------

const Matrix& Radial::forward(const Matrix& x, const Vector& logdet) {
  const std::size_t batch = x.extent(0), d = dim_;
  require(x.extent(1) == d, "Radial::forward: input has the wrong number of columns");
  ensure_shape(output_, batch, d, "tractable::Radial::output");
  const Vector z0 = store_.vector(z0_), ar = store_.vector(alpha_), br = store_.vector(beta_);
  const Matrix y = output_;
  for_each_row("tractable::Radial::forward", batch, d, KOKKOS_LAMBDA(const std::size_t i, const RowLanes& row) {
        const Real alpha = stable_softplus(ar(0)), beta = -alpha + stable_softplus(br(0));
        const Real rx2 = row.sum([&](const std::size_t j) { return (x(i, j) - z0(j)) * (x(i, j) - z0(j)); });
        const Real rx = kmath::sqrt(rx2);
        // r + β̂ r/(α + r) = r_x  <=>  r² + (α + β̂ − r_x) r − α r_x = 0, positive root.
        const Real p = alpha + beta - rx;
        const Real r = Real(0.5) * (-p + kmath::sqrt(p * p + 4 * alpha * rx));
        const Real scale = rx > kTiny ? r / rx : Real(1) / (Real(1) + beta / alpha);
        row.for_each([&](const std::size_t j) { y(i, j) = z0(j) + (x(i, j) - z0(j)) * scale; });
        const Real g = beta / (alpha + r);
        row.once([&]() {
          logdet(i) -= Real(d - 1) * kmath::log1p(g) + kmath::log1p(beta * alpha / ((alpha + r) * (alpha + r)));
        });
      });
  point_ = output_;
  return output_;
}

const Matrix& Radial::forward_backward(const Matrix& dy, const Vector& dlogdet) {
  // y = g^{-1}(x) with J = ∂x/∂y = (1 + g) I + κ d dᵀ, κ = −β̂/((α + r)² r): symmetric, so
  // dL/dx = J^{-1} v = (v − κ d (dᵀv)/(1 + g + κ r²)) / (1 + g), v = dL/dy − dL/dlogdet·∂ld/∂y.
  const std::size_t batch = point_.extent(0), d = dim_;
  require(dy.extent(0) == batch && dy.extent(1) == d, "Radial::forward_backward: dy shape mismatch");
  ensure_shape(scratch_, batch, d, "tractable::Radial::scratch");
  const Vector z0 = store_.vector(z0_), ar = store_.vector(alpha_), br = store_.vector(beta_);
  const Matrix y = point_, dx = scratch_;
  for_each_row("tractable::Radial::forward_backward", batch, d, KOKKOS_LAMBDA(const std::size_t i, const RowLanes& row) {
        const Real alpha = stable_softplus(ar(0)), beta = -alpha + stable_softplus(br(0));
        const Real r2 = row.sum([&](const std::size_t j) { return (y(i, j) - z0(j)) * (y(i, j) - z0(j)); });
        const Real r = kmath::sqrt(r2), ar_ = alpha + r, g = beta / ar_;
        const Real q = Real(1) + beta * alpha / (ar_ * ar_);
        const Real g_r = -beta / (ar_ * ar_);
        const Real ld_r = Real(d - 1) / (Real(1) + g) * g_r + (-2 * beta * alpha / (ar_ * ar_ * ar_)) / q;
        const Real inv_r = r > kTiny ? Real(1) / r : Real(0);
        const Real kappa = g_r * inv_r;
        const auto v = [&](const std::size_t j) { return dy(i, j) - dlogdet(i) * ld_r * (y(i, j) - z0(j)) * inv_r; };
        const Real d_dot_v = row.sum([&](const std::size_t j) { return (y(i, j) - z0(j)) * v(j); });
        const Real denom = Real(1) + g + kappa * r2;
        row.for_each([&](const std::size_t j) {
          dx(i, j) = (v(j) - kappa * (y(i, j) - z0(j)) * d_dot_v / denom) / (Real(1) + g);
        });
      });
  explicit_backward(point_, scratch_, Real(-1), dlogdet, Real(-1));
  Kokkos::deep_copy(input_gradient_, scratch_);
  return input_gradient_;
}

}  // namespace tractable
