#pragma once
// Blocks of columns moved between matrices with the same rows: a conditional
// flow's rows are [c | x] (context first), and its conditioners read [x | h]
// (the coordinates, then the embedded context).
#include "core/types.hpp"

namespace tractable {

// out(i, j) = source(i, first + j) for j < out.extent(1)
void copy_columns(const Matrix& source /*[B, W]*/, std::size_t first, const Matrix& out /*[B, n]*/);
// out(i, first + j) = source(i, j) for j < source.extent(1)
void place_columns(const Matrix& source /*[B, n]*/, const Matrix& out /*[B, W]*/, std::size_t first);
// out(i, j) += source(i, first + j) for j < out.extent(1)
void add_columns(const Matrix& source /*[B, W]*/, std::size_t first, const Matrix& out /*[B, n]*/);

}  // namespace tractable
