#include "flows/planar.hpp"
#include "core/stable_math.hpp"

#include "core/batch_parallel.hpp"
#include "core/error.hpp"

#include <cmath>
#include <limits>

namespace tractable {

Planar::Planar(ParameterStore& store, const std::string& name, std::size_t dim)
    : store_(store),
      u_(store.reserve(name + ".u", {dim}, Initializer::uniform(Real(1) / std::sqrt(Real(dim))))),
      w_(store.reserve(name + ".w", {dim}, Initializer::uniform(Real(1) / std::sqrt(Real(dim))))),
      b_(store.reserve(name + ".b", {1}, Initializer::zeros())),
      dim_(dim),
      hat_("tractable::Planar::u_hat", dim),
      scalars_("tractable::Planar::scalars", 4),
      dhat_("tractable::Planar::dhat", dim) {}

void Planar::constrain() {
  const Vector u = store_.vector(u_), w = store_.vector(w_), hat = hat_, sc = scalars_;
  const std::size_t d = dim_;
  // One row of d features: the parameter vectors, their sums over a device thread's lanes.
  for_each_row(
      "tractable::Planar::constrain", 1, d, KOKKOS_LAMBDA(const std::size_t, const RowLanes& row) {
        const Real t = row.sum([&](const std::size_t j) { return w(j) * u(j); });
        Real n = row.sum([&](const std::size_t j) { return w(j) * w(j); });
        n = n > Real(1e-12) ? n : Real(1e-12);
        const Real k = (Real(-1) + stable_softplus(t) - t) / n;
        const auto hat_j = [&](const std::size_t j) { return u(j) + k * w(j); };
        row.for_each([&](const std::size_t j) { hat(j) = hat_j(j); });
        const Real c = row.sum([&](const std::size_t j) { return w(j) * hat_j(j); });
        row.once([&]() {
          sc(0) = c;
          sc(1) = t;
          sc(2) = n;
          sc(3) = k;
        });
      });
}

// ---- inverse (sampling direction): the explicit map -----------------------

const Matrix& Planar::inverse(const Matrix& y, const Vector& logdet) {
  const std::size_t batch = y.extent(0), d = dim_;
  require(y.extent(1) == d, "Planar::inverse: input has the wrong number of columns");
  constrain();
  point_ = y;
  ensure_shape(output_, batch, d, "tractable::Planar::output");
  const Vector w = store_.vector(w_), b = store_.vector(b_), hat = hat_, sc = scalars_;
  const Matrix x = output_;
  for_each_row("tractable::Planar::inverse", batch, d, KOKKOS_LAMBDA(const std::size_t i, const RowLanes& row) {
    const Real a = b(0) + row.sum([&](const std::size_t j) { return w(j) * y(i, j); });
    const Real th = kmath::tanh(a);
    row.for_each([&](const std::size_t j) { x(i, j) = y(i, j) + hat(j) * th; });
    row.once([&]() { logdet(i) += kmath::log(kmath::fabs(Real(1) + (Real(1) - th * th) * sc(0))); });
  });
  return output_;
}

void Planar::accumulate_parameter_gradients(const Matrix& y, const Matrix& gx, Real gx_sign, const Vector& gl,
                                            Real gl_sign) {
  const std::size_t batch = y.extent(0), d = dim_;
  ensure_shape(rows_, batch, 3, "tractable::Planar::rows");
  const Vector u = store_.vector(u_), w = store_.vector(w_), b = store_.vector(b_), hat = hat_, sc = scalars_,
               dhat = dhat_;
  const Matrix rows = rows_;
  for_each_row("tractable::Planar::row_adjoints", batch, d, KOKKOS_LAMBDA(const std::size_t i, const RowLanes& row) {
    const Real a = b(0) + row.sum([&](const std::size_t j) { return w(j) * y(i, j); });
    const Real gx_dot_hat = row.sum([&](const std::size_t j) { return gx_sign * gx(i, j) * hat(j); });
    row.once([&]() {
      const Real th = kmath::tanh(a), hp = Real(1) - th * th, hpp = Real(-2) * th * hp;
      const Real c = sc(0), det = Real(1) + hp * c, g = gl_sign * gl(i);
      rows(i, 0) = th;
      rows(i, 1) = gx_dot_hat * hp + g * hpp * c / det;  // dL/da
      rows(i, 2) = g * hp / det;                         // dL/dc
    });
  });
  // Sums over rows: dw_j (explicit part), dû_j, db.
  const Vector gw = store_.gradient_vector(w_), gu = store_.gradient_vector(u_), gb = store_.gradient_vector(b_);
  for_each_column_sum("tractable::Planar::parameter_sums::w", batch, d, gw, true,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) { return rows(i, 1) * y(i, j) + rows(i, 2) * hat(j); });
  for_each_column_sum("tractable::Planar::parameter_sums::u_hat", batch, d, dhat, false,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                        return gx_sign * gx(i, j) * rows(i, 0) + rows(i, 2) * w(j);
                      });
  for_each_column_sum("tractable::Planar::parameter_sums::b", batch, 1, gb, true,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t) { return rows(i, 1); });
  // û = u + k w, k = (m(t) − t)/n, t = wᵀu, n = ‖w‖².
  for_each_row(
      "tractable::Planar::constraint_backward", 1, d, KOKKOS_LAMBDA(const std::size_t, const RowLanes& row) {
        const Real t = sc(1), n = sc(2), k = sc(3);
        const Real sig = stable_sigmoid(t);
        const Real dk = row.sum([&](const std::size_t j) { return dhat(j) * w(j); });  // dL/dk
        row.for_each([&](const std::size_t j) {
          gu(j) += dhat(j) + dk * (sig - 1) / n * w(j);
          gw(j) += k * dhat(j) + dk * ((sig - 1) / n * u(j) - k * 2 * w(j) / n);
        });
      });
}

const Matrix& Planar::inverse_backward(const Matrix& dx, const Vector& dlogdet) {
  const std::size_t batch = point_.extent(0), d = dim_;
  require(dx.extent(0) == batch && dx.extent(1) == d, "Planar::inverse_backward: dx shape mismatch");
  accumulate_parameter_gradients(point_, dx, Real(1), dlogdet, Real(1));
  ensure_shape(input_gradient_, batch, d, "tractable::Planar::input_gradient");
  const Vector w = store_.vector(w_);
  const Matrix rows = rows_, dy = input_gradient_;
  for_each_element(
      "tractable::Planar::inverse_backward", batch, d,
      KOKKOS_LAMBDA(const std::size_t i, const std::size_t j) { dy(i, j) = dx(i, j) + rows(i, 1) * w(j); });
  return input_gradient_;
}

// ---- forward (density direction): solve a + c·tanh(a) = wᵀx + b ------------

const Matrix& Planar::forward(const Matrix& x, const Vector& logdet) {
  const std::size_t batch = x.extent(0), d = dim_;
  require(x.extent(1) == d, "Planar::forward: input has the wrong number of columns");
  constrain();
  ensure_shape(output_, batch, d, "tractable::Planar::output");
  const Vector w = store_.vector(w_), b = store_.vector(b_), hat = hat_, sc = scalars_;
  const Matrix y = output_;
  const Real epsilon = std::numeric_limits<Real>::epsilon(), smallest = std::numeric_limits<Real>::min();
  for_each_row("tractable::Planar::forward", batch, d, KOKKOS_LAMBDA(const std::size_t i, const RowLanes& row) {
        const Real c = sc(0);
        const Real target = b(0) + row.sum([&](const std::size_t j) { return w(j) * x(i, j); });
        // The scalar root below is solved alike by each of the row's lanes.
        // g(a) = a + c tanh(a) − target is increasing (c > −1); its root lies within |c| of target.
        const Real spread = kmath::fabs(c);
        Real lo = target - spread, hi = target + spread, a = target;
        for (int it = 0; it < 100; ++it) {
          const Real th = kmath::tanh(a);
          const Real g = a + c * th - target;
          if (g > 0) hi = a; else lo = a;
          const Real slope = Real(1) + c * (Real(1) - th * th);
          Real next = a - g / slope;
          if (!(next > lo && next < hi)) next = Real(0.5) * (lo + hi);  // bisection safeguard
          // Converged at a few ulps of a (of the scalar type: fp32's epsilon, not fp64's), or the
          // bracket closed; the smallest normal keeps the test meaningful at a = 0.
          if (next == a || hi - lo <= Real(4) * kmath::fabs(a) * epsilon + smallest) {
            a = next;
            break;
          }
          a = next;
        }
        const Real th = kmath::tanh(a);
        row.for_each([&](const std::size_t j) { y(i, j) = x(i, j) - hat(j) * th; });
        row.once([&]() { logdet(i) -= kmath::log(kmath::fabs(Real(1) + (Real(1) - th * th) * c)); });
      });
  point_ = output_;
  return output_;
}

const Matrix& Planar::forward_backward(const Matrix& dy, const Vector& dlogdet) {
  // With g the explicit map, y = g^{-1}(x), log|det| = −ld(y):
  // v = dL/dy − dL/dlogdet·∂ld/∂y, dL/dx = J^{-T} v = v − h' w (ûᵀv)/(1 + h' wᵀû),
  // and the parameters get the explicit map's VJP with seeds (−dL/dx, −dL/dlogdet).
  const std::size_t batch = point_.extent(0), d = dim_;
  require(dy.extent(0) == batch && dy.extent(1) == d, "Planar::forward_backward: dy shape mismatch");
  ensure_shape(input_gradient_, batch, d, "tractable::Planar::input_gradient");
  const Vector w = store_.vector(w_), b = store_.vector(b_), hat = hat_, sc = scalars_;
  const Matrix y = point_, dx = input_gradient_;
  for_each_row("tractable::Planar::forward_backward", batch, d, KOKKOS_LAMBDA(const std::size_t i, const RowLanes& row) {
    const Real a = b(0) + row.sum([&](const std::size_t j) { return w(j) * y(i, j); });
    const Real th = kmath::tanh(a), hp = Real(1) - th * th, hpp = Real(-2) * th * hp;
    const Real c = sc(0), det = Real(1) + hp * c;
    const Real ld_a = hpp * c / det;  // ∂ld/∂a; ∂ld/∂y = ld_a · w
    const auto v = [&](const std::size_t j) { return dy(i, j) - dlogdet(i) * ld_a * w(j); };
    const Real hat_dot_v = row.sum([&](const std::size_t j) { return hat(j) * v(j); });
    row.for_each([&](const std::size_t j) { dx(i, j) = v(j) - hp * w(j) * hat_dot_v / det; });
  });
  accumulate_parameter_gradients(point_, input_gradient_, Real(-1), dlogdet, Real(-1));
  return input_gradient_;
}

}  // namespace tractable
