#include "optim/sgd.hpp"

#include "core/error.hpp"

namespace tractable {

Sgd::Sgd(std::size_t n, const SgdConfig& config) : config_(config), buffer_("tractable::Sgd::momentum", n) {}

void Sgd::step(const Vector& params, const Vector& grads, Real lr, const GradientGate& gate) {
  require(params.extent(0) == buffer_.extent(0) && grads.extent(0) == buffer_.extent(0), "Sgd::step: size mismatch");
  const bool first = steps_ == 0;
  ++steps_;
  const Real mu = config_.momentum, wd = config_.weight_decay;
  const bool nesterov = config_.nesterov;
  const auto b = buffer_;
  for_each_gated("tractable::Sgd::step", params.extent(0), gate, KOKKOS_LAMBDA(const std::size_t i, const Real scale) {
        const Real g = scale * grads(i) + wd * params(i);
        Real direction = g;
        if (mu != Real(0)) {
          b(i) = first ? g : mu * b(i) + g;
          direction = nesterov ? g + mu * b(i) : b(i);
        }
        params(i) -= lr * direction;
      });
}

}  // namespace tractable
