#include "cli/options.hpp"
#include "io/run_file.hpp"

#include <cstdio>
#include <filesystem>

namespace tractable::cli {

// A run file and the files of its RUN.h5.d directory as one self-contained HDF5 file.
int pack_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable pack");
  std::string path, out;
  bool force = false;
  options.add_options()
      ("run", po::value(&path)->required(), "run file")
      ("out,o", po::value(&out)->required(), "the single file to write")
      ("force", po::bool_switch(&force), "replace an existing output file");
  po::positional_options_description positional;
  positional.add("run", 1);
  po::variables_map vm;
  if (!parse_options(args, "pack", options, positional, vm, comm)) return 0;
  if (!comm.is_root()) return 0;
  refuse_existing_output(out, force);
  RunFile::pack(path, out);
  std::printf("wrote %s (%s with its %s.d files, external links expanded)\n", out.c_str(), path.c_str(), path.c_str());
  return 0;
}

}  // namespace tractable::cli
