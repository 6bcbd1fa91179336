#pragma once
// Swaps a bijector's directions: forward becomes its inverse and vice versa,
// with the costs swapped too. IAF = Inverted(MAF, an Autoregressive<AffineTransform>): sampling
// in one parallel pass, density in D sequential passes.
#include "flows/bijector.hpp"

#include <memory>

namespace tractable {

class Inverted : public Bijector {
 public:
  Inverted(std::unique_ptr<Bijector> inner, std::string label) : inner_(std::move(inner)), label_(std::move(label)) {}

  const Matrix& forward(const Matrix& x, const Vector& logdet) override { return inner_->inverse(x, logdet); }
  const Matrix& forward_backward(const Matrix& dy, const Vector& dlogdet) override {
    return inner_->inverse_backward(dy, dlogdet);
  }
  const Matrix& inverse(const Matrix& y, const Vector& logdet) override { return inner_->forward(y, logdet); }
  const Matrix& inverse_backward(const Matrix& dx, const Vector& dlogdet) override {
    return inner_->forward_backward(dx, dlogdet);
  }

  void set_training(bool training) override { inner_->set_training(training); }
  std::size_t context_features() const override { return inner_->context_features(); }
  void set_context(const Matrix& h, const Matrix& dh) override { inner_->set_context(h, dh); }
  const char* context_refusal() const override { return inner_->context_refusal(); }
  std::size_t dim() const override { return inner_->dim(); }
  PassCost forward_cost() const override { return inner_->inverse_cost(); }
  PassCost inverse_cost() const override { return inner_->forward_cost(); }
  std::string describe() const override { return label_ + "(" + inner_->describe() + ")"; }
  std::vector<FixedArray> fixed_arrays() const override { return inner_->fixed_arrays(); }

 private:
  std::unique_ptr<Bijector> inner_;
  std::string label_;
};

}  // namespace tractable
