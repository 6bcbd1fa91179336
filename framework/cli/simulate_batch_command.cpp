// tractable simulate-batch CAMPAIGN_DIR [NAME]: one task of a simulation array (data.slurm). The array's
// script runs it with the batch's name; by hand (data.slurm.submit false) it runs any batch.
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "data/simulation_array.hpp"

#include <cstdio>

namespace tractable::cli {

int simulate_batch_command(const Arguments& args) {
  po::options_description options("tractable simulate-batch");
  std::string dir, name;
  options.add_options()
      ("dir", po::value(&dir)->required(), "the campaign directory (CACHE.slurm)")
      ("name", po::value(&name)->required(), "the batch, BLOCK-FIRST_ROW (the file name in DIR/batches/)");
  po::positional_options_description positional;
  positional.add("dir", 1).add("name", 1);
  po::variables_map vm;
  if (!parse_options(args, "simulate-batch", options, positional, vm, true)) return 0;
  run_simulation_array_task(dir, name);
  std::printf("%s/results/%s.h5\n", dir.c_str(), name.c_str());
  return 0;
}

}  // namespace tractable::cli
