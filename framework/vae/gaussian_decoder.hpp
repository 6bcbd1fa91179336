#pragma once
// Diagonal Gaussian pixels with means m: log p = −½ Σ_d ((x_d − m_d)² / v_d + log v_d + log 2π),
// log v fixed or a learned parameter vector "<name>.log_variance" [D] (initialised to 0).
#include "vae/decoder.hpp"

namespace tractable {

class GaussianDecoder : public Decoder {
 public:
  GaussianDecoder(ParameterStore& store, const std::string& name, std::size_t dim, bool learned, double fixed_variance);
  void log_likelihood(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& terms) const override;
  void backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms, const Matrix& d_out) const override;
  // Learned variance: accumulates ∂/∂ log v.
  void parameter_backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms,
                          const Matrix& scratch) const override;
  void mean(const Matrix& out, Matrix& result) const override;  // m
  std::string describe() const override { return std::string("Gaussian, ") + (learned_ ? "learned" : "fixed") + " variance"; }

 private:
  Vector log_variance() const { return learned_ ? store_.vector(log_variance_) : fixed_log_variance_; }
  ParameterStore& store_;
  bool learned_;
  ParameterId log_variance_{};
  Vector fixed_log_variance_;  // [D]
};

// `learned`: one log-variance per dimension; otherwise v = fixed_variance.
DecoderFactory gaussian_decoder(bool learned, double fixed_variance);

}  // namespace tractable
