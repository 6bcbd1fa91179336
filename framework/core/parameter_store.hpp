#pragma once
// One flat parameter buffer and one flat gradient buffer for a whole model.
// Layers reserve named, shaped slices while the model is built; after
// allocate() they read their slices as views into the flat buffers. Zeroing
// gradients is one fill, the gradient all-reduce is one MPI call, the
// optimiser is one kernel and a checkpoint is one dataset plus this table.
#include "core/batch_parallel.hpp"
#include "core/random.hpp"
#include "core/types.hpp"

#include <functional>
#include <string>
#include <vector>

namespace tractable {

// How a slice is filled by initialize(); drawn from the `init` stream in
// reservation order, so a (seed, spec) pair always gives the same model.
struct Initializer {
  enum class Kind { zeros, constant, uniform } kind = Kind::zeros;
  Real value = 0;  // constant value, or the half-width of the uniform range
  static Initializer zeros() { return {Kind::zeros, 0}; }
  static Initializer constant(Real v) { return {Kind::constant, v}; }
  static Initializer uniform(Real half_width) { return {Kind::uniform, half_width}; }
};

struct ParameterInfo {
  std::string name;                 // e.g. "flow.0.conditioner.linear1.weight"
  std::size_t offset = 0;           // first element in the flat buffer
  std::vector<std::size_t> shape;   // [rows, cols] or [n]
  Initializer init;
  std::size_t size() const {
    std::size_t n = 1;
    for (auto s : shape) n *= s;
    return n;
  }
};

using ParameterId = std::size_t;

class ParameterStore {
 public:
  ParameterId reserve(const std::string& name, std::vector<std::size_t> shape, Initializer init);
  // Non-trainable state that a checkpoint must keep (BatchNorm's running
  // statistics): a second flat buffer with its own table, never optimised.
  ParameterId reserve_buffer(const std::string& name, std::vector<std::size_t> shape, Initializer init);
  // Allocates both buffers (zeroed) once every slice is reserved.
  void allocate();
  void initialize(RandomStream& init_stream);
  bool allocated() const { return values_.data() != nullptr || total_ == 0; }

  Matrix matrix(ParameterId id) const { return view2(values_, id); }
  Vector vector(ParameterId id) const { return view1(values_, id); }
  Matrix gradient_matrix(ParameterId id) const { return view2(gradients_, id); }
  Vector gradient_vector(ParameterId id) const { return view1(gradients_, id); }
  Vector buffer_vector(ParameterId id) const;

  const Vector& values() const { return values_; }        // [size()]
  const Vector& gradients() const { return gradients_; }  // [size()]
  // A fill that does not wait for a device (core/batch_parallel.hpp), as every in-step fill.
  void zero_gradients() const { fill_zero(gradients_); }
  // A backward pass may announce a parameter whose gradient is final for this step (Linear does, after its
  // weight and bias gradients), so that the reduction over ranks of a finished bucket of gradients starts
  // while the rest of the pass runs (training/gradient_buckets.hpp). Announcing is optional. A gradient
  // must not change after its announcement; a second announcement in one step is detected and handled.
  void set_gradient_ready_listener(std::function<void(ParameterId)> listener) { ready_listener_ = std::move(listener); }
  void gradient_ready(ParameterId id) const {
    if (ready_listener_) ready_listener_(id);
  }

  const std::vector<ParameterInfo>& table() const { return table_; }
  const std::vector<ParameterInfo>& buffer_table() const { return buffer_table_; }
  const Vector& buffers() const { return buffers_; }  // [buffer_size()]
  std::size_t buffer_size() const { return buffer_total_; }
  std::size_t size() const { return total_; }
  // Name of the parameter owning flat element `index` (for diagnostics).
  const std::string& name_of_element(std::size_t index) const;

 private:
  Matrix view2(const Vector& flat, ParameterId id) const;
  Vector view1(const Vector& flat, ParameterId id) const;

  std::vector<ParameterInfo> table_, buffer_table_;
  std::size_t total_ = 0, buffer_total_ = 0;
  Vector buffers_;
  Vector values_;
  Vector gradients_;
  std::function<void(ParameterId)> ready_listener_;
};

}  // namespace tractable
