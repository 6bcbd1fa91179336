#pragma once
// Evaluation of a trained flow: test NLL and bits/dim (sharded over ranks),
// samples, and the log-density on a 2D grid.
#include "core/random.hpp"
#include "distributions/targets/target.hpp"
#include "io/run_file.hpp"
#include "flows/flow.hpp"
#include "parallel/communicator.hpp"

namespace tractable {

struct NllResult {
  double nll = 0;           // mean −log p(x) in nats
  double bits_per_dim = 0;  // nll / (D ln 2)
};

// Each rank evaluates its shard of `rows` in passes of `batch` rows; one reduction. With `local_log_p`,
// this rank's per-row log p(x) (its shard, in order) is returned there too.
NllResult evaluate_nll(Flow& flow, const HostMatrix& rows /*[N, C + D]*/, std::size_t batch, const Communicator& comm,
                       std::vector<double>* local_log_p = nullptr);

// n samples x = f^{-1}(z), z ~ N(0, I) from `stream` (advanced by n·D draws). A conditional flow draws
// sample i at context row i mod N of `contexts` (its first C columns) and returns rows [c | x].
HostMatrix draw_samples(Flow& flow, RandomStream& stream, std::size_t n, std::size_t batch,
                        const HostMatrix& contexts = HostMatrix());  // -> [n, C + D]

// log p on a resolution×resolution grid over [lo, hi]² (row = y index, col = x index).
NamedArray log_density_grid(Flow& flow, double lo, double hi, std::size_t resolution, const std::string& path);
// The same grid for an unnormalised target's log p̃.
NamedArray log_density_grid(const Target& target, double lo, double hi, std::size_t resolution, const std::string& path);

// Importance sampling with the flow as proposal, w = p̃(x)/q(x), x ~ q:
//   elbo = E[log w]  (= −KL(q‖p) + log Z),  log_z = log mean w,
//   ess_fraction = (Σw)² / (n Σw²),  kl = log Z_ref − elbo when a reference log Z is given.
struct ImportanceResult {
  double elbo = 0, log_z = 0, ess_fraction = 0, kl = 0;
};
// n draws sharded over ranks; draw r uses base noise rows r of `stream`
// (a fixed block, independent of the number of ranks).
ImportanceResult evaluate_importance(Flow& flow, const Target& target, const RandomStream& stream, std::size_t n,
                                     std::size_t batch, const Communicator& comm, double reference_log_z);

// log ∫ p̃ over [lo, hi]² by the midpoint rule on a resolution² grid (2D targets).
double quadrature_log_normalizer(const Target& target, double lo, double hi, std::size_t resolution);

}  // namespace tractable
