#pragma once
// Evaluation of a trained flow: test NLL and bits/dim (sharded over ranks),
// samples, and the log-density on a 2D grid.
#include "core/random.hpp"
#include "io/run_file.hpp"
#include "models/flow.hpp"
#include "parallel/communicator.hpp"

namespace tractable {

struct NllResult {
  double nll = 0;           // mean −log p(x) in nats
  double bits_per_dim = 0;  // nll / (D ln 2)
};

// Each rank evaluates its shard of `rows` in passes of `batch` rows; one reduction.
NllResult evaluate_nll(Flow& flow, const HostMatrix& rows /*[N, D]*/, std::size_t batch, const Communicator& comm);

// n samples x = f^{-1}(z), z ~ N(0, I) from `stream` (advanced by n·D draws).
HostMatrix draw_samples(Flow& flow, RandomStream& stream, std::size_t n, std::size_t batch);  // -> [n, D]

// log p on a resolution×resolution grid over [lo, hi]² (row = y index, col = x index).
NamedArray log_density_grid(Flow& flow, double lo, double hi, std::size_t resolution, const std::string& path);

}  // namespace tractable
