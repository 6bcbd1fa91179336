#include "core/parameter_store.hpp"

#include "core/error.hpp"

#include <sstream>

namespace tractable {

ParameterId ParameterStore::reserve(const std::string& name, std::vector<std::size_t> shape, Initializer init) {
  require(!values_.data(), "ParameterStore::reserve('" + name + "') after allocate()");
  require(shape.size() == 1 || shape.size() == 2, "parameter '" + name + "' must be a vector or a matrix");
  for (const auto& p : table_) require(p.name != name, "duplicate parameter name '" + name + "'");
  ParameterInfo info{name, total_, std::move(shape), init};
  total_ += info.size();
  table_.push_back(std::move(info));
  return table_.size() - 1;
}

ParameterId ParameterStore::reserve_buffer(const std::string& name, std::vector<std::size_t> shape, Initializer init) {
  require(!values_.data(), "ParameterStore::reserve_buffer('" + name + "') after allocate()");
  for (const auto& p : buffer_table_) require(p.name != name, "duplicate buffer name '" + name + "'");
  ParameterInfo info{name, buffer_total_, std::move(shape), init};
  buffer_total_ += info.size();
  buffer_table_.push_back(std::move(info));
  return buffer_table_.size() - 1;
}

Vector ParameterStore::buffer_vector(ParameterId id) const {
  require(id < buffer_table_.size() && (buffers_.data() || buffer_total_ == 0), "buffer view requested before allocate()");
  return Vector(buffers_.data() + buffer_table_[id].offset, buffer_table_[id].size());
}

void ParameterStore::allocate() {
  require(!values_.data(), "ParameterStore::allocate() called twice");
  values_ = Vector("tractable::parameters", total_);
  gradients_ = Vector("tractable::gradients", total_);
  buffers_ = Vector("tractable::buffers", buffer_total_);
  for (const auto& b : buffer_table_)  // buffers start at their constant (no random draws: init stream unchanged)
    if (b.init.kind == Initializer::Kind::constant)
      Kokkos::deep_copy(Vector(buffers_.data() + b.offset, b.size()), b.init.value);
}

void ParameterStore::initialize(RandomStream& init_stream) {
  require(values_.data() || total_ == 0, "ParameterStore::initialize() before allocate()");
  for (ParameterId id = 0; id < table_.size(); ++id) {
    const auto& p = table_[id];
    Matrix slice(values_.data() + p.offset, 1, p.size());
    switch (p.init.kind) {
      case Initializer::Kind::zeros: Kokkos::deep_copy(slice, Real(0)); break;
      case Initializer::Kind::constant: Kokkos::deep_copy(slice, p.init.value); break;
      case Initializer::Kind::uniform: init_stream.fill_uniform(slice, -p.init.value, p.init.value); break;
    }
  }
}

const std::string& ParameterStore::name_of_element(std::size_t index) const {
  for (const auto& p : table_)
    if (index >= p.offset && index < p.offset + p.size()) return p.name;
  static const std::string none = "(none)";
  return none;
}

Matrix ParameterStore::view2(const Vector& flat, ParameterId id) const {
  require(id < table_.size() && flat.data(), "parameter view requested before allocate()");
  const auto& p = table_[id];
  require(p.shape.size() == 2, "parameter '" + p.name + "' is not a matrix");
  // A pointer-constructed view is unmanaged: the store owns the memory.
  return Matrix(flat.data() + p.offset, p.shape[0], p.shape[1]);
}

Vector ParameterStore::view1(const Vector& flat, ParameterId id) const {
  require(id < table_.size() && flat.data(), "parameter view requested before allocate()");
  const auto& p = table_[id];
  require(p.shape.size() == 1, "parameter '" + p.name + "' is not a vector");
  return Vector(flat.data() + p.offset, p.shape[0]);
}

}  // namespace tractable
