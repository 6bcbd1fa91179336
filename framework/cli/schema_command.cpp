#include "cli/options.hpp"
#include "experiment/run_spec.hpp"
#include "experiment/spec.hpp"
#include "spec/registry.hpp"

namespace tractable::cli {

int schema_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable schema");
  options.add_options()("markdown", "print the spec reference's type tables (one per registry) instead of the JSON Schema");
  po::variables_map vm;
  if (!parse_options(args, "schema", options, {}, vm, comm)) return 0;
  if (!comm.is_root()) return 0;
  if (vm.count("markdown") == 0) {
    std::cout << run_spec_json_schema().dump(2) << std::endl;
    return 0;
  }
  for (const auto& [family, table] : registry_tables())
    std::cout << reference_table_begin(family) << "\n" << table << reference_table_end() << "\n\n";
  return 0;
}

int validate_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable validate");
  std::string path;
  std::vector<std::string> overrides;
  options.add_options()
      ("spec", po::value(&path)->required(), "experiment spec (JSON)")
      ("set", po::value(&overrides)->composing(), "override a spec key (repeatable)");
  po::positional_options_description positional;
  positional.add("spec", 1);
  po::variables_map vm;
  if (!parse_options(args, "validate", options, positional, vm, comm))
    return 0;
  const auto resolved = resolve_spec(path, overrides);
  if (comm.is_root()) std::cout << resolved.document.dump(2) << std::endl;
  return 0;
}

}  // namespace tractable::cli
