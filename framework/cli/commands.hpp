#pragma once
// One function per subcommand; each parses its own options (with --help) and
// returns the process exit code. Errors are thrown as tractable::Error.
#include "parallel/communicator.hpp"

#include <string>
#include <vector>

namespace tractable::cli {

using Arguments = std::vector<std::string>;  // after the subcommand name

int run_command(const Arguments& args, const Communicator& comm, const std::string& command_line);
int eval_command(const Arguments& args, const Communicator& comm);
int sample_command(const Arguments& args, const Communicator& comm);
int log_prob_command(const Arguments& args, const Communicator& comm);
int encode_command(const Arguments& args, const Communicator& comm);
int decode_command(const Arguments& args, const Communicator& comm);
int info_command(const Arguments& args, const Communicator& comm);
int pack_command(const Arguments& args, const Communicator& comm);
int verify_command(const Arguments& args, const Communicator& comm);
int compress_command(const Arguments& args, const Communicator& comm);
int decompress_command(const Arguments& args, const Communicator& comm);
int throughput_command(const Arguments& args, const Communicator& comm);
int schema_command(const Arguments& args, const Communicator& comm);
int validate_command(const Arguments& args, const Communicator& comm);
int data_command(const Arguments& args, const Communicator& comm);
int simulate_command(const Arguments& args, const Communicator& comm);
int diagnose_command(const Arguments& args, const Communicator& comm);
int bench_command(const Arguments& args, const Communicator& comm);

// Orchestration: no MPI, no Kokkos in this process (the runs it launches have their own).
int sweep_command(const Arguments& args);
int status_command(const Arguments& args);
int collect_command(const Arguments& args);
int reproduce_command(const Arguments& args);
int simulate_batch_command(const Arguments& args);

}  // namespace tractable::cli
