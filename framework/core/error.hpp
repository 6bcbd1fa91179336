#pragma once
// Errors carry the exit code the CLI returns, so every failure path maps to a
// documented status (docs/reference/cli.md, "Exit codes").
#include <stdexcept>
#include <string>

namespace tractable {

enum class ExitCode : int {
  success = 0,
  internal = 1,     // a bug or an unexpected library failure
  usage = 2,        // bad command line
  invalid_spec = 3, // the JSON spec or an override is malformed or out of range
  bad_data = 4,     // missing, empty, NaN/Inf or wrongly shaped data
  io = 5,           // a run file cannot be read/written, or would be overwritten
  numerical = 6,    // training produced a non-finite loss or gradient
  runs_failed = 7,  // tractable sweep --local: at least one run failed (see its log)
  wrong_cpu = 8,    // the binary was compiled for a wider x86-64 level than this CPU has (TRACTABLE_SIMD)
  corrupt = 9,      // a stored array or attribute fails its checksum (io/hdf5_seal.hpp), or `verify` found a defect
  data_changed = 10,  // --resume: the data the run trained on changed (its fingerprint in /provenance)
  simulations_pending = 11,  // data.slurm: simulations are with a Slurm array (submitted now or earlier): run again later
  no_device = 12,   // a build whose kernels run on a GPU (Kokkos CUDA) finds no usable GPU or driver here
  requeue = 75,     // stopped by SIGUSR1/SIGTERM after writing a checkpoint: resubmit with --resume (EX_TEMPFAIL)
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }
  // Thrown by every rank together after they agreed on it (a failed commit): the
  // ranks exit normally with the code instead of one aborting the others.
  bool on_all_ranks() const { return on_all_ranks_; }
  void set_on_all_ranks() { on_all_ranks_ = true; }

 private:
  ExitCode code_;
  bool on_all_ranks_ = false;
};

struct SpecError : Error {
  explicit SpecError(const std::string& m) : Error(ExitCode::invalid_spec, m) {}
};
struct DataError : Error {
  explicit DataError(const std::string& m) : Error(ExitCode::bad_data, m) {}
};
struct IoError : Error {
  explicit IoError(const std::string& m) : Error(ExitCode::io, m) {}
};
// What was written is not what is read back: a bad disk, a torn network write, a faulty copy.
struct CorruptionError : Error {
  explicit CorruptionError(const std::string& m) : Error(ExitCode::corrupt, m) {}
};
struct DataChangedError : Error {
  explicit DataChangedError(const std::string& m) : Error(ExitCode::data_changed, m) {}
};
struct NumericalError : Error {
  explicit NumericalError(const std::string& m) : Error(ExitCode::numerical, m) {}
};
struct UsageError : Error {
  explicit UsageError(const std::string& m) : Error(ExitCode::usage, m) {}
};

// Internal invariant (shape mismatch, misuse of an API): a bug, not user input.
inline void require(bool condition, const std::string& what) {
  if (!condition) throw Error(ExitCode::internal, "internal error: " + what);
}

}  // namespace tractable
