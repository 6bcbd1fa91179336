// Fuzzes the run-file reader behind `--resume`, `eval`, `sample` and `info`.
// libhdf5's own parser is not the target (it is not ours to fix); ours is the
// interpretation of what a structurally valid HDF5 file holds. The input is a
// JSON description of a run file — its spec text, data attributes, the
// parameter table and the sizes of its arrays — which the harness writes as a
// real HDF5 file and then reads back the way the CLI does: spec, data
// dimension, checkpoint, and the model rebuilt with the checkpoint restored.
#include "core/error.hpp"
#include "experiment/model_session.hpp"
#include "experiment/run_spec.hpp"
#include "fuzz_common.hpp"
#include "io/hdf5_file.hpp"
#include "io/run_file.hpp"

#include <nlohmann/json.hpp>

using namespace tractable;
using nlohmann::json;

namespace {

template <class T>
std::vector<T> list(const json& d, const char* key) {
  std::vector<T> out;
  if (d.contains(key) && d.at(key).is_array())
    for (const auto& v : d.at(key))
      if (v.is_number()) out.push_back(static_cast<T>(v.get<double>()));
  return out;
}
std::vector<std::string> strings(const json& d, const char* key) {
  std::vector<std::string> out;
  if (d.contains(key) && d.at(key).is_array())
    for (const auto& v : d.at(key)) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

void write_run_file(const std::string& path, const json& d) {
  Hdf5File f(path, Hdf5File::Mode::create_truncate);
  if (d.value("format", true)) {
    f.set_attribute("/", "format", std::string("tractable-run"));
    f.set_attribute("/", "format_version", std::int64_t(d.value("format_version", 1)));
  }
  if (d.contains("spec")) f.write_string("/spec", d.at("spec").is_string() ? d.at("spec").get<std::string>() : d.at("spec").dump());
  f.create_group("/data");
  if (d.contains("dim") && d.at("dim").is_number()) f.set_attribute("/data", "dim", std::int64_t(d.at("dim").get<double>()));
  if (!d.value("checkpoint", true)) return;
  f.create_group("/checkpoint/optimizer");
  const std::size_t n = std::min<std::size_t>(d.value("n_parameters", 0u), 1u << 16);
  f.write("/checkpoint/parameters", std::vector<double>(n, 0.25), {n});
  const auto names = strings(d, "names"), shapes = strings(d, "shapes");
  const auto offsets = list<std::int64_t>(d, "offsets");
  f.write_strings("/checkpoint/parameter_names", names);
  f.write_strings("/checkpoint/parameter_shapes", shapes);
  f.write("/checkpoint/parameter_offsets", offsets, {offsets.size()});
  for (const char* attr : {"step", "data_epoch", "data_cursor", "sample_counter", "window_steps", "skipped_steps"})
    if (d.value("attributes", true)) f.set_attribute("/checkpoint", attr, std::int64_t(d.value(attr, 0)));
  for (const char* attr : {"window_loss", "lr_scale"})
    if (d.value("attributes", true)) f.set_attribute("/checkpoint", attr, d.value(attr, 1.0));
  f.set_attribute("/checkpoint/optimizer", "steps", std::int64_t(d.value("optimizer_steps", 0)));
  const std::size_t m = std::min<std::size_t>(d.value("optimizer_size", 0u), 1u << 16);
  if (d.value("optimizer", false)) f.write("/checkpoint/optimizer/m", std::vector<double>(m, 0.0), {m});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::start_kokkos();
  json d = json::parse(std::string(reinterpret_cast<const char*>(data), size), nullptr, false);
  if (d.is_discarded() || !d.is_object()) return 0;
  const std::string path = "/tmp/tractable-fuzz-" + std::to_string(::getpid()) + ".h5";
  try {
    write_run_file(path, d);
  } catch (const std::exception&) {
    return 0;  // a description the harness cannot write (e.g. negative sizes): not the reader's concern
  }
  try {
    const auto spec = RunFile::read_spec(path);
    RunFile::read_data_dim(path);
    RunFile::read_checkpoint(path);
    // Rebuild the model only when it is small (the spec is the user's, any size is legal).
    const auto resolved = resolve_spec_json(spec, {}, path);
    const auto& model = resolved.at("model");
    const bool small = model.at("hidden").get<double>() <= 64 && model.at("depth").get<double>() <= 3 &&
                       (model.at("type") != "flow" || model.at("repeat").get<double>() <= 4) &&
                       (model.at("type") != "vae" || model.at("latent").get<double>() <= 16) &&
                       RunFile::read_data_dim(path) <= 64;
    if (small) load_model_session(path);
  } catch (const Error&) {
  }
  std::remove(path.c_str());
  return 0;
}
