#include "io/run_file.hpp"


#include "core/error.hpp"
#include "io/hdf5_file.hpp"
#include "io/hdf5_seal.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <algorithm>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace tractable {

using nlohmann::json;

void MetricRows::add(std::int64_t at_step, const std::map<std::string, double>& values) {
  step.push_back(at_step);
  for (const auto& [name, v] : values) {
    auto& column = columns[name];
    column.resize(step.size() - 1, std::nan(""));  // a column that appears late is NaN-padded
    column.push_back(v);
  }
  for (auto& [name, column] : columns) column.resize(step.size(), std::nan(""));
}

void MetricRows::clear() {
  step.clear();
  columns.clear();
}

void PendingResults::clear() {
  metrics.clear();
  eval.clear();
  samples.clear();
  arrays.clear();
  spec.clear();
  provenance.clear();
  best.reset();
}

namespace {

std::string partial_path(const std::string& path) { return path + ".partial"; }

void append_rows(Hdf5File& file, const std::string& group, const MetricRows& rows) {
  if (rows.empty()) return;
  // A column new to this commit is NaN-padded for the rows already in the file.
  std::uint64_t existing = file.exists(group + "/step") ? file.shape(group + "/step")[0] : 0;
  file.append(group + "/step", rows.step);
  for (const auto& [name, values] : rows.columns) {
    const std::string object = group + "/" + name;
    std::uint64_t have = file.exists(object) ? file.shape(object)[0] : 0;
    if (have < existing) file.append(object, std::vector<double>(existing - have, std::nan("")));
    file.append(object, values);
  }
}

void write_matrix(Hdf5File& file, const std::string& object, const HostMatrix& m) {
  std::vector<Real> values(m.extent(0) * m.extent(1));
  for (std::size_t i = 0; i < m.extent(0); ++i)
    for (std::size_t j = 0; j < m.extent(1); ++j) values[i * m.extent(1) + j] = m(i, j);
  file.write(object, values, {m.extent(0), m.extent(1)});
}

// <prefix>s (flat values) and <prefix>_names / _offsets / _shapes (the table).
void write_table(Hdf5File& file, const std::string& prefix, const std::vector<Real>& values,
                 const std::vector<ParameterInfo>& table) {
  file.write(prefix + "s", values, {values.size()});
  std::vector<std::string> names, shapes;
  std::vector<std::int64_t> offsets;
  for (const auto& p : table) {
    names.push_back(p.name);
    offsets.push_back(static_cast<std::int64_t>(p.offset));
    std::string s;
    for (std::size_t k = 0; k < p.shape.size(); ++k) s += (k ? "," : "") + std::to_string(p.shape[k]);
    shapes.push_back("[" + s + "]");
  }
  file.write_strings(prefix + "_names", names);
  file.write(prefix + "_offsets", offsets, {offsets.size()});
  file.write_strings(prefix + "_shapes", shapes);
}

std::vector<ParameterInfo> read_table(const Hdf5File& file, const std::string& prefix, const std::string& path) {
  const auto names = file.read_strings(prefix + "_names");
  const auto offsets = file.read<std::int64_t>(prefix + "_offsets");
  const auto shapes = file.read_strings(prefix + "_shapes");
  if (names.size() != offsets.size() || names.size() != shapes.size())
    throw IoError(path + ": " + prefix + " table columns have different lengths");
  std::vector<ParameterInfo> table;
  for (std::size_t k = 0; k < names.size(); ++k) {
    ParameterInfo p;
    p.name = names[k];
    p.offset = static_cast<std::size_t>(offsets[k]);
    const json shape = json::parse(shapes[k], nullptr, /*allow_exceptions=*/false);
    if (!shape.is_array()) throw IoError(path + ": " + prefix + "_shapes[" + std::to_string(k) + "] is malformed");
    for (const auto& v : shape) {
      if (!v.is_number_unsigned()) throw IoError(path + ": " + prefix + "_shapes[" + std::to_string(k) + "] is malformed");
      p.shape.push_back(v.get<std::size_t>());
    }
    table.push_back(p);
  }
  return table;
}

// /model: attrs kind, dim, n_layers; /model/layers/<i> and /model/base, each with attrs
// type, parameter_prefix, config (JSON) and one int64 dataset per fixed array.
void write_model_description(Hdf5File& file, const ModelDescription& d) {
  if (d.kind.empty()) return;
  file.create_group("/model");
  file.set_attribute("/model", "kind", d.kind);
  file.set_attribute("/model", "dim", static_cast<std::int64_t>(d.dim));
  if (d.kind != "flow") return;
  file.set_attribute("/model", "n_layers", static_cast<std::int64_t>(d.layers.size()));
  auto write_layer = [&](const std::string& group, const LayerDescription& layer) {
    file.create_group(group);
    file.set_attribute(group, "type", layer.type);
    file.set_attribute(group, "parameter_prefix", layer.parameter_prefix);
    file.set_attribute(group, "config", layer.config.dump());
    for (const auto& a : layer.arrays) file.write(group + "/" + a.name, a.values, a.shape);
  };
  for (std::size_t i = 0; i < d.layers.size(); ++i) write_layer("/model/layers/" + std::to_string(i), d.layers[i]);
  write_layer("/model/base", d.base);
  file.set_attribute("/model", "context_dim", static_cast<std::int64_t>(d.context_dim));
  if (d.context_dim > 0) write_layer("/model/context", d.context);
}

// `group`'s parameters and buffers (with their name/offset/shape tables) and step.
void write_parameters(Hdf5File& file, const std::string& group, const Checkpoint& c) {
  write_table(file, group + "/parameter", c.parameters, c.table);
  if (!c.buffer_table.empty()) write_table(file, group + "/buffer", c.buffers, c.buffer_table);
  file.set_attribute(group, "step", c.step);
}

// The checkpoint's group, written into a file of its own.
void write_checkpoint(Hdf5File& file, const Checkpoint& c) {
  const std::string group = "/checkpoint";
  file.create_group(group);
  write_parameters(file, group, c);
  file.create_group(group + "/optimizer");
  for (const auto& [name, values] : c.optimizer_state) file.write(group + "/optimizer/" + name, values, {values.size()});
  file.set_attribute(group + "/optimizer", "steps", c.optimizer_steps);
  file.set_attribute(group, "data_epoch", c.data_epoch);
  file.set_attribute(group, "data_cursor", static_cast<std::int64_t>(c.data_cursor));
  file.set_attribute(group, "sample_counter", static_cast<std::int64_t>(c.sample_counter));
  file.set_attribute(group, "window_loss", c.window_loss);
  file.set_attribute(group, "window_steps", c.window_steps);
  file.set_attribute(group, "skipped_steps", c.skipped_steps);
  file.set_attribute(group, "lr_scale", c.lr_scale);
  file.set_attribute(group, "best_validation_loss", c.selection.best_loss);
  file.set_attribute(group, "best_step", c.selection.best_step);
  file.set_attribute(group, "evaluations_since_best", c.selection.evaluations_since_best);
  file.set_attribute(group, "stopped_early", std::int64_t(c.selection.stopped_early));
}

void write_best(Hdf5File& file, const Checkpoint& best) {
  file.create_group("/checkpoint_best");
  write_parameters(file, "/checkpoint_best", best);
  file.set_attribute("/checkpoint_best", "validation_loss", best.selection.best_loss);
}

// Samples and arrays: what accumulates over a run.
void write_results(Hdf5File& file, const PendingResults& pending) {
  for (const auto& [step, samples] : pending.samples) write_matrix(file, "/samples/" + std::to_string(step), samples);
  for (const auto& a : pending.arrays) {
    file.write(a.path, a.values, a.dims);
    for (const auto& [name, v] : a.attributes) file.set_attribute(a.path, name, v);
  }
}

// The layout (docs/reference/run-file.md): RUN.h5 is an index (spec, provenance,
// model, data, metric and evaluation rows) whose /checkpoint,
// /checkpoint_best, /samples/<step> and result arrays are external links into
// files of RUN.h5.d/ named by the commit's sequence number, never reused. A
// commit writes the files it adds, each durably (core/durable_file.hpp), then
// replaces the index the same way: that rename is the commit. A crash before
// it leaves the previous index, whose files are untouched; after it, the files
// the index no longer names are removed (here, or by the next commit). So a
// commit costs the index, the checkpoint and what is new, never what the run
// has accumulated.
class Commit {
 public:
  Commit(const std::string& path, bool create) : path_(path), directory_(path + ".d") {
    link_prefix_ = std::filesystem::path(path).filename().string() + ".d/";
    // Numbers continue the current index's, also when a new run replaces it (--force): a file it
    // names is never overwritten before the new index is in place.
    if (RunFile::exists(path)) {
      try {
        Hdf5File index(path, Hdf5File::Mode::read_only);
        if (index.has_attribute("/", "commits")) sequence_ = index.int_attribute("/", "commits");
      } catch (const IoError&) {
        if (!create) throw;  // replacing an unreadable file: it names nothing
      }
    }
    ++sequence_;
    std::error_code ec;
    std::filesystem::create_directories(directory_, ec);
    if (ec) throw IoError(directory_ + ": cannot create the run's directory: " + ec.message());
  }

  // Writes `fill`'s objects to a new side file `<kind>-<sequence>.h5` and links each of `objects` to it.
  void side_file(const std::string& kind, const std::vector<std::string>& objects,
                 const std::function<void(Hdf5File&)>& fill) {
    const std::string name = kind + "-" + std::to_string(sequence_) + ".h5";
    const std::string file = directory_ + "/" + name;
    written_.push_back(file);
    try {
      write_hdf5_durably(file, [&](Hdf5File& f) {
        fill(f);
        for (const auto& object : objects) seal(f, object);  // each linked object vouches for itself
      });
    } catch (const IoError& e) {
      throw IoError(std::string(e.what()) + "; the commit was abandoned and " + path_ + " is unchanged");
    }
    for (const auto& object : objects) links_.emplace_back(object, link_prefix_ + name);
  }

  // Replaces the index (a copy of the current one, unless creating) with `fill`'s additions and the links.
  void index(bool create, const std::function<void(Hdf5File&)>& fill) {
    std::vector<std::string> named;
    write_hdf5_durably(
        path_,
        [&](Hdf5File& file) {
          // A damaged index is not re-sealed with the damage in it: the commit fails, the file stays as it is.
          if (!create) check_seal(file, "/", path_);
          fill(file);
          for (const auto& [object, side] : links_) file.link_external(object, side, object);
          file.set_attribute("/", "format_version", std::int64_t(2));
          file.set_attribute("/", "commits", sequence_);
          named = file.external_link_files();
          seal(file, "/");  // the index's own content; the side files' objects carry their own seals
        },
        partial_path(path_), create ? "" : path_);
    committed_ = true;
    remove_unnamed(named);
  }

  ~Commit() {
    if (committed_) return;
    for (const auto& file : written_) std::remove(file.c_str());  // a failed commit leaves nothing new
  }

 private:
  // Files of RUN.h5.d that the index does not name: superseded checkpoints, and what a crashed or
  // failed commit left. Best effort: a file that cannot be removed now is removed by a later commit.
  void remove_unnamed(const std::vector<std::string>& named) const {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(directory_, ec)) {
      const std::string name = entry.path().filename().string();
      if (std::find(named.begin(), named.end(), link_prefix_ + name) == named.end())
        std::filesystem::remove(entry.path(), ec);
    }
  }

  std::string path_, directory_, link_prefix_;
  std::int64_t sequence_ = 0;
  std::vector<std::pair<std::string, std::string>> links_;  // object -> side file (as linked)
  std::vector<std::string> written_;
  bool committed_ = false;
};

void commit_to(const std::string& path, bool create, const PendingResults& pending, const Checkpoint& checkpoint,
               const std::function<void(Hdf5File&)>& header) {
  Commit commit(path, create);
  commit.side_file("checkpoint", {"/checkpoint"}, [&](Hdf5File& file) { write_checkpoint(file, checkpoint); });
  if (pending.best)
    commit.side_file("best", {"/checkpoint_best"}, [&](Hdf5File& file) { write_best(file, *pending.best); });
  std::vector<std::string> results;
  for (const auto& [step, samples] : pending.samples) results.push_back("/samples/" + std::to_string(step));
  for (const auto& a : pending.arrays) results.push_back(a.path);
  if (!results.empty())
    commit.side_file("results", results, [&](Hdf5File& file) { write_results(file, pending); });
  commit.index(create, [&](Hdf5File& file) {
    if (header) header(file);
    if (!pending.spec.empty()) file.write_string("/spec", pending.spec);
    for (const auto& [name, value] : pending.provenance) file.set_attribute("/provenance", name, value);
    append_rows(file, "/metrics", pending.metrics);
    append_rows(file, "/eval", pending.eval);
  });
}

}  // namespace

bool RunFile::exists(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

void RunFile::create(const std::string& path, const RunHeader& header, const PendingResults& pending,
                     const Checkpoint& checkpoint) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw IoError(path + ": cannot create directory " + parent.string() + ": " + ec.message());
  }
  commit_to(path, /*create=*/true, pending, checkpoint, [&](Hdf5File& file) {
    file.write_string("/spec", header.spec.dump(2));
    file.create_group("/provenance");
    for (auto it = header.provenance.begin(); it != header.provenance.end(); ++it) {
      if (it->is_string())
        file.set_attribute("/provenance", it.key(), it->get<std::string>());
      else if (it->is_number_integer())
        file.set_attribute("/provenance", it.key(), it->get<std::int64_t>());
      else
        file.set_attribute("/provenance", it.key(), it->dump());
    }
    write_model_description(file, header.model);
    file.create_group("/data");
    file.set_attribute("/data", "origin", header.data_origin);
    file.set_attribute("/data", "dim", static_cast<std::int64_t>(header.data_dim));
    file.set_attribute("/data", "context_dim", static_cast<std::int64_t>(header.context_dim));
    file.set_attribute("/data", "n_train", static_cast<std::int64_t>(header.n_train));
    file.set_attribute("/data", "n_validation", static_cast<std::int64_t>(header.n_validation));
    file.set_attribute("/data", "n_test", static_cast<std::int64_t>(header.n_test));
    if (header.data_points.extent(0) > 0) write_matrix(file, "/data/test_points", header.data_points);
    file.set_attribute("/", "format", std::string("tractable-run"));
  });
}

void RunFile::commit(const std::string& path, const PendingResults& pending, const Checkpoint& checkpoint) {
  commit_to(path, /*create=*/false, pending, checkpoint, nullptr);
}

namespace {
void check_format(const Hdf5File& file);
}

void RunFile::pack(const std::string& path, const std::string& out) {
  std::error_code ec;
  if (std::filesystem::equivalent(path, out, ec)) throw UsageError("--out must differ from the run file " + path);
  Hdf5File index(path, Hdf5File::Mode::read_only);
  check_format(index);
  // A corrupted array is not packed into a file that would vouch for it.
  for (const auto& finding : check_all_seals(index))
    if (!finding.message.empty())
      throw CorruptionError(finding.message + "; nothing was written (pack a good copy of the run)");
  write_hdf5_durably(out, [&](Hdf5File& file) {
    for (const auto& name : index.children("/")) file.copy_expanded(index, "/" + name);
    file.set_attribute("/", "format", std::string("tractable-run"));
    file.set_attribute("/", "format_version", std::int64_t(2));
    file.set_attribute("/", "commits", index.has_attribute("/", "commits") ? index.int_attribute("/", "commits") : 0);
    file.set_attribute("/", "packed_from", path);
    seal(file, "/");
  });
}

namespace {
void check_format(const Hdf5File& file) {
  if (!file.has_attribute("/", "format") || file.string_attribute("/", "format") != "tractable-run")
    throw IoError(file.path() + ": not a Tractable run file (no format='tractable-run' attribute on /)");
  // The side files the index links to (relative names resolve beside the index, as HDF5 does).
  const auto directory = std::filesystem::path(file.path()).parent_path();
  for (const auto& side : file.external_link_files()) {
    std::error_code ec;
    if (!std::filesystem::exists(directory / side, ec))
      throw IoError(file.path() + ": its side file " + (directory / side).string() +
                    " is missing (a run is RUN.h5 with its RUN.h5.d directory; `tractable pack` makes one file to copy)");
  }
  check_seal(file, "/", file.path());  // spec, provenance, model, data rows, metrics, and the links themselves
}

// The file that holds `object` as a user finds it: the index, or its side file behind the external link.
std::string holder_of(const Hdf5File& index, const std::string& object) {
  H5L_info_t info;
  if (H5Lget_info(index.id(), object.c_str(), &info, H5P_DEFAULT) < 0 || info.type != H5L_TYPE_EXTERNAL)
    return index.path();
  std::vector<char> value(info.u.val_size);
  const char *file = nullptr, *target = nullptr;
  unsigned flags = 0;
  if (H5Lget_val(index.id(), object.c_str(), value.data(), value.size(), H5P_DEFAULT) < 0 ||
      H5Lunpack_elink_val(value.data(), value.size(), &flags, &file, &target) < 0)
    return index.path();
  return (std::filesystem::path(index.path()).parent_path() / file).lexically_normal().string();
}

bool intact(const Hdf5File& index, const std::string& object) {
  try {
    return index.exists(object) && check_seal(index, object, index.path()) == SealState::intact;
  } catch (const Error&) {
    return false;
  }
}

// Checks a checkpoint group's seal; a mismatch names the file and what to do instead.
void check_checkpoint_seal(const Hdf5File& index, const std::string& group) {
  try {
    check_seal(index, group, holder_of(index, group) + " (" + index.path() + ":" + group + ")");
  } catch (const CorruptionError& e) {
    std::string advice;
    if (group == "/checkpoint_best")
      advice = intact(index, "/checkpoint")
                   ? "; the last checkpoint is intact: pass --last to use it"
                   : "; the last checkpoint is damaged too: use a good copy of the run (`tractable pack` output, a backup)";
    else
      advice = intact(index, "/checkpoint_best")
                   ? "; the best checkpoint (/checkpoint_best) is intact: eval, log-prob and sample use it without --last, "
                     "but --resume needs this one: resume a good copy of the run (`tractable pack` output, a backup)"
                   : "; use a good copy of the run (`tractable pack` output, a backup)";
    throw CorruptionError(std::string(e.what()) + advice + "; nothing was changed");
  }
}
}  // namespace

json RunFile::read_spec(const std::string& path) {
  Hdf5File file(path, Hdf5File::Mode::read_only);
  check_format(file);
  try {
    return json::parse(file.read_string("/spec"));
  } catch (const json::exception& e) {  // malformed, or a number out of range
    throw IoError(path + ": /spec is not valid JSON: " + e.what());
  }
}

ModelDescription RunFile::read_model_description(const std::string& path) {
  Hdf5File file(path, Hdf5File::Mode::read_only);
  check_format(file);
  ModelDescription d;
  if (!file.exists("/model")) return d;  // run files written before /model existed
  d.kind = file.string_attribute("/model", "kind");
  d.dim = static_cast<std::size_t>(file.int_attribute("/model", "dim"));
  auto read_layer = [&](const std::string& group) {
    LayerDescription layer;
    layer.type = file.string_attribute(group, "type");
    layer.parameter_prefix = file.string_attribute(group, "parameter_prefix");
    layer.config = json::parse(file.string_attribute(group, "config"));
    for (const auto& name : file.children(group)) {
      FixedArray a{name, {}, {}};
      a.values = file.read<std::int64_t>(group + "/" + name, &a.shape);
      layer.arrays.push_back(std::move(a));
    }
    return layer;
  };
  if (d.kind != "flow") return d;
  const std::int64_t n = file.int_attribute("/model", "n_layers");
  for (std::int64_t i = 0; i < n; ++i) d.layers.push_back(read_layer("/model/layers/" + std::to_string(i)));
  d.base = read_layer("/model/base");
  if (file.has_attribute("/model", "context_dim"))
    d.context_dim = static_cast<std::size_t>(file.int_attribute("/model", "context_dim"));
  if (d.context_dim > 0) d.context = read_layer("/model/context");
  return d;
}

namespace {
void restore_flat(const std::vector<ParameterInfo>& table, const std::vector<ParameterInfo>& stored,
                  const std::vector<Real>& values, const Vector& destination, const std::string& what,
                  const std::string& where) {
  bool same = table.size() == stored.size() && values.size() == destination.extent(0);
  for (std::size_t k = 0; same && k < table.size(); ++k)
    same = table[k].name == stored[k].name && table[k].offset == stored[k].offset && table[k].shape == stored[k].shape;
  if (!same)
    throw IoError(where + ": the checkpoint's " + what + " table (" + std::to_string(stored.size()) + " tensors, " +
                  std::to_string(values.size()) + " values) does not match the model built from its spec (" +
                  std::to_string(table.size()) + " tensors, " + std::to_string(destination.extent(0)) + " values)");
  HostVector host("tractable::restore", values.size());
  for (std::size_t i = 0; i < values.size(); ++i) host(i) = values[i];
  Kokkos::deep_copy(destination, host);
}
}  // namespace

void restore_parameters(ParameterStore& store, const Checkpoint& c, const std::string& where) {
  restore_flat(store.table(), c.table, c.parameters, store.values(), "parameter", where);
  restore_flat(store.buffer_table(), c.buffer_table, c.buffers, store.buffers(), "buffer", where);
}


json RunFile::read_provenance(const std::string& path) {
  Hdf5File file(path, Hdf5File::Mode::read_only);
  check_format(file);
  json p = json::object();
  for (const char* key : {"version", "git_revision", "host", "kokkos_backend", "kokkos_version", "blas", "start_time",
                          "command_line", "scalar", "blas_path", "blas_library", "blas_version", "blas_kernel", "blas_config",
                          "cpu_model", "cpu_family_model", "cpu_isa", "subnormals", "subnormals_kernels",
                          "subnormals_blas", "build_isa", "cpu_level", "data_files", "data_rows",
                          "data_definition", "data_changed_on_resume"})
    if (file.has_attribute("/provenance", key)) p[key] = file.string_attribute("/provenance", key);
  for (const char* key : {"mpi_size", "kokkos_threads", "cpu_cores", "blas_threads"})
    if (file.has_attribute("/provenance", key)) p[key] = file.int_attribute("/provenance", key);
  return p;
}

std::size_t RunFile::read_data_dim(const std::string& path) {
  Hdf5File file(path, Hdf5File::Mode::read_only);
  check_format(file);
  const std::int64_t dim = file.int_attribute("/data", "dim");
  if (dim < 1) throw IoError(path + ": /data has an invalid 'dim' attribute");
  return static_cast<std::size_t>(dim);
}

std::size_t RunFile::read_context_dim(const std::string& path) {
  Hdf5File file(path, Hdf5File::Mode::read_only);
  check_format(file);
  if (!file.has_attribute("/data", "context_dim")) return 0;  // run files written before conditional flows
  const std::int64_t dim = file.int_attribute("/data", "context_dim");
  if (dim < 0) throw IoError(path + ": /data has an invalid 'context_dim' attribute");
  return static_cast<std::size_t>(dim);
}

namespace {
ModelSelection read_selection(const Hdf5File& file) {
  ModelSelection s;
  if (!file.has_attribute("/checkpoint", "best_step")) return s;  // run files written before model selection
  s.best_loss = file.double_attribute("/checkpoint", "best_validation_loss");
  s.best_step = file.int_attribute("/checkpoint", "best_step");
  s.evaluations_since_best = file.int_attribute("/checkpoint", "evaluations_since_best");
  s.stopped_early = file.int_attribute("/checkpoint", "stopped_early") != 0;
  return s;
}

void read_parameters(const Hdf5File& file, const std::string& group, Checkpoint& c) {
  c.step = file.int_attribute(group, "step");
  c.parameters = file.read<Real>(group + "/parameters");
  c.table = read_table(file, group + "/parameter", file.path());
  if (file.exists(group + "/buffers")) {
    c.buffers = file.read<Real>(group + "/buffers");
    c.buffer_table = read_table(file, group + "/buffer", file.path());
  }
}
}  // namespace

Checkpoint RunFile::read_checkpoint(const std::string& path) {
  Hdf5File file(path, Hdf5File::Mode::read_only);
  check_format(file);
  if (!file.exists("/checkpoint")) throw IoError(path + ": the run file has no /checkpoint");
  check_checkpoint_seal(file, "/checkpoint");
  Checkpoint c;
  read_parameters(file, "/checkpoint", c);
  c.optimizer_steps = file.int_attribute("/checkpoint/optimizer", "steps");
  for (const auto& name : file.children("/checkpoint/optimizer"))
    c.optimizer_state.emplace_back(name, file.read<Real>("/checkpoint/optimizer/" + name));
  c.data_epoch = file.int_attribute("/checkpoint", "data_epoch");
  c.data_cursor = static_cast<std::uint64_t>(file.int_attribute("/checkpoint", "data_cursor"));
  c.sample_counter = static_cast<std::uint64_t>(file.int_attribute("/checkpoint", "sample_counter"));
  c.window_loss = file.double_attribute("/checkpoint", "window_loss");
  c.window_steps = file.int_attribute("/checkpoint", "window_steps");
  c.skipped_steps = file.int_attribute("/checkpoint", "skipped_steps");
  c.lr_scale = file.double_attribute("/checkpoint", "lr_scale");
  c.selection = read_selection(file);
  return c;
}

bool RunFile::read_best_checkpoint(const std::string& path, Checkpoint& best) {
  Hdf5File file(path, Hdf5File::Mode::read_only);
  check_format(file);
  if (!file.exists("/checkpoint_best")) return false;
  check_checkpoint_seal(file, "/checkpoint_best");
  read_parameters(file, "/checkpoint_best", best);
  best.selection.best_loss = file.double_attribute("/checkpoint_best", "validation_loss");
  best.selection.best_step = best.step;
  return true;
}

namespace {
// The last row of every column of a /metrics or /eval group.
std::map<std::string, double> last_row(const Hdf5File& file, const std::string& group, std::int64_t* at_step) {
  std::map<std::string, double> row;
  if (!file.exists(group + "/step")) return row;
  const auto steps = file.read<std::int64_t>(group + "/step");
  if (steps.empty()) return row;
  *at_step = steps.back();
  for (const auto& column : file.children(group)) {
    if (column == "step" || file.is_group(group + "/" + column)) continue;  // e.g. /eval/mcmc
    const auto dims = file.shape(group + "/" + column);
    if (dims.size() != 1 || dims[0] != steps.size()) continue;  // per-example arrays, grids
    const double value = file.read<double>(group + "/" + column).back();
    if (!std::isnan(value)) row[column] = value;
  }
  return row;
}
}  // namespace

RunProgress RunFile::read_progress(const std::string& path) {
  Hdf5File file(path, Hdf5File::Mode::read_only);
  check_format(file);
  RunProgress p;
  try {
    p.total_steps = json::parse(file.read_string("/spec")).at("training").at("steps").get<std::int64_t>();
  } catch (const json::exception& e) {
    throw IoError(path + ": /spec has no valid training.steps: " + e.what());
  }
  if (file.exists("/checkpoint")) p.step = file.int_attribute("/checkpoint", "step");
  p.final_eval = last_row(file, "/eval", &p.eval_step);
  p.last_metrics = last_row(file, "/metrics", &p.metrics_step);
  if (file.exists("/checkpoint")) p.stopped_early = read_selection(file).stopped_early;
  for (auto [key, value] : {std::pair{"data_files", &p.data_files}, {"data_rows", &p.data_rows}})
    if (file.has_attribute("/provenance", key)) *value = file.string_attribute("/provenance", key);
  p.finished = (p.step >= p.total_steps || p.stopped_early) && p.eval_step == p.step;
  return p;
}

}  // namespace tractable
