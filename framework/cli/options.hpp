#pragma once
// Shared Boost.Program_options plumbing: parse a subcommand's arguments with
// positional support and turn --help into printed usage.
#include "cli/commands.hpp"
#include "core/error.hpp"

#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>

namespace tractable::cli {

namespace po = boost::program_options;

// "tractable NAME SYNOPSIS" of a registered command (cli/command_registry.cpp holds each synopsis once).
std::string usage_line(const std::string& name);
// The registered example of a command, or "".
std::string example_of(const std::string& name);

// Parses the options of the registered command `name`. Returns false (after printing its usage line, its
// example and its options when `print_usage`) when --help was given.
inline bool parse_options(const Arguments& args, const std::string& name, po::options_description& options,
                          const po::positional_options_description& positional, po::variables_map& vm,
                          bool print_usage) {
  options.add_options()("help,h", "show this help");
  po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
  if (vm.count("help")) {
    if (print_usage) {
      std::cout << "usage: " << usage_line(name) << "\n";
      if (const std::string example = example_of(name); !example.empty()) std::cout << "example: " << example << "\n";
      std::cout << "\n" << options << std::endl;
    }
    return false;
  }
  po::notify(vm);
  return true;
}

// Under MPI only rank 0 prints the usage.
inline bool parse_options(const Arguments& args, const std::string& name, po::options_description& options,
                          const po::positional_options_description& positional, po::variables_map& vm,
                          const Communicator& comm) {
  return parse_options(args, name, options, positional, vm, comm.is_root());
}

// Outputs are never overwritten unless asked: an existing `out` (when one is given) exits 5 without --force.
inline void refuse_existing_output(const std::string& out, bool force) {
  if (!out.empty() && !force && std::filesystem::exists(out)) throw IoError(out + ": exists; pass --force to replace it");
}

// --last: the commands that query a trained model use /checkpoint_best (the lowest validation loss)
// when the run has one, the last checkpoint with --last.
inline void add_last_option(po::options_description& options, bool& last) {
  options.add_options()("last", po::bool_switch(&last),
                        "use the last checkpoint, not /checkpoint_best (the parameters with the lowest validation loss)");
}

}  // namespace tractable::cli
