#include "nn/periodic_conv2d.hpp"

#include "core/error.hpp"

namespace tractable {

namespace {
// The torus's tables: tap (u, v) of site (t, s) reads (t+u−r, s+v−r) mod L; site (t, s) is tap (u, v) of
// (t−u+r, s−v+r) mod L.
std::vector<int> torus_table(std::size_t L, std::size_t k, bool feeds) {
  const std::size_t sites = L * L, r = k / 2;
  std::vector<int> table(k * k * sites);
  for (std::size_t u = 0; u < k; ++u)
    for (std::size_t v = 0; v < k; ++v)
      for (std::size_t t = 0; t < L; ++t)
        for (std::size_t s = 0; s < L; ++s) {
          const std::size_t at = (u * k + v) * sites + t * L + s;
          table[at] = feeds ? int(((t + L + r - u) % L) * L + (s + L + r - v) % L)
                            : int(((t + L + u - r) % L) * L + (s + L + v - r) % L);
        }
  return table;
}
std::size_t checked_side(const std::string& name, std::size_t side, std::size_t kernel) {
  require(side > 0, "PeriodicConv2d '" + name + "' needs positive sizes");
  require(kernel % 2 == 1 && kernel / 2 <= side, "PeriodicConv2d '" + name + "': the kernel must be odd, k/2 <= L");
  return side;
}
}  // namespace

PeriodicConv2d::PeriodicConv2d(ParameterStore& store, const std::string& name, std::size_t in_channels,
                               std::size_t out_channels, std::size_t side, std::size_t kernel, Init init)
    : GatherConvolution(store, name, in_channels, out_channels, checked_side(name, side, kernel) * side,
                        kernel * kernel, torus_table(side, kernel, false), torus_table(side, kernel, true), init),
      side_(side),
      kernel_(kernel) {}

std::string PeriodicConv2d::describe() const {
  return "PeriodicConv2d(" + std::to_string(in_channels_) + " -> " + std::to_string(out_channels_) + ", " +
         std::to_string(kernel_) + "x" + std::to_string(kernel_) + " on " + std::to_string(side_) + "x" +
         std::to_string(side_) + ")";
}

}  // namespace tractable
