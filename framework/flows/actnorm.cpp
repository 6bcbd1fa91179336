#include "flows/actnorm.hpp"

#include "core/batch_parallel.hpp"
#include "core/column_sums.hpp"
#include "core/error.hpp"

#include <cmath>

namespace tractable {

ActNorm::ActNorm(ParameterStore& store, const std::string& name, std::size_t dim, bool data_dependent_init)
    : store_(store),
      shift_(store.reserve(name + ".shift", {dim}, Initializer::zeros())),
      log_scale_(store.reserve(name + ".log_scale", {dim}, Initializer::zeros())),
      dim_(dim),
      data_dependent_init_(data_dependent_init) {}

void ActNorm::initialize_from_data(const Matrix& x, const BatchReducer& ranks) {
  if (!data_dependent_init_) return;
  const std::size_t dim = dim_;
  // [Σx_j, Σx_j², count] over this rank's rows, then over all ranks: one all-reduce.
  Vector moments("tractable::ActNorm::moments", 2 * dim + 1);
  column_moments(x, moments);
  ranks.sum(moments);
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), moments);
  const double n = host(2 * dim);
  if (n < 2) throw DataError("ActNorm needs at least 2 rows in the first batch to initialise from data");
  auto b = Kokkos::create_mirror_view(store_.vector(shift_));
  auto s = Kokkos::create_mirror_view(store_.vector(log_scale_));
  for (std::size_t j = 0; j < dim; ++j) {
    const double mean = host(j) / n;
    const double variance = std::max(host(dim + j) / n - mean * mean, 0.0);
    b(j) = static_cast<Real>(mean);
    s(j) = static_cast<Real>(0.5 * std::log(variance + 1e-6));  // 1e-6 keeps constant columns finite
  }
  Kokkos::deep_copy(store_.vector(shift_), b);
  Kokkos::deep_copy(store_.vector(log_scale_), s);
}

// The elementwise map is written as a side effect of the per-row log-determinant sum (one launch),
// and the parameter gradients are column sums over the batch (core/batch_parallel.hpp).
const Matrix& ActNorm::forward(const Matrix& x /*[B, D]*/, const Vector& logdet /*[B]*/) {
  const std::size_t batch = x.extent(0), dim = dim_;
  require(x.extent(1) == dim, "ActNorm::forward: input has the wrong number of columns");
  input_ = x;
  ensure_shape(output_, batch, dim, "tractable::ActNorm::output");
  const Vector b = store_.vector(shift_), s = store_.vector(log_scale_);
  const Matrix y = output_;
  for_each_row_sum("tractable::ActNorm::forward", batch, dim, logdet, true,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                     y(i, j) = (x(i, j) - b(j)) * kmath::exp(-s(j));
                     return -s(j);
                   });
  return output_;
}

const Matrix& ActNorm::forward_backward(const Matrix& dy /*[B, D]*/, const Vector& dlogdet /*[B]*/) {
  const std::size_t batch = input_.extent(0), dim = dim_;
  ensure_shape(input_gradient_, batch, dim, "tractable::ActNorm::input_gradient");
  const Vector s = store_.vector(log_scale_), db = store_.gradient_vector(shift_),
               ds = store_.gradient_vector(log_scale_);
  const Matrix y = output_, dx = input_gradient_;
  for_each_column_sum("tractable::ActNorm::forward_backward::shift", batch, dim, db, true,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                        dx(i, j) = dy(i, j) * kmath::exp(-s(j));
                        return -dx(i, j);
                      });
  for_each_column_sum("tractable::ActNorm::forward_backward::log_scale", batch, dim, ds, true,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) { return -(dy(i, j) * y(i, j) + dlogdet(i)); });
  return input_gradient_;
}

const Matrix& ActNorm::inverse(const Matrix& y /*[B, D]*/, const Vector& logdet /*[B]*/) {
  const std::size_t batch = y.extent(0), dim = dim_;
  require(y.extent(1) == dim, "ActNorm::inverse: input has the wrong number of columns");
  input_ = y;
  ensure_shape(output_, batch, dim, "tractable::ActNorm::output");
  const Vector b = store_.vector(shift_), s = store_.vector(log_scale_);
  const Matrix x = output_;
  for_each_row_sum("tractable::ActNorm::inverse", batch, dim, logdet, true,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                     x(i, j) = y(i, j) * kmath::exp(s(j)) + b(j);
                     return s(j);
                   });
  return output_;
}

const Matrix& ActNorm::inverse_backward(const Matrix& dx /*[B, D]*/, const Vector& dlogdet /*[B]*/) {
  const std::size_t batch = input_.extent(0), dim = dim_;
  ensure_shape(input_gradient_, batch, dim, "tractable::ActNorm::input_gradient");
  const Vector s = store_.vector(log_scale_), db = store_.gradient_vector(shift_),
               ds = store_.gradient_vector(log_scale_);
  const Matrix y = input_, dy = input_gradient_;
  for_each_column_sum("tractable::ActNorm::inverse_backward::shift", batch, dim, db, true,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                        dy(i, j) = dx(i, j) * kmath::exp(s(j));
                        return dx(i, j);
                      });
  for_each_column_sum("tractable::ActNorm::inverse_backward::log_scale", batch, dim, ds, true,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                        return dx(i, j) * y(i, j) * kmath::exp(s(j)) + dlogdet(i);
                      });
  return input_gradient_;
}

}  // namespace tractable
