#pragma once
#include "core/batch_reducer.hpp"
#include "core/types.hpp"

namespace tractable {

// Global L2 norm of a flat buffer (one reduction kernel).
double global_norm(const Vector& grads /*[P]*/);

// Scales grads so their global norm is at most max_norm (if max_norm > 0).
// Returns the norm before clipping, which the run logs as grad_norm.
double clip_by_global_norm(const Vector& grads /*[P]*/, double max_norm);
// The same when each rank holds one shard of the gradient: the squared norm is summed over `ranks`
// (one scalar all-reduce), so every rank clips its shard by the same factor.
double clip_by_global_norm(const Vector& shard /*[P_rank]*/, double max_norm, const BatchReducer& ranks);

}  // namespace tractable
