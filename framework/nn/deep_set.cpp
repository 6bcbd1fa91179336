#include "nn/deep_set.hpp"
#include "core/batch_parallel.hpp"

#include "core/error.hpp"

namespace tractable {

namespace {
std::size_t points_of(std::size_t in, const DeepSetShape& shape, const std::string& name) {
  if (shape.point_dim == 0 || in % shape.point_dim != 0)
    throw SpecError(name + ": " + std::to_string(in) + " input features are not a whole number of points of " +
                    std::to_string(shape.point_dim) + " (point_dim)");
  return in / shape.point_dim;
}
}  // namespace

// Reshapes and pools as kernels of their own (a device view's layout is not row-major everywhere), each over
// the batch and the features at once.
void deep_set_split_points(const Matrix& x /*[B, n·d]*/, const Matrix& rows /*[B·n, d]*/, std::size_t n,
                           std::size_t d) {
  for_each_element(
      "tractable::DeepSet::split_points", rows.extent(0), d, KOKKOS_LAMBDA(const std::size_t r, const std::size_t j) {
        rows(r, j) = x(r / n, (r % n) * d + j);
      });
}

void deep_set_join_points(const Matrix& rows /*[B·n, d]*/, const Matrix& x /*[B, n·d]*/, std::size_t n,
                          std::size_t d) {
  for_each_element(
      "tractable::DeepSet::join_points", rows.extent(0), d, KOKKOS_LAMBDA(const std::size_t r, const std::size_t j) {
        x(r / n, (r % n) * d + j) = rows(r, j);
      });
}

void deep_set_mean(const Matrix& embedded /*[B·n, e]*/, const Matrix& pooled /*[B, e]*/, std::size_t n) {
  const std::size_t e = pooled.extent(1);
  for_each_element(
      "tractable::DeepSet::mean", pooled.extent(0), e, KOKKOS_LAMBDA(const std::size_t b, const std::size_t j) {
        Real s = 0;
        for (std::size_t i = 0; i < n; ++i) s += embedded(b * n + i, j);
        pooled(b, j) = s / Real(n);
      });
}

void deep_set_spread(const Matrix& d_pooled /*[B, e]*/, const Matrix& d_embedded /*[B·n, e]*/, std::size_t n) {
  const std::size_t e = d_pooled.extent(1);
  for_each_element(
      "tractable::DeepSet::spread", d_embedded.extent(0), e, KOKKOS_LAMBDA(const std::size_t r, const std::size_t j) {
        d_embedded(r, j) = d_pooled(r / n, j) / Real(n);
      });
}

DeepSet::DeepSet(ParameterStore& store, const std::string& name, std::size_t in, std::size_t out,
                 const DeepSetShape& shape)
    : in_(in),
      points_(points_of(in, shape, name)),
      point_dim_(shape.point_dim),
      phi_(store, name + ".phi", MlpShape{shape.point_dim, shape.hidden, shape.depth, shape.pooled, shape.activation, false}),
      rho_(store, name + ".rho", MlpShape{shape.pooled, shape.hidden, shape.depth, out, shape.activation, false}) {}

std::string DeepSet::describe() const {
  return "DeepSet(" + std::to_string(points_) + " points of " + std::to_string(point_dim_) + ", phi " +
         phi_.describe() + ", mean, rho " + rho_.describe() + ")";
}

const Matrix& DeepSet::forward(const Matrix& x) {
  require(x.extent(1) == in_, "DeepSet::forward: x has " + std::to_string(x.extent(1)) + " columns, expected " +
                                  std::to_string(in_));
  const std::size_t batch = x.extent(0);
  ensure_shape(points_rows_, batch * points_, point_dim_, "tractable::DeepSet::points");
  deep_set_split_points(x, points_rows_, points_, point_dim_);
  const Matrix& embedded = phi_.forward(points_rows_);
  ensure_shape(pooled_, batch, embedded.extent(1), "tractable::DeepSet::pooled");
  deep_set_mean(embedded, pooled_, points_);
  return rho_.forward(pooled_);
}

const Matrix& DeepSet::through(const Matrix& dy, bool with_parameters) {
  const Matrix& d_pooled = with_parameters ? rho_.backward(dy) : rho_.input_vjp(dy);
  ensure_shape(d_embedded_, d_pooled.extent(0) * points_, d_pooled.extent(1), "tractable::DeepSet::d_embedded");
  deep_set_spread(d_pooled, d_embedded_, points_);
  const Matrix& d_rows = with_parameters ? phi_.backward(d_embedded_) : phi_.input_vjp(d_embedded_);
  ensure_shape(dx_, d_pooled.extent(0), in_, "tractable::DeepSet::dx");
  deep_set_join_points(d_rows, dx_, points_, point_dim_);
  return dx_;
}

const Matrix& DeepSet::backward(const Matrix& dy) { return through(dy, true); }
const Matrix& DeepSet::input_vjp(const Matrix& dy) { return through(dy, false); }

}  // namespace tractable
