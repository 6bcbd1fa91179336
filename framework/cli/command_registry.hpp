#pragma once
// Every `tractable` subcommand, registered once: its name, synopsis and
// one-line summary (from which `tractable --help` is built), how it runs, and
// its function. main.cpp is a loop over this table; a new command is its own
// file (cli/<name>_command.cpp, declared in cli/commands.hpp) and one entry in
// command_registry.cpp.
#include "cli/commands.hpp"

#include <functional>
#include <string>
#include <vector>

namespace tractable::cli {

enum class CommandKind {
  computes,      // trains or evaluates a model: MPI and Kokkos, and the BLAS warning where it applies
  reads,         // MPI and Kokkos, no model arithmetic (info, pack, schema, ...)
  orchestrates,  // launches and reads runs: neither MPI nor Kokkos in this process (its runs have their own)
};

struct Command {
  std::string name;
  std::string synopsis;  // the arguments, as in the usage text ("RUN.h5 --out ONE.h5")
  std::string summary;   // one line
  std::string example;   // one command line, shown by --help under the usage
  CommandKind kind = CommandKind::reads;
  bool stop_signals = false;  // SIGUSR1/SIGTERM checkpoint and exit 75 (a requeue) rather than kill
  std::function<int(const Arguments&, const Communicator&, const std::string& command_line)> run;  // reads, computes
  std::function<int(const Arguments&)> orchestrate;                                                 // orchestrates
};

const std::vector<Command>& command_registry();
const Command* find_command(const std::string& name);  // null when unknown

// `tractable --help`: the commands from the registry, then the exit codes.
std::string usage_text();

}  // namespace tractable::cli
