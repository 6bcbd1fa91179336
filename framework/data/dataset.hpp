#pragma once
// A dataset held on the host as [N, D] rows, split into train and test.
// Batches are gathered from here and copied to the device.
#include "core/types.hpp"

#include <cstdint>
#include <string>

namespace tractable {

struct Dataset {
  std::string origin;  // "toy:8gaussians", "csv:<path>", "hdf5:<path>:<dataset>"
  HostMatrix train;    // [N_train, D]
  HostMatrix test;     // [N_test, D]
  std::size_t dim() const { return train.extent(1); }
};

// Rejects NaN/Inf with the 1-based row and column and `where` (file, dataset).
void check_finite(const HostMatrix& rows /*[N, D]*/, const std::string& where, std::size_t first_row_number = 1);

// Seeded shuffle of `rows`, then the last round(test_fraction·N) rows become test.
Dataset split_train_test(const HostMatrix& rows, double test_fraction, std::uint64_t seed, std::string origin);

// The first min(count, N) rows of `source`, copied.
HostMatrix gather_rows(const HostMatrix& source, std::size_t count);

}  // namespace tractable
