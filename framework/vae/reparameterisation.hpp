#pragma once
// The amortised diagonal Gaussian q(z|x) = N(μ_b, diag σ_b²) that both VAEs
// sample by reparameterisation, k rows per example (r = b·k + j):
//   z(r, l) = μ(b, l) + exp(½ log σ²(b, l)) ε(r, l),
// with posterior columns (μ | log σ²) at [0, 2L) and ε's columns at [0, L).
// With ε fixed, log q(z|x) = −½|ε|² − ½ Σ log σ² − (L/2) log 2π depends on the
// posterior only through −½ Σ log σ², which the backward adds.
#include "core/types.hpp"

namespace tractable {

void reparameterise(const Matrix& posterior /*[B, ≥2L]*/, const Matrix& eps /*[B·k, ≥L]*/, std::size_t k,
                    const Matrix& z /*[B·k, L]*/);

// d_posterior(b, l) = Σ_j dz(r, l);  d_posterior(b, L + l) = Σ_j dz(r, l) ε(r, l) ½σ(b, l) − ½ d_log_q(r)
// where d_log_q(r) = d_terms(r, 2), the objective's gradient with respect to log q of row r.
void reparameterise_backward(const Matrix& posterior /*[B, ≥2L]*/, const Matrix& eps /*[B·k, ≥L]*/, std::size_t k,
                             const Matrix& dz /*[B·k, L]*/, const Matrix& d_terms /*[B·k, 3]*/,
                             const Matrix& d_posterior /*[B, ≥2L]*/);

}  // namespace tractable
