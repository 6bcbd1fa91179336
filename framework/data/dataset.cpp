#include "data/dataset.hpp"

#include "core/error.hpp"
#include "core/random.hpp"

#include <cmath>
#include <numeric>
#include <vector>

namespace tractable {

void check_finite(const HostMatrix& rows, const std::string& where, std::size_t first_row_number) {
  for (std::size_t i = 0; i < rows.extent(0); ++i)
    for (std::size_t j = 0; j < rows.extent(1); ++j)
      if (!std::isfinite(rows(i, j)))
        throw DataError(where + ": row " + std::to_string(i + first_row_number) + ", column " +
                        std::to_string(j + 1) + " is " + (std::isnan(rows(i, j)) ? "NaN" : "infinite") +
                        "; remove or impute it before training");
}

Dataset split_train_test(const HostMatrix& rows, double test_fraction, std::uint64_t seed, std::string origin) {
  const std::size_t n = rows.extent(0), dim = rows.extent(1);
  const std::size_t n_test = static_cast<std::size_t>(std::llround(test_fraction * double(n)));
  if (n_test >= n || (test_fraction > 0 && n_test == 0))
    throw DataError(origin + ": " + std::to_string(n) + " rows cannot be split with test_fraction " +
                    std::to_string(test_fraction) + " (each split needs at least one row)");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  RandomStream stream(seed, 0, Stream::data, /*counter=*/0xFFFF0000ULL);  // a block apart from batch shuffles
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[stream.below(i)]);
  Dataset d;
  d.origin = std::move(origin);
  d.train = HostMatrix("tractable::Dataset::train", n - n_test, dim);
  d.test = HostMatrix("tractable::Dataset::test", n_test, dim);
  for (std::size_t k = 0; k < n; ++k) {
    const bool is_test = k >= n - n_test;
    for (std::size_t j = 0; j < dim; ++j) {
      if (is_test)
        d.test(k - (n - n_test), j) = rows(order[k], j);
      else
        d.train(k, j) = rows(order[k], j);
    }
  }
  return d;
}

HostMatrix gather_rows(const HostMatrix& source, std::size_t count) {
  const std::size_t n = std::min(count, source.extent(0));
  HostMatrix out("tractable::gather_rows", n, source.extent(1));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < source.extent(1); ++j) out(i, j) = source(i, j);
  return out;
}

}  // namespace tractable
