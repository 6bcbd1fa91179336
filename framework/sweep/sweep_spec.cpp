#include "sweep/sweep_spec.hpp"

#include "core/error.hpp"
#include "experiment/run_spec.hpp"
#include "experiment/spec.hpp"
#include "sweep/run_id.hpp"
#include "core/safe_text.hpp"

#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <set>

namespace tractable {

using nlohmann::json;

namespace {

const std::set<std::string> kTopLevelKeys = {"sweep", "description", "base", "set", "grid", "zip", "random",
                                             "repeats", "seeds", "ranks", "slurm"};
const std::set<std::string> kSlurmKeys = {"account", "partition", "time", "qos", "constraint", "max_concurrent",
                                          "cpus_per_task", "launcher", "extra", "signal_seconds"};

std::string close_key(const std::string& key, const std::set<std::string>& known) {
  const auto guess = did_you_mean(key, std::vector<std::string>(known.begin(), known.end()));
  return guess ? " (did you mean '" + *guess + "'?)" : "";
}

void reject_unknown(const json& object, const std::set<std::string>& known, const std::string& where) {
  for (auto it = object.begin(); it != object.end(); ++it)
    if (!known.count(it.key()))
      throw SpecError(where + (where.empty() ? "" : ".") + it.key() + ": unknown key" + close_key(it.key(), known));
}

std::int64_t integer_at(const json& object, const std::string& key, std::int64_t fallback, std::int64_t minimum,
                        const std::string& where) {
  if (!object.contains(key)) return fallback;
  const json& v = object.at(key);
  if (!v.is_number_integer() || v.get<std::int64_t>() < minimum)
    throw SpecError(where + ": must be an integer >= " + std::to_string(minimum) + ", got " + v.dump());
  return v.get<std::int64_t>();
}

std::string string_at(const json& object, const std::string& key, const std::string& where) {
  if (!object.contains(key)) return "";
  if (!object.at(key).is_string()) throw SpecError(where + ": must be a string, got " + object.at(key).dump());
  return object.at(key).get<std::string>();
}

// The sweep decides where run files go; an axis or override that moved them would write outside the sweep.
void check_axis_key(const std::string& key, const std::string& where) {
  if (key.empty()) throw SpecError(where + ": an empty key");
  // Keys travel as `key=value` overrides: an '=' inside one would split it elsewhere (found by fuzz_sweep).
  if (key.find('=') != std::string::npos) throw SpecError(where + ": a key cannot contain '='");
  if (key == "output.path" || key.rfind("output.path.", 0) == 0)
    throw SpecError(where + ": 'output.path' is set by the sweep (SWEEP_DIR/runs/<id>.h5) and cannot be swept or set");
}

const json& non_empty_array(const json& value, const std::string& where) {
  if (!value.is_array() || value.empty()) throw SpecError(where + ": must be a non-empty array of values");
  return value;
}

SweepSpec::Axis grid_axis(const std::string& key, const json& values, const std::string& where) {
  check_axis_key(key, where);
  SweepSpec::Axis axis{{key}, {}};
  for (const auto& v : non_empty_array(values, where)) axis.points.push_back({v});
  return axis;
}

SweepSpec::Axis zip_axis(const json& group, const std::string& where) {
  if (!group.is_object() || group.empty())
    throw SpecError(where + ": must be an object of equally long arrays, e.g. {\"model.hidden\": [32, 64], "
                            "\"training.batch_size\": [128, 256]}");
  SweepSpec::Axis axis;
  std::size_t length = 0;
  for (auto it = group.begin(); it != group.end(); ++it) {
    const std::string at = where + "." + it.key();
    check_axis_key(it.key(), at);
    non_empty_array(it.value(), at);
    if (axis.keys.empty()) length = it.value().size();
    if (it.value().size() != length)
      throw SpecError(at + ": has " + std::to_string(it.value().size()) + " values, the other zipped keys have " +
                      std::to_string(length));
    axis.keys.push_back(it.key());
  }
  axis.points.assign(length, {});
  for (std::size_t i = 0; i < length; ++i)
    for (const auto& key : axis.keys) axis.points[i].push_back(group.at(key)[i]);
  return axis;
}

// Uniform in [0, 1) from the top 53 bits: std::mt19937_64's output is fixed by
// the standard, unlike std's distributions, so draws are the same everywhere.
double unit_uniform(std::mt19937_64& engine) { return double(engine() >> 11) * 0x1.0p-53; }

// One random axis: `count` joint draws of every key, from a seeded stream.
SweepSpec::Axis random_axis(const json& random, const std::string& where) {
  if (!random.is_object()) throw SpecError(where + ": must be an object {\"count\", \"seed\", \"axes\"}");
  reject_unknown(random, {"count", "seed", "axes"}, where);
  const std::int64_t count = integer_at(random, "count", -1, 1, where + ".count");
  if (count < 1) throw SpecError(where + ".count: required (the number of random draws)");
  if (count > 100000) throw SpecError(where + ".count: at most 100000 draws");
  const std::int64_t seed = integer_at(random, "seed", 0, 0, where + ".seed");
  if (!random.contains("axes") || !random.at("axes").is_object() || random.at("axes").empty())
    throw SpecError(where + ".axes: required, an object such as {\"optimizer.lr\": {\"log_uniform\": [1e-4, 1e-2]}}");
  struct Draw {
    std::string key, kind;
    double low = 0, high = 0;
    json choices;
  };
  std::vector<Draw> draws;
  for (auto it = random.at("axes").begin(); it != random.at("axes").end(); ++it) {
    const std::string at = where + ".axes." + it.key();
    check_axis_key(it.key(), at);
    const json& d = it.value();
    if (!d.is_object() || d.size() != 1)
      throw SpecError(at + ": must be one of {\"uniform\": [a, b]}, {\"log_uniform\": [a, b]}, {\"int_uniform\": [a, b]}, "
                           "{\"choice\": [v1, v2, ...]}");
    Draw draw{it.key(), d.begin().key(), 0, 0, json()};
    const json& arg = d.begin().value();
    const std::string arg_at = at + "." + draw.kind;
    if (draw.kind == "choice") {
      draw.choices = non_empty_array(arg, arg_at);
    } else if (draw.kind == "uniform" || draw.kind == "log_uniform" || draw.kind == "int_uniform") {
      if (!arg.is_array() || arg.size() != 2 || !arg[0].is_number() || !arg[1].is_number())
        throw SpecError(arg_at + ": must be [low, high], two numbers");
      draw.low = arg[0].get<double>();
      draw.high = arg[1].get<double>();
      if (!std::isfinite(draw.low) || !std::isfinite(draw.high) || !(draw.low <= draw.high))
        throw SpecError(arg_at + ": needs finite low <= high, got " + arg.dump());
      if (draw.kind == "log_uniform" && !(draw.low > 0)) throw SpecError(arg_at + ": log_uniform needs 0 < low");
      if (draw.kind == "int_uniform" && (!arg[0].is_number_integer() || !arg[1].is_number_integer()))
        throw SpecError(arg_at + ": int_uniform needs integer bounds");
    } else {
      throw SpecError(at + "." + draw.kind + ": unknown distribution" +
                      close_key(draw.kind, {"uniform", "log_uniform", "int_uniform", "choice"}) +
                      "; use uniform, log_uniform, int_uniform or choice");
    }
    draws.push_back(draw);
  }
  SweepSpec::Axis axis;
  for (const auto& d : draws) axis.keys.push_back(d.key);
  std::mt19937_64 engine(static_cast<std::uint64_t>(seed));
  for (std::int64_t i = 0; i < count; ++i) {
    std::vector<json> point;
    for (const auto& d : draws) {
      const double u = unit_uniform(engine);
      if (d.kind == "uniform") point.push_back(d.low + u * (d.high - d.low));
      else if (d.kind == "log_uniform") point.push_back(std::exp(std::log(d.low) + u * (std::log(d.high) - std::log(d.low))));
      else if (d.kind == "int_uniform") point.push_back(std::int64_t(d.low) + std::int64_t(u * (d.high - d.low + 1)));
      else point.push_back(d.choices[std::size_t(u * double(d.choices.size()))]);
    }
    axis.points.push_back(point);
  }
  return axis;
}

SlurmSettings parse_slurm(const json& slurm, const std::string& where) {
  SlurmSettings s;
  if (!slurm.is_object()) throw SpecError(where + ": must be an object");
  reject_unknown(slurm, kSlurmKeys, where);
  auto text = [&](const char* key, SbatchValue kind, std::string& out) {
    out = string_at(slurm, key, where + "." + key);
    if (!out.empty()) check_sbatch_value(out, kind, where + "." + key);
  };
  text("account", SbatchValue::word, s.account);
  text("partition", SbatchValue::word, s.partition);
  text("qos", SbatchValue::word, s.qos);
  text("time", SbatchValue::time, s.time);
  text("constraint", SbatchValue::constraint, s.constraint);
  s.max_concurrent = integer_at(slurm, "max_concurrent", 0, 0, where + ".max_concurrent");
  s.cpus_per_task = integer_at(slurm, "cpus_per_task", 1, 1, where + ".cpus_per_task");
  s.signal_seconds = integer_at(slurm, "signal_seconds", 120, 1, where + ".signal_seconds");
  if (slurm.contains("launcher")) {
    s.launcher = string_at(slurm, "launcher", where + ".launcher");
    if (s.launcher != "srun" && s.launcher != "mpirun")
      throw SpecError(where + ".launcher: '" + s.launcher + "' is not one of srun, mpirun");
  }
  if (slurm.contains("extra")) {
    const json& extra = slurm.at("extra");
    if (!extra.is_array()) throw SpecError(where + ".extra: must be an array of sbatch options such as \"--mem=4G\"");
    for (std::size_t i = 0; i < extra.size(); ++i) {
      const std::string at = where + ".extra[" + std::to_string(i) + "]";
      if (!extra[i].is_string()) throw SpecError(at + ": must be a string");
      check_sbatch_value(extra[i], SbatchValue::option, at);
      s.extra.push_back(extra[i]);
    }
  }
  return s;
}

}  // namespace

SweepSpec parse_sweep_spec(const json& document, const std::string& origin, const std::string& directory) {
  try {
    if (!document.is_object()) throw SpecError("(top level): a sweep file is a JSON object with \"sweep\" and \"base\"");
    reject_unknown(document, kTopLevelKeys, "");
    SweepSpec sweep;
    sweep.origin = origin;
    if (!document.contains("sweep")) throw SpecError("sweep: required, the sweep's name");
    sweep.name = string_at(document, "sweep", "sweep");
    check_name(sweep.name, "sweep");
    string_at(document, "description", "description");

    if (!document.contains("base")) throw SpecError("base: required, a run spec (object) or the path of one");
    const json& base = document.at("base");
    if (base.is_string()) {
      std::filesystem::path p(base.get<std::string>());
      if (p.is_relative() && !directory.empty()) p = std::filesystem::path(directory) / p;
      sweep.base_origin = p.lexically_normal().string();
      sweep.base = read_json_file(sweep.base_origin);
    } else if (base.is_object()) {
      sweep.base = base;
      sweep.base_origin = origin + ": base";
    } else {
      throw SpecError("base: must be a run spec (object) or the path of one (string)");
    }

    if (document.contains("set")) {
      const json& set = document.at("set");
      if (!set.is_object()) throw SpecError("set: must be an object of fixed overrides {\"training.steps\": 500}");
      for (auto it = set.begin(); it != set.end(); ++it) {
        check_axis_key(it.key(), "set." + it.key());
        sweep.fixed.push_back(it.key() + "=" + it.value().dump());
      }
    }
    if (document.contains("grid")) {
      const json& grid = document.at("grid");
      if (!grid.is_object()) throw SpecError("grid: must be an object {\"key\": [values], ...}");
      for (auto it = grid.begin(); it != grid.end(); ++it)
        sweep.axes.push_back(grid_axis(it.key(), it.value(), "grid." + it.key()));
    }
    if (document.contains("zip")) {
      const json& zip = document.at("zip");
      if (zip.is_array()) {
        for (std::size_t i = 0; i < zip.size(); ++i)
          sweep.axes.push_back(zip_axis(zip[i], "zip[" + std::to_string(i) + "]"));
      } else {
        sweep.axes.push_back(zip_axis(zip, "zip"));
      }
    }
    if (document.contains("random")) sweep.axes.push_back(random_axis(document.at("random"), "random"));

    if (document.contains("repeats") && document.contains("seeds"))
      throw SpecError("seeds: give either repeats (seeds base, base+1, ...) or seeds (an explicit list), not both");
    if (document.contains("seeds")) {
      sweep.axes.push_back(grid_axis("training.seed", document.at("seeds"), "seeds"));
      for (const auto& s : document.at("seeds"))
        if (!s.is_number_integer() || s.get<std::int64_t>() < 0)
          throw SpecError("seeds: every seed must be a non-negative integer, got " + s.dump());
    } else if (document.contains("repeats")) {
      const std::int64_t repeats = integer_at(document, "repeats", 1, 1, "repeats");
      // Checked before the axis is built: a typo such as 28888888000 must be an error, not an allocation (fuzz_sweep).
      if (repeats > 100000) throw SpecError("repeats: at most 100000, got " + std::to_string(repeats));
      // Repeats count up from the base's own seed (after the fixed overrides), validated like any run.
      const std::int64_t first = std::int64_t(resolve_spec(sweep.base, sweep.fixed, sweep.base_origin).seed);
      SweepSpec::Axis axis{{"training.seed"}, {}};
      for (std::int64_t r = 0; r < repeats; ++r) axis.points.push_back({json(first + r)});
      sweep.axes.push_back(axis);
    }
    std::set<std::string> seen;
    for (const auto& axis : sweep.axes)
      for (const auto& key : axis.keys) {
        if (!seen.insert(key).second) throw SpecError(key + ": swept by two axes; each key may be swept once");
        for (const auto& fixed : sweep.fixed)
          if (fixed.compare(0, key.size() + 1, key + "=") == 0)
            throw SpecError("set." + key + ": also swept by an axis; remove one");
      }
    sweep.ranks = integer_at(document, "ranks", 1, 1, "ranks");
    if (document.contains("slurm")) sweep.slurm = parse_slurm(document.at("slurm"), "slurm");
    return sweep;
  } catch (const SpecError& e) {
    const std::string message = e.what();
    // Errors from the base spec already name their file.
    if (message.rfind(origin, 0) == 0) throw;
    throw SpecError(origin + ": " + message);
  }
}

SweepSpec read_sweep_spec(const std::string& path) {
  return parse_sweep_spec(read_json_file(path), path, std::filesystem::path(path).parent_path().string());
}

std::vector<std::string> sweep_file_keys() {
  std::vector<std::string> keys(kTopLevelKeys.begin(), kTopLevelKeys.end());
  for (const auto& k : kSlurmKeys) keys.push_back("slurm." + k);
  return keys;
}

std::vector<std::string> axis_keys(const SweepSpec& sweep) {
  std::vector<std::string> keys;
  for (const auto& axis : sweep.axes) keys.insert(keys.end(), axis.keys.begin(), axis.keys.end());
  return keys;
}

std::vector<SweepRun> expand_sweep(const SweepSpec& sweep) {
  std::size_t total = 1;
  for (const auto& axis : sweep.axes) {
    total *= axis.points.size();
    if (total > 100000) throw SpecError(sweep.origin + ": the sweep expands to more than 100000 runs");
  }
  std::vector<SweepRun> runs;
  std::map<std::string, std::size_t> index_of_id;
  for (std::size_t index = 0; index < total; ++index) {
    SweepRun run;
    run.index = index;
    run.axes = json::object();
    std::vector<std::string> overrides = sweep.fixed;
    // Mixed-radix digits of the index, the last axis fastest.
    std::size_t rest = index;
    std::vector<std::size_t> digit(sweep.axes.size());
    for (std::size_t a = sweep.axes.size(); a-- > 0;) {
      digit[a] = rest % sweep.axes[a].points.size();
      rest /= sweep.axes[a].points.size();
    }
    for (std::size_t a = 0; a < sweep.axes.size(); ++a) {
      const auto& axis = sweep.axes[a];
      for (std::size_t k = 0; k < axis.keys.size(); ++k) {
        const json& value = axis.points[digit[a]][k];
        run.axes[axis.keys[k]] = value;
        overrides.push_back(axis.keys[k] + "=" + value.dump());
      }
    }
    const std::string where = sweep.origin + ": run " + std::to_string(index) + " " + run.axes.dump();
    std::string name;
    try {
      RunSpec resolved = resolve_spec(sweep.base, overrides, sweep.base_origin);
      name = resolved.name;
      run.spec = std::move(resolved.document);
    } catch (const SpecError& e) {
      throw SpecError(where + ": " + e.what());
    }
    run.spec["output"]["path"] = "";  // the sweep passes --out SWEEP_DIR/runs/<id>.h5
    check_name(name, where + ": name");
    run.id = run_id(run.spec);
    const auto [it, inserted] = index_of_id.emplace(run.id, index);
    if (!inserted)
      throw SpecError(where + ": resolves to the same spec as run " + std::to_string(it->second) +
                      "; an axis sets a key to a value it already has");
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace tractable
