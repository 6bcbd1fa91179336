#include "optim/adam.hpp"

#include "core/error.hpp"

#include <cmath>

namespace tractable {

Adam::Adam(std::size_t n, const AdamConfig& config)
    : config_(config), m_("tractable::Adam::m", n), v_("tractable::Adam::v", n) {}

void Adam::step(const Vector& params, const Vector& grads, Real lr) {
  require(params.extent(0) == m_.extent(0) && grads.extent(0) == m_.extent(0), "Adam::step: size mismatch");
  ++steps_;
  const Real b1 = config_.beta1, b2 = config_.beta2, eps = config_.eps, wd = config_.weight_decay;
  const bool decoupled = config_.decoupled_weight_decay;
  const Real correction1 = Real(1) - Real(std::pow(double(b1), double(steps_)));
  const Real correction2 = Real(1) - Real(std::pow(double(b2), double(steps_)));
  const auto m = m_, v = v_;
  Kokkos::parallel_for(
      "tractable::Adam::step", RangePolicy(0, params.extent(0)), KOKKOS_LAMBDA(const std::size_t i) {
        Real g = grads(i);
        if (!decoupled) g += wd * params(i);
        m(i) = b1 * m(i) + (Real(1) - b1) * g;
        v(i) = b2 * v(i) + (Real(1) - b2) * g * g;
        const Real m_hat = m(i) / correction1;
        const Real v_hat = v(i) / correction2;
        Real update = m_hat / (kmath::sqrt(v_hat) + eps);
        if (decoupled) update += wd * params(i);
        params(i) -= lr * update;
      });
}

}  // namespace tractable
