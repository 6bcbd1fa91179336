#include "data/dataset.hpp"

#include "core/error.hpp"
#include "core/random.hpp"

#include <cmath>
#include <numeric>
#include <vector>

namespace tractable {

const HostMatrix& Dataset::split(const std::string& name) const {
  if (name == "train") return train;
  if (name == "test") return test;
  if (name != "validation") throw UsageError("no split named '" + name + "' (train, validation or test)");
  if (validation.extent(0) == 0)
    throw DataError(origin + ": the run has no validation split (data.validation_fraction is 0, or mnist trains "
                             "on train+validation)");
  return validation;
}

void check_finite(const HostMatrix& rows, const std::string& where, std::size_t first_row_number) {
  for (std::size_t i = 0; i < rows.extent(0); ++i)
    for (std::size_t j = 0; j < rows.extent(1); ++j)
      if (!std::isfinite(rows(i, j)))
        throw DataError(where + ": row " + std::to_string(i + first_row_number) + ", column " +
                        std::to_string(j + 1) + " is " + (std::isnan(rows(i, j)) ? "NaN" : "infinite") +
                        "; remove or impute it before training");
}

namespace {
std::size_t held_out_count(std::size_t n, double fraction, const char* key, const std::string& origin) {
  const std::size_t held = static_cast<std::size_t>(std::llround(fraction * double(n)));
  if (held >= n || (fraction > 0 && held == 0))
    throw DataError(origin + ": " + std::to_string(n) + " rows cannot be split with data." + key + " " +
                    std::to_string(fraction) + " (each split needs at least one row; 0 turns the split off)");
  return held;
}

// Rows [begin, end) of `rows` in the order `order`.
HostMatrix take(const HostMatrix& rows, const std::vector<std::size_t>& order, std::size_t begin, std::size_t end,
                const char* label) {
  HostMatrix out(std::string(label), end - begin, rows.extent(1));
  for (std::size_t k = begin; k < end; ++k)
    for (std::size_t j = 0; j < rows.extent(1); ++j) out(k - begin, j) = rows(order[k], j);
  return out;
}
}  // namespace

Dataset split_rows(const HostMatrix& rows, double test_fraction, double validation_fraction, std::uint64_t seed,
                   std::string origin) {
  const std::size_t n = rows.extent(0);
  const std::size_t n_test = held_out_count(n, test_fraction, "test_fraction", origin);
  const std::size_t n_validation = held_out_count(n - n_test, validation_fraction, "validation_fraction", origin);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  RandomStream stream(seed, 0, Stream::data, /*counter=*/0xFFFF0000ULL);  // a block apart from batch shuffles
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[stream.below(i)]);
  Dataset d;
  d.origin = std::move(origin);
  const std::size_t n_train = n - n_test - n_validation;
  d.train = take(rows, order, 0, n_train, "tractable::Dataset::train");
  d.validation = take(rows, order, n_train, n - n_test, "tractable::Dataset::validation");
  d.test = take(rows, order, n - n_test, n, "tractable::Dataset::test");
  return d;
}

void hold_out_validation(Dataset& data, double fraction) {
  const std::size_t n = data.train.extent(0);
  const std::size_t n_validation = held_out_count(n, fraction, "validation_fraction", data.origin);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  const HostMatrix all = data.train;
  data.train = take(all, order, 0, n - n_validation, "tractable::Dataset::train");
  data.validation = take(all, order, n - n_validation, n, "tractable::Dataset::validation");
}

HostMatrix join_context(const HostMatrix& context, const HostMatrix& x, const std::string& context_origin,
                        const std::string& x_origin) {
  if (context.extent(0) != x.extent(0))
    throw DataError(context_origin + ": " + std::to_string(context.extent(0)) + " context rows, but " + x_origin +
                    " has " + std::to_string(x.extent(0)) + " rows; each row needs its context");
  const std::size_t C = context.extent(1), D = x.extent(1);
  HostMatrix rows("tractable::rows_with_context", x.extent(0), C + D);
  for (std::size_t i = 0; i < x.extent(0); ++i) {
    for (std::size_t j = 0; j < C; ++j) rows(i, j) = context(i, j);
    for (std::size_t j = 0; j < D; ++j) rows(i, C + j) = x(i, j);
  }
  return rows;
}

HostMatrix gather_rows(const HostMatrix& source, std::size_t count) {
  const std::size_t n = std::min(count, source.extent(0));
  HostMatrix out("tractable::gather_rows", n, source.extent(1));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < source.extent(1); ++j) out(i, j) = source(i, j);
  return out;
}

}  // namespace tractable
