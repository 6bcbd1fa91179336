#include "optim/sgd.hpp"

#include "core/error.hpp"

namespace tractable {

Sgd::Sgd(std::size_t n, const SgdConfig& config) : config_(config), buffer_("tractable::Sgd::momentum", n) {}

void Sgd::step(const Vector& params, const Vector& grads, Real lr) {
  require(params.extent(0) == buffer_.extent(0) && grads.extent(0) == buffer_.extent(0), "Sgd::step: size mismatch");
  const bool first = steps_ == 0;
  ++steps_;
  const Real mu = config_.momentum, wd = config_.weight_decay;
  const bool nesterov = config_.nesterov;
  const auto b = buffer_;
  Kokkos::parallel_for(
      "tractable::Sgd::step", RangePolicy(0, params.extent(0)), KOKKOS_LAMBDA(const std::size_t i) {
        const Real g = grads(i) + wd * params(i);
        Real direction = g;
        if (mu != Real(0)) {
          b(i) = first ? g : mu * b(i) + g;
          direction = nesterov ? g + mu * b(i) : b(i);
        }
        params(i) -= lr * direction;
      });
}

}  // namespace tractable
