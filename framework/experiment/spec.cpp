#include "experiment/spec.hpp"
#include "core/whole_file.hpp"

#include "core/safe_text.hpp"

#include "core/error.hpp"
#include "registry/base_types.hpp"
#include "registry/bijector_types.hpp"
#include "registry/data_source_types.hpp"
#include "registry/decoder_types.hpp"
#include "registry/model_types.hpp"
#include "registry/network_types.hpp"
#include "registry/objective_types.hpp"
#include "registry/posterior_types.hpp"
#include "registry/simulator_types.hpp"
#include "registry/optimizer_types.hpp"
#include "registry/target_types.hpp"


namespace tractable {

using nlohmann::json;
namespace s = schema;

const std::vector<std::string>& flow_layer_types() {
  static const std::vector<std::string> types = bijector_registry().names();
  return types;
}

std::vector<std::pair<std::string, std::string>> registry_tables() {
  return {{bijector_registry().family(), bijector_registry().markdown_table()},
          {base_registry().family(), base_registry().markdown_table()},
          {decoder_registry().family(), decoder_registry().markdown_table()},
          {posterior_registry().family(), posterior_registry().markdown_table()},
          {target_registry().family(), target_registry().markdown_table()},
          {objective_registry().family(), objective_registry().markdown_table()},
          {optimizer_registry().family(), optimizer_registry().markdown_table()},
          {schedule_registry().family(), schedule_registry().markdown_table()},
          {data_source_registry().family(), data_source_registry().markdown_table()},
          {model_family_registry().family(), model_family_registry().markdown_table()},
          {network_registry().family(), network_registry().markdown_table()},
          {simulator_registry().family(), simulator_registry().markdown_table()}};
}

namespace {

using s::field;

Schema data_schema() {
  return data_source_registry().schema("where the data comes from", "toy", common_data_keys());
}

Schema model_schema() {
  return model_family_registry().schema("model family: a normalizing flow or a variational autoencoder", "flow");
}

Schema objective_schema() {
  return objective_registry().schema("the training objective: a type from the objective table, with its keys", "nll");
}

Schema optimizer_schema() {
  const Schema schedule = schedule_registry().schema(
      "learning-rate schedule after warm-up", "constant",
      {field("warmup_steps", s::integer(0), 0, "linear warm-up from 0 over this many steps"),
       field("final_fraction", s::number(0, 1), 0.0, "cosine: final lr as a fraction of optimizer.lr")});
  return optimizer_registry().schema(
      "optimiser", "adam",
      {field("lr", s::number(0, std::nullopt, true), 1e-3, "base learning rate"),
       field("clip_grad_norm", s::number(0), 0.0, "clip the global gradient norm to this (0 = off)"),
       field("schedule", schedule, json::object(), "learning-rate schedule")});
}

Schema training_schema() {
  return s::object({
      field("steps", s::integer(1), 2000, "optimiser steps"),
      field("batch_size", s::integer(1), 256, "global batch size, split across MPI ranks"),
      field("seed", s::integer(0), 0, "seed for initialisation, batch order and sampling"),
      field("log_every", s::integer(1), 50, "steps between metric rows (and progress lines)"),
      field("eval_every", s::integer(0), 500, "steps between evaluations (validation and test; 0: only at the end)"),
      field("early_stopping_patience", s::integer(0), 0,
            "stop after this many evaluations without a lower validation loss (0: off; needs a validation split)"),
      field("checkpoint_every", s::integer(1), 500, "steps between checkpoints (each swapped in atomically)"),
      field("eval_batch_size", s::integer(1), 4096, "rows per evaluation pass"),
      field("reduce_bucket_kib", s::integer(0), 0,
            "N ranks: 0 reduces the gradient in one blocking reduce-scatter after the backward pass; > 0 in buckets "
            "of at least this many KiB, each started (nonblocking) while the backward pass still runs. The sums are "
            "the same; which is faster depends on the MPI's progress (docs/results/scaling.md)"),
      field("on_non_finite", s::string({"stop", "skip", "rollback"}), "stop",
            "a non-finite loss or gradient: stop (exit 6, last good checkpoint kept), skip the step, or roll back "
            "to the last checkpoint with a lower learning rate"),
      field("max_skipped_steps", s::integer(1), 10,
            "skip: stop after this many non-finite steps in a row; rollback: after this many rollbacks"),
      field("rollback_lr_factor", s::number(0, 1, true, true), 0.5, "rollback: the learning rate is multiplied by this"),
      field("subnormals", s::string({"flush", "ieee"}), "flush",
            "flush: subnormal floats read and written as zero (FTZ + DAZ; fast); ieee: keep them (slow on x86 when "
            "activations or gradients drift into them)"),
  });
}

Schema output_schema() {
  return s::object({
      field("path", s::string(), "", "run file (default: runs/<name>.h5; --out overrides)"),
      field("n_samples", s::integer(0), 2000, "samples stored at each evaluation and at the end"),
      field("density_grid", s::integer(0, 2048), 128, "2D data: log-density grid resolution (0 = off)"),
      field("n_data_points", s::integer(0), 5000, "test points copied into the run file for plots"),
  });
}

}  // namespace

const Schema& run_spec_schema() {
  static const Schema schema = s::object({
      field("name", s::string(), "run", "a name for the run (default file name, plots): 1-64 of [A-Za-z0-9._-]"),
      field("description", s::string(), "", "free text"),
      field("data", data_schema(), json::object(), "training data"),
      field("model", model_schema(), json::object(), "the model"),
      field("objective", objective_schema(), json::object(), "the training objective"),
      field("optimizer", optimizer_schema(), json::object(), "optimiser and learning-rate schedule"),
      field("training", training_schema(), json::object(), "steps, batch, seed and cadences"),
      field("output", output_schema(), json::object(), "what the run file receives"),
  });
  return schema;
}

json run_spec_json_schema() { return to_json_schema(run_spec_schema(), "Tractable experiment spec"); }

json read_json_file(const std::string& path) {
  std::string text;
  if (!read_whole_file(path, text)) throw SpecError(path + ": cannot open the spec file (does it exist?)");
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw SpecError(path + ": malformed JSON: " + e.what());
  } catch (const json::out_of_range& e) {  // a number beyond double's range, e.g. 1e400 (found by fuzz_sweep)
    throw SpecError(path + ": a number is out of range: " + e.what());
  }
}

void apply_override(json& spec, const std::string& assignment) {
  // Keys and values become JSON strings, which must be UTF-8 (found by fuzzing: tests/fuzz/regressions/fuzz_spec).
  try {
    (void)json(assignment).dump();
  } catch (const json::type_error&) {
    throw SpecError("--set '" + json(assignment).dump(-1, ' ', false, json::error_handler_t::replace) +
                    "': not valid UTF-8 text");
  }
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw SpecError("--set '" + assignment + "': expected key.path=value, e.g. model.hidden=128");
  const std::string key = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  json value;
  try {
    value = json::parse(text);
  } catch (const json::parse_error&) {
    value = text;  // a bare word such as relu
  } catch (const json::out_of_range&) {  // 1E400: valid JSON grammar, no double holds it (found by fuzz_sweep)
    throw SpecError("--set '" + assignment + "': the number '" + text + "' is out of range");
  }
  json* node = &spec;
  std::string walked;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) throw SpecError("--set '" + assignment + "': empty component in '" + key + "'");
    walked += (walked.empty() ? "" : ".") + part;
    const bool last = dot == std::string::npos;
    if (node->is_array()) {
      std::size_t index = 0;
      try {
        std::size_t used = 0;
        index = std::stoul(part, &used);
        if (used != part.size()) throw std::invalid_argument(part);
      } catch (const std::exception&) {
        throw SpecError("--set '" + assignment + "': '" + walked + "' indexes an array and needs a number");
      }
      if (index >= node->size())
        throw SpecError("--set '" + assignment + "': '" + walked + "' is past the end of an array of " +
                        std::to_string(node->size()));
      node = &(*node)[index];
    } else {
      if (node->is_null()) *node = json::object();
      if (!node->is_object())
        throw SpecError("--set '" + assignment + "': '" + walked + "' is inside a value that is not an object");
      node = &(*node)[part];
    }
    if (last) break;
    start = dot + 1;
  }
  *node = value;
}

std::vector<Selection> selected_types(const json& resolved) {
  std::vector<Selection> out;
  if (resolved.contains("data")) out.push_back(data_source_registry().selection(resolved.at("data"), "data"));
  const json& model = resolved.at("model");
  out.push_back(model_family_registry().selection(model, "model"));
  if (model.contains("layers"))
    for (std::size_t i = 0; i < model.at("layers").size(); ++i)
      out.push_back(bijector_registry().selection(model.at("layers")[i], "model.layers[" + std::to_string(i) + "]"));
  if (model.contains("base")) out.push_back(base_registry().selection(model.at("base"), "model.base"));
  if (model.contains("decoder")) out.push_back(decoder_registry().selection(model.at("decoder"), "model.decoder"));
  if (model.contains("posterior"))
    out.push_back(posterior_registry().selection(model.at("posterior"), "model.posterior"));
  const json& objective = resolved.at("objective");
  out.push_back(objective_registry().selection(objective, "objective"));
  if (objective.contains("target")) out.push_back(target_registry().selection(objective.at("target"), "objective.target"));
  out.push_back(optimizer_registry().selection(resolved.at("optimizer"), "optimizer"));
  out.push_back(schedule_registry().selection(resolved.at("optimizer").at("schedule"), "optimizer.schedule"));
  return out;
}

json validate_spec_document(const json& raw, const std::vector<std::string>& overrides) {
  json spec = raw;
  for (const auto& o : overrides) apply_override(spec, o);
  json resolved = validate(run_spec_schema(), spec);
  // The name becomes a file name (runs/<name>.h5) and appears in sweep scripts.
  check_name(resolved.at("name").get<std::string>(), "name");
  // An objective with a target fits that distribution: a data section would be ignored, so it is refused.
  if (resolved.at("objective").contains("target")) {
    if (spec.is_object() && spec.contains("data"))
      throw SpecError("data: not used by objective '" + resolved.at("objective").at("type").get<std::string>() +
                      "' (objective.target defines the distribution); remove it");
    resolved.erase("data");
  }
  check_compatibility(selected_types(resolved), registered_declarations());
  return resolved;
}

const std::vector<std::pair<std::string, const Compatibility*>>& registered_declarations() {
  static const auto all = [] {
    std::vector<std::pair<std::string, const Compatibility*>> out;
    data_source_registry().add_providers(out);
    model_family_registry().add_providers(out);
    bijector_registry().add_providers(out);
    base_registry().add_providers(out);
    decoder_registry().add_providers(out);
    posterior_registry().add_providers(out);
    objective_registry().add_providers(out);
    target_registry().add_providers(out);
    optimizer_registry().add_providers(out);
    schedule_registry().add_providers(out);
    return out;
  }();
  return all;
}

namespace {
bool has_key(const std::string& source, const char* key) {
  for (const auto& t : data_source_registry().types())
    if (t.name == source)
      for (const auto& k : t.keys)
        if (k.key == key) return true;
  return false;
}
}  // namespace

json legacy_stored_spec(const json& raw, std::vector<json::json_pointer>* legacy) {
  json patched = raw;
  // Stored specs are resolved, so a run with data has its data section (reverse_kl runs have none). Sources
  // with a validation split written before data.validation_fraction existed had none.
  if (patched.is_object() && patched.contains("data") && patched.at("data").is_object()) {
    json& data = patched["data"];
    const std::string source = data.contains("source") && data.at("source").is_string()
                                   ? data.at("source").get<std::string>()
                                   : "toy";
    if (!data.contains("validation_fraction") && has_key(source, "validation_fraction")) {
      data["validation_fraction"] = 0;
      if (legacy) legacy->emplace_back("/data/validation_fraction");
    }
  }
  return patched;
}

}  // namespace tractable
