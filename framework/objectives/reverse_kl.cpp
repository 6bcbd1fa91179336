#include "objectives/reverse_kl.hpp"

#include "core/batch_parallel.hpp"

namespace tractable {

double ReverseKl::sum(const Matrix& z) {
  const std::size_t batch = z.extent(0);
  const Matrix x = flow_.sample_from_base(z, log_q_);
  sample_ = x;
  ensure_shape(log_target_, batch, "tractable::ReverseKl::log_target");
  ensure_shape(log_weights_, batch, "tractable::ReverseKl::log_weights");
  target_.log_density(x, log_target_);
  const Vector lq = log_q_, lp = log_target_, lw = log_weights_;
  return sum_over("tractable::ReverseKl::sum", batch, KOKKOS_LAMBDA(const std::size_t i) {
    lw(i) = lp(i) - lq(i);
    return -double(lw(i));
  });
}

double ReverseKl::sum_and_backward(const Matrix& z, Real scale) {
  const double total = sum(z);
  const std::size_t batch = z.extent(0), dim = z.extent(1);
  ensure_shape(dx_, batch, dim, "tractable::ReverseKl::dx");
  ensure_shape(dlog_q_, batch, "tractable::ReverseKl::dlog_q");
  target_.log_density_gradient(sample_, dx_);
  const Matrix dx = dx_;
  for_each_element("tractable::ReverseKl::seed_gradient", batch, dim,
                   KOKKOS_LAMBDA(const std::size_t i, const std::size_t j) { dx(i, j) *= -scale; });
  fill(dlog_q_, scale);
  flow_.sample_backward(dx_, dlog_q_);
  return total;
}

}  // namespace tractable
