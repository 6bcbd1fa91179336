#include "nn/conv1d.hpp"

#include "core/error.hpp"
#include "nn/linear.hpp"

namespace tractable {

namespace {
// Tap u of step t reads t + u − r; step s is tap u of step s − u + r; −1 outside the sequence (zero padding).
std::vector<int> sequence_table(std::size_t steps, std::size_t k, bool feeds) {
  const long T = long(steps), r = long(k / 2);
  std::vector<int> table(k * steps);
  for (long u = 0; u < long(k); ++u)
    for (long t = 0; t < T; ++t) {
      const long at = feeds ? t - u + r : t + u - r;
      table[u * T + t] = at >= 0 && at < T ? int(at) : -1;
    }
  return table;
}
std::size_t odd_kernel(const std::string& name, std::size_t kernel) {
  require(kernel % 2 == 1, "Conv1d '" + name + "': the kernel must be odd");
  return kernel;
}
}  // namespace

Conv1d::Conv1d(ParameterStore& store, const std::string& name, std::size_t in_channels, std::size_t out_channels,
               std::size_t steps, std::size_t kernel, Init init)
    : GatherConvolution(store, name, in_channels, out_channels, steps, odd_kernel(name, kernel),
                        sequence_table(steps, kernel, false), sequence_table(steps, kernel, true), init),
      kernel_(kernel) {}

std::string Conv1d::describe() const {
  return "Conv1d(" + std::to_string(in_channels_) + " -> " + std::to_string(out_channels_) + ", k " +
         std::to_string(kernel_) + " on " + std::to_string(sites_) + " steps)";
}

SequenceNetwork::SequenceNetwork(ParameterStore& store, const std::string& name, std::size_t in, std::size_t out,
                                 const SequenceShape& shape)
    : in_(in), out_(out) {
  if (shape.channels == 0 || in % shape.channels != 0 || in == 0)
    throw SpecError(name + ": " + std::to_string(in) + " input features are not a whole number of steps of " +
                    std::to_string(shape.channels) + " channels");
  if (shape.depth == 0) throw SpecError(name + ": a sequence network needs at least one convolution (depth >= 1)");
  const std::size_t steps = in / shape.channels;
  std::size_t channels = shape.channels;
  for (std::size_t l = 0; l < shape.depth; ++l) {
    layers_.push_back(
        std::make_unique<Conv1d>(store, name + ".conv" + std::to_string(l), channels, shape.filters, steps, shape.kernel));
    layers_.push_back(std::make_unique<ActivationLayer>(shape.activation, shape.filters * steps));
    channels = shape.filters;
  }
  layers_.push_back(std::make_unique<Linear>(store, name + ".linear", shape.filters * steps, out));
}

}  // namespace tractable
