#pragma once
// Sums of a matrix along one axis: the bias-gradient reduction over a batch,
// and per-row totals (a convolution's bias gradient, an MCMC observable).
#include "core/types.hpp"

namespace tractable {

// out(j) += sign · Σ_i m(i, j)
void accumulate_column_sums(const Matrix& m /*[B, N]*/, const Vector& out /*[N]*/, Real sign = Real(1));
// The moments batch statistics are made of: out = [Σ_i x(i, ·) | Σ_i x(i, ·)² | rows], [2D + 1],
// this rank's rows only (a BatchReducer sums them over ranks).
void column_moments(const Matrix& x /*[B, D]*/, const Vector& out /*[2D + 1]*/);
// out(i) = Σ_j m(i, j), or out(i) += Σ_j m(i, j) with `accumulate`
void row_sums(const Matrix& m /*[B, N]*/, const Vector& out /*[B]*/, bool accumulate = false);

}  // namespace tractable
