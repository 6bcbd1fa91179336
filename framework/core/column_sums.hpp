#pragma once
// out(j) += sign · Σ_i m(i, j): the bias-gradient reduction over a batch.
#include "core/types.hpp"

namespace tractable {

void accumulate_column_sums(const Matrix& m /*[B, N]*/, const Vector& out /*[N]*/, Real sign = Real(1));

}  // namespace tractable
