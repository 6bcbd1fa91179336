#include "cli/options.hpp"
#include "experiment/model_session.hpp"
#include "experiment/problem_from_spec.hpp"
#include "training/progress.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace tractable::cli {

namespace {
// {"run": ..., "split": ..., "key": value, ...}: counts as integers, the rest with 6 decimals (nan when
// undefined); keys "group.k" gather into an object "group".
std::string measurement_json(const std::string& run, const std::string& split, const ModelSession& session,
                             const Measurement& measured) {
  auto number = [](const std::string& key, double value) {
    char text[64];
    if (key == "n" || key == "importance_samples" || key == "active_units")
      std::snprintf(text, sizeof text, "%zu", std::size_t(value));
    else
      std::snprintf(text, sizeof text, "%.6f", value);
    return std::string(text);
  };
  std::string out = "{\"run\": " + nlohmann::json(run).dump();
  if (!split.empty()) out += ", \"split\": \"" + split + "\"";
  out += ", \"checkpoint\": \"" + session.checkpoint + "\", \"checkpoint_step\": " + std::to_string(session.checkpoint_step);
  std::string group;
  for (const auto& [key, value] : measured) {
    const auto dot = key.find('.');
    const std::string head = dot == std::string::npos ? "" : key.substr(0, dot);
    if (head != group) {
      if (!group.empty()) out += "}";
      if (!head.empty()) out += ", \"" + head + "\": {";
    }
    const bool first_in_group = !head.empty() && head != group;
    group = head;
    const std::string name = dot == std::string::npos ? key : key.substr(dot + 1);
    out += (first_in_group ? "" : ", ") + ("\"" + name + "\": ") + number(name == key ? key : head, value);
  }
  if (!group.empty()) out += "}";
  return out + "}";
}
}  // namespace

int eval_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable eval");
  bool last = false;
  std::string path, split = "test";
  std::size_t batch = 4096, importance_samples = 0, points = 0;
  options.add_options()
      ("run", po::value(&path)->required(), "run file")
      ("split", po::value(&split)->default_value("test"), "test, validation or train")
      ("batch", po::value(&batch)->default_value(4096), "rows per evaluation pass")
      ("importance-samples,k", po::value(&importance_samples)->default_value(0),
       "VAE: importance samples K per example for log p(x) (default: the spec's objective.eval_importance_samples)")
      ("points", po::value(&points)->default_value(0), "VAE: evaluate the first N examples of the split (default: all)");
  add_last_option(options, last);
  po::positional_options_description positional;
  positional.add("run", 1);
  po::variables_map vm;
  if (!parse_options(args, "eval", options, positional, vm, comm)) return 0;
  if (split != "test" && split != "validation" && split != "train")
    throw UsageError("--split must be 'test', 'validation' or 'train', got '" + split + "'");
  if (batch == 0) throw UsageError("--batch must be positive");
  auto session = load_model_session(path, last);
  // The run's own problem, built as `run` builds it, measures itself.
  ProblemInputs inputs = load_problem_inputs(session->spec, comm);
  if (inputs.dim != session->dim)
    throw DataError(inputs.data.origin + ": has " + std::to_string(inputs.dim) + " columns, but " + path +
                    " was trained on " + std::to_string(session->dim));
  Progress quiet(0, false, false);
  auto problem = make_problem(session->spec, *session, std::move(inputs), comm, quiet);
  MeasureRequest request;
  request.split = split;
  request.batch = batch;
  request.importance_samples = importance_samples;
  request.points = points;
  const Measurement measured = problem->measure(request);
  if (comm.is_root()) std::cout << measurement_json(path, session->spec.target ? "" : split, *session, measured) << std::endl;
  return 0;
}

}  // namespace tractable::cli
