#pragma once
// Shared Boost.Program_options plumbing: parse a subcommand's arguments with
// positional support and turn --help into printed usage.
#include "cli/commands.hpp"
#include "core/error.hpp"

#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>
#include <typeinfo>

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
  const po::parsed_options parsed = po::command_line_parser(args).options(options).positional(positional).run();
  po::store(parsed, vm);
  // Boost reads "-3" into an unsigned count as 2^64 - 3 (lexical_cast wraps): a negative count would
  // become an enormous one (a batch that cannot be allocated, steps that never end).
  for (const po::option& given : parsed.options) {
    if (given.unregistered || !vm.count(given.string_key)) continue;
    const std::type_info& type = vm[given.string_key].value().type();
    if (type != typeid(unsigned) && type != typeid(unsigned long) && type != typeid(unsigned long long)) continue;
    for (const std::string& token : given.value)
      if (const auto first = token.find_first_not_of(" \t"); first != std::string::npos && token[first] == '-')
        throw UsageError((given.string_key.size() == 1 ? "-" : "--") + given.string_key + " '" + token +
                         "': expected a whole number, not a negative one");
  }
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
