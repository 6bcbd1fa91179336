#pragma once
// A dataset held on the host as [N, D] rows, split into train, validation
// (may be empty: no model selection) and test.
// Batches are gathered from here and copied to the device.
#include "core/types.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tractable {

// Data for a conditional model p(x | c) keeps each context with its row: rows
// are [c | x], the C context columns first (as csv files with
// data.context_columns store them), so splits, shuffles and rank shards move
// contexts with their rows by construction.
struct Dataset {
  std::string origin;  // "toy:8gaussians", "csv:<path>", "hdf5:<path>:<dataset>", "simulator:two_moons"
  HostMatrix train;       // [N_train, C + D]
  HostMatrix validation;  // [N_validation, C + D]; N_validation may be 0
  HostMatrix test;        // [N_test, C + D]
  std::size_t context_dim = 0;  // C (0: unconditional)
  std::vector<std::string> files;  // every file the rows were read from (fingerprinted in /provenance)
  // Training rows are pixel intensities redrawn as Bernoulli pixels at each use (data.binarize "dynamic").
  bool dynamic_binarization = false;
  std::size_t dim() const { return train.extent(1) - context_dim; }  // D, the modelled columns
  // "train", "validation" or "test"; a DataError for an empty validation split.
  const HostMatrix& split(const std::string& name) const;
};

// Rejects NaN/Inf with the 1-based row and column and `where` (file, dataset).
void check_finite(const HostMatrix& rows /*[N, D]*/, const std::string& where, std::size_t first_row_number = 1);

// Seeded shuffle of `rows`; the last round(test_fraction·N) rows become test,
// the round(validation_fraction·(N − N_test)) before them validation, the rest
// train. The test rows do not depend on validation_fraction, so runs with and
// without a validation split are tested on the same rows.
Dataset split_rows(const HostMatrix& rows, double test_fraction, double validation_fraction, std::uint64_t seed,
                   std::string origin);

// The last round(fraction·N) rows of `train` become `validation` (for rows already in seeded random
// order: independent draws, or the train part of split_rows). Errors name `origin`.
void hold_out_validation(Dataset& data, double fraction);

// The rows of a conditional model, [c | x] [N, C + D], from contexts [N, C] and x [N, D]: a DataError naming
// both when their row counts differ.
HostMatrix join_context(const HostMatrix& context, const HostMatrix& x, const std::string& context_origin,
                        const std::string& x_origin);

// The first min(count, N) rows of `source`, copied.
HostMatrix gather_rows(const HostMatrix& source, std::size_t count);

}  // namespace tractable
