#pragma once
// How a kernel over a [B, D] batch is launched, so that every backend gets the whole batch.
//
// On a device (CUDA, HIP) rows are spread over a team's threads and each row's features over the
// thread's vector lanes: B×D work items, and neighbouring lanes read neighbouring addresses of a
// row-major matrix (coalesced). On the host (Serial, OpenMP) one work item is one row and its
// features are a contiguous inner loop that the compiler vectorises: a work item per element
// would cost an index division each and hide the row from the vectoriser.
//
// Column reductions (a bias gradient, batch moments, a scale's log-determinant gradient) are
// parallel too: on a device, one team per column reduces over the rows; on the host, blocks of
// columns, each summed over the rows in row order by one thread. The host's sums are therefore the
// same for any number of threads (the OpenMP build reproduces the Serial build's reductions).
#include "core/types.hpp"

#include <string>

namespace tractable {

namespace batch_parallel_detail {
// A host kernel over at most this many elements (128 KiB of floats, well inside a core's L2 cache)
// runs on the calling thread. Split over OpenMP threads it costs a fork and join (a microsecond or
// more) and, worse, the other thread's rows must first move to its core, from the cache of the core
// that wrote them (the previous kernel, or a single-threaded GEMM). Measured on two threads (Intel
// Xeon, 2 cores): split 512×64 epilogues (RealNVP-2D) made a training step 1.1x slower than
// inline; at 50,000 elements of log-densities (IWAE-50's latent terms) splitting gains 10 %, and
// MAF-8D's 512×128 epilogues (65,536) gain or lose a few per cent by the run. Such small kernels
// then do not show under their label in Kokkos's profiling tools.
constexpr std::size_t host_inline_elements = 32768;

// Whether host work over `elements` elements runs on the calling thread (the rule above).
inline bool runs_inline(std::size_t elements) { return elements <= host_inline_elements; }

// body(k) for k in [0, items) on the host, where the items hold `elements` elements in all. Host
// kernels capture the caller's functor by reference (they finish before returning): copying its
// views would count references atomically at every launch.
template <class Body>
void host_for(const std::string& label, std::size_t items, std::size_t elements, const Body& body) {
  if (runs_inline(elements)) {
    for (std::size_t k = 0; k < items; ++k) body(k);
  } else {
    Kokkos::parallel_for(label, RangePolicy(0, items), body);
  }
}

using TeamPolicy = Kokkos::TeamPolicy<ExecSpace>;
using Team = TeamPolicy::member_type;
// Lanes per row on a device: a power of two up to a warp, no wider than the row.
inline int device_lanes(std::size_t cols) {
  int lanes = 1;
  while (lanes < 32 && std::size_t(lanes) < cols) lanes *= 2;
  return lanes;
}
// The teams that give a device a [rows, cols] batch: 256 threads a team, a row per thread and its
// features over the thread's lanes; row_of(team) is the row of a team's thread (>= rows: none).
inline TeamPolicy row_teams(std::size_t rows, std::size_t cols) {
  const int lanes = device_lanes(cols), rows_per_team = 256 / lanes;
  const std::size_t league = (rows + rows_per_team - 1) / rows_per_team;
  return TeamPolicy(int(league), rows_per_team, lanes);
}
KOKKOS_INLINE_FUNCTION std::size_t row_of(const Team& team) {
  return std::size_t(team.league_rank()) * team.team_size() + team.team_rank();
}
}  // namespace batch_parallel_detail

// view = value without waiting for a device: on the host a plain loop on the calling thread for a
// small contiguous view (Kokkos's fill forks the OpenMP threads whatever the size) and Kokkos's fill
// otherwise; on a device a fill queued on the execution space (the plain one fences).
template <class View>
void fill(const View& view, typename View::const_value_type value) {
  if constexpr (kernels_run_on_host) {
    if (view.span_is_contiguous() && batch_parallel_detail::runs_inline(view.span())) {
      typename View::pointer_type data = view.data();
      for (std::size_t k = 0, n = view.span(); k < n; ++k) data[k] = value;
    } else {
      Kokkos::deep_copy(view, value);
    }
  } else {
    Kokkos::deep_copy(ExecSpace(), view, value);
  }
}

// view = 0 (fill above).
template <class View>
void fill_zero(const View& view) {
  fill(view, typename View::value_type(0));
}

// f(k) for every k in [0, n): a per-row or per-scalar kernel (a log-density's sign, one value per
// row); on the host inline below host_inline_elements, like every host launch here.
template <class F>
void for_each_index(const std::string& label, std::size_t n, const F& f) {
  if (n == 0) return;
  if constexpr (kernels_run_on_host)
    batch_parallel_detail::host_for(label, n, n, f);
  else
    Kokkos::parallel_for(label, RangePolicy(0, n), KOKKOS_LAMBDA(const std::size_t k) { f(k); });
}

// Σ_k f(k) over [0, n) in double, read on the host (a loss's batch sum): inline in index order on the
// host below host_inline_elements, a Kokkos reduction otherwise.
template <class F>
double sum_over(const std::string& label, std::size_t n, const F& f) {
  double total = 0;
  if constexpr (kernels_run_on_host) {
    if (batch_parallel_detail::runs_inline(n)) {
      for (std::size_t k = 0; k < n; ++k) total += double(f(k));
      return total;
    }
    Kokkos::parallel_reduce(label, RangePolicy(0, n), [&](const std::size_t k, double& acc) { acc += double(f(k)); },
                            total);
  } else {
    Kokkos::parallel_reduce(
        label, RangePolicy(0, n), KOKKOS_LAMBDA(const std::size_t k, double& acc) { acc += double(f(k)); }, total);
  }
  return total;
}

// f(i, j) for every element of a [rows, cols] batch; f writes only element (i, j) of its outputs
// (the host loop is declared free of dependencies between columns).
template <class F>
void for_each_element(const std::string& label, std::size_t rows, std::size_t cols, const F& f) {
  if (rows == 0 || cols == 0) return;
  if constexpr (kernels_run_on_host) {
    batch_parallel_detail::host_for(label, rows, rows * cols, [&](const std::size_t i) {
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC ivdep
#endif
      for (std::size_t j = 0; j < cols; ++j) f(i, j);
    });
  } else {
    using namespace batch_parallel_detail;
    Kokkos::parallel_for(
        label, row_teams(rows, cols), KOKKOS_LAMBDA(const Team& team) {
          const std::size_t i = row_of(team);
          if (i < rows) Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, cols), [&](const std::size_t j) { f(i, j); });
        });
  }
}

// f(i, p, j) for every element of a [rows, blocks·cols] batch whose columns are `blocks` blocks of
// `cols` (a conditioner's P parameters per feature): on the host the block is outside the
// vectorised loop, so f may branch on p at no cost per element.
template <class F>
void for_each_block_element(const std::string& label, std::size_t rows, std::size_t blocks, std::size_t cols,
                            const F& f) {
  if (rows == 0 || blocks == 0 || cols == 0) return;
  if constexpr (kernels_run_on_host) {
    batch_parallel_detail::host_for(label, rows, rows * blocks * cols, [&](const std::size_t i) {
      for (std::size_t p = 0; p < blocks; ++p)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC ivdep
#endif
        for (std::size_t j = 0; j < cols; ++j) f(i, p, j);
    });
  } else {
    for_each_element(label, rows, blocks * cols,
                     KOKKOS_LAMBDA(std::size_t i, std::size_t c) { f(i, c / cols, c % cols); });
  }
}

// finish(i, Σ_j f(i, j)) for each row of a [rows, cols] batch: a row's reduction (a log-density, a
// dot product) with whatever follows from it. f may also write element (i, j) of its outputs.
template <class F, class Finish>
void for_each_row_reduce(const std::string& label, std::size_t rows, std::size_t cols, const F& f,
                         const Finish& finish) {
  if (rows == 0) return;
  if constexpr (kernels_run_on_host) {
    batch_parallel_detail::host_for(label, rows, rows * cols, [&](const std::size_t i) {
      Real sum = 0;
      for (std::size_t j = 0; j < cols; ++j) sum += f(i, j);
      finish(i, sum);
    });
  } else {
    using namespace batch_parallel_detail;
    Kokkos::parallel_for(
        label, row_teams(rows, cols), KOKKOS_LAMBDA(const Team& team) {
          const std::size_t i = row_of(team);
          if (i >= rows) return;
          Real sum = 0;
          Kokkos::parallel_reduce(
              Kokkos::ThreadVectorRange(team, cols), [&](const std::size_t j, Real& acc) { acc += f(i, j); }, sum);
          Kokkos::single(Kokkos::PerThread(team), [&]() { finish(i, sum); });
        });
  }
}

// One row's features [0, cols) inside for_each_row: its loops and reductions run over the vector
// lanes of the row's thread on a device (every lane gets a reduction's result), as a plain loop on
// the host. sum(n, f) sums over the first n <= cols features only.
template <bool on_host>
struct RowLanesOn;

template <>
struct RowLanesOn<true> {
  std::size_t cols;
  template <class F>
  Real sum(const F& f) const {
    return sum(cols, f);
  }
  template <class F>
  Real sum(std::size_t n, const F& f) const {  // over the first n features
    Real total = 0;
    for (std::size_t j = 0; j < n; ++j) total += f(j);
    return total;
  }
  template <class F>
  Real max(const F& f) const {  // cols > 0
    Real largest = f(0);
    for (std::size_t j = 1; j < cols; ++j) {
      const Real v = f(j);
      largest = v > largest ? v : largest;
    }
    return largest;
  }
  template <class F>
  void for_each(const F& f) const {
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC ivdep
#endif
    for (std::size_t j = 0; j < cols; ++j) f(j);
  }
  template <class F>
  void once(const F& f) const {  // what the row's thread does once: its results
    f();
  }
};

template <>
struct RowLanesOn<false> {
  const batch_parallel_detail::Team& team;
  std::size_t cols;
  template <class F>
  KOKKOS_INLINE_FUNCTION Real sum(const F& f) const {
    return sum(cols, f);
  }
  template <class F>
  KOKKOS_INLINE_FUNCTION Real sum(std::size_t n, const F& f) const {
    Real total = 0;
    Kokkos::parallel_reduce(
        Kokkos::ThreadVectorRange(team, n), [&](const std::size_t j, Real& acc) { acc += f(j); }, total);
    return total;
  }
  template <class F>
  KOKKOS_INLINE_FUNCTION Real max(const F& f) const {
    Real largest = 0;  // the reducer starts from the lowest value
    Kokkos::parallel_reduce(
        Kokkos::ThreadVectorRange(team, cols),
        [&](const std::size_t j, Real& acc) {
          const Real v = f(j);
          acc = v > acc ? v : acc;
        },
        Kokkos::Max<Real>(largest));
    return largest;
  }
  template <class F>
  KOKKOS_INLINE_FUNCTION void for_each(const F& f) const {
    Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, cols), f);
  }
  template <class F>
  KOKKOS_INLINE_FUNCTION void once(const F& f) const {
    Kokkos::single(Kokkos::PerThread(team), f);
  }
};

using RowLanes = RowLanesOn<kernels_run_on_host>;

// f(i, lanes) for each row of a [rows, cols] batch, where `lanes` (a RowLanes) runs the row's
// loops and reductions over its features: a row's softmax, several sums of one row, results
// written once per row (lanes.once) and per element (lanes.for_each).
template <class F>
void for_each_row(const std::string& label, std::size_t rows, std::size_t cols, const F& f) {
  if (rows == 0) return;
  if constexpr (kernels_run_on_host) {
    // Each branch names its own RowLanesOn: the other branch's type does not exist in this build.
    const RowLanesOn<true> lanes{cols};
    batch_parallel_detail::host_for(label, rows, rows * cols, [&](const std::size_t i) { f(i, lanes); });
  } else {
    using namespace batch_parallel_detail;
    Kokkos::parallel_for(
        label, row_teams(rows, cols), KOKKOS_LAMBDA(const Team& team) {
          const std::size_t i = row_of(team);
          if (i < rows) f(i, RowLanesOn<false>{team, cols});
        });
  }
}

// out(i) = Σ_j f(i, j) (or out(i) += … with `accumulate`) for each row; `out` is any rank-1 device
// view (a Vector, or a column of a matrix).
template <class Out, class F>
void for_each_row_sum(const std::string& label, std::size_t rows, std::size_t cols, const Out& out /*[rows]*/,
                      bool accumulate, const F& f) {
  if constexpr (kernels_run_on_host)  // by reference: no view is copied (and counted) per launch
    for_each_row_reduce(label, rows, cols, f, [&](std::size_t i, Real sum) { out(i) = accumulate ? out(i) + sum : sum; });
  else
    for_each_row_reduce(label, rows, cols, f, KOKKOS_LAMBDA(std::size_t i, Real sum) {
      out(i) = accumulate ? out(i) + sum : sum;
    });
}

// out(j) = Σ_i f(i, j) (or out(j) += … with `accumulate`) for each column of a [rows, cols] batch.
template <class Out, class F>
void for_each_column_sum(const std::string& label, std::size_t rows, std::size_t cols, const Out& out /*[cols]*/,
                         bool accumulate, const F& f) {
  if (cols == 0) return;
  if constexpr (kernels_run_on_host) {
    // Blocks of `width` columns: each row's part of a block is contiguous, so the inner loop
    // vectorises, and the partial sums stay in registers.
    constexpr std::size_t width = 32;
    const std::size_t blocks = (cols + width - 1) / width;
    batch_parallel_detail::host_for(label, blocks, rows * cols, [&](const std::size_t b) {
      const std::size_t begin = b * width, n = cols - begin < width ? cols - begin : width;
      Real sums[width] = {};
      for (std::size_t i = 0; i < rows; ++i)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC ivdep
#endif
        for (std::size_t k = 0; k < n; ++k) sums[k] += f(i, begin + k);
      for (std::size_t k = 0; k < n; ++k) out(begin + k) = accumulate ? out(begin + k) + sums[k] : sums[k];
    });
  } else {
    using namespace batch_parallel_detail;
    Kokkos::parallel_for(
        label, TeamPolicy(int(cols), Kokkos::AUTO), KOKKOS_LAMBDA(const Team& team) {
          const std::size_t j = team.league_rank();
          Real sum = 0;
          Kokkos::parallel_reduce(
              Kokkos::TeamThreadRange(team, rows), [&](const std::size_t i, Real& acc) { acc += f(i, j); }, sum);
          Kokkos::single(Kokkos::PerTeam(team), [&]() { out(j) = accumulate ? out(j) + sum : sum; });
        });
  }
}

}  // namespace tractable
