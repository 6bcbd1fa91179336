#pragma once
// Sums over the ranks that share one global batch: all that layers with batch
// statistics (ActNorm's data-dependent initialisation, BatchNorm) need from the
// parallel runtime. An interface, so bijectors do not depend on MPI;
// parallel/communicator.hpp implements it with MPI_Allreduce.
#include "core/types.hpp"

namespace tractable {

class BatchReducer {
 public:
  virtual ~BatchReducer() = default;
  // In place, element-wise sum over ranks.
  virtual void sum(const Vector& buffer /*[n]*/) const = 0;
  virtual double sum(double value) const = 0;
};

}  // namespace tractable
