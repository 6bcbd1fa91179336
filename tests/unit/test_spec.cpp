// Spec validation: each class of bad input is rejected with its JSON path;
// defaults are filled; overrides apply; the committed JSON Schema matches the
// validator's own description.
#include <catch2/catch.hpp>

#include "documentation.hpp"
#include "core/error.hpp"
#include "experiment/run_spec.hpp"
#include "experiment/spec.hpp"
#include "spec/registry.hpp"
#include "sweep/paper_suite.hpp"
#include "sweep/sweep_spec.hpp"

#include <filesystem>
#include <set>
#include <tuple>
#include <fstream>
#include <sstream>

using namespace tractable;
using nlohmann::json;

namespace {
std::string error_of(const json& raw, std::vector<std::string> overrides = {}) {
  try {
    resolve_spec_json(raw, overrides, "spec.json");
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("spec: an empty spec resolves to the documented defaults", "[spec]") {
  const json s = resolve_spec_json(json::object(), {}, "spec.json");
  CHECK(s["data"]["source"] == "toy");
  CHECK(s["data"]["name"] == "8gaussians");
  CHECK(s["model"]["hidden"] == 64);
  CHECK(s["model"]["layers"][0]["type"] == "affine_coupling");
  CHECK(s["model"]["layers"][0]["mask"] == "alternating");
  CHECK(s["optimizer"]["type"] == "adam");
  CHECK(s["optimizer"]["betas"] == json::array({0.9, 0.999}));
  CHECK(s["optimizer"]["schedule"]["type"] == "constant");
  CHECK(s["training"]["batch_size"] == 256);
  CHECK(s["objective"]["type"] == "nll");
}

TEST_CASE("spec: unknown keys are rejected with their path and a did-you-mean", "[spec]") {
  const auto e = error_of({{"model", {{"hiden", 128}}}});
  CHECK_THAT(e, Catch::Contains("model.hiden"));
  CHECK_THAT(e, Catch::Contains("did you mean 'hidden'"));
  CHECK_THAT(error_of({{"trainig", json::object()}}), Catch::Contains("did you mean 'training'"));
  // A key that belongs to another variant says so.
  CHECK_THAT(error_of({{"optimizer", {{"type", "sgd"}, {"betas", {0.9, 0.9}}}}}),
             Catch::Contains("belongs to type 'adam'"));
  CHECK_THAT(error_of({{"model", {{"layers", json::array({json{{"type", "reverse"}, {"hidden", 3}}})}}}}),
             Catch::Contains("model.layers[0].hidden"));
}

TEST_CASE("spec: wrong types are rejected with their path", "[spec]") {
  CHECK_THAT(error_of({{"training", {{"steps", "many"}}}}), Catch::Contains("training.steps: expected an integer"));
  CHECK_THAT(error_of({{"training", {{"steps", 2.5}}}}), Catch::Contains("training.steps: expected an integer"));
  CHECK_THAT(error_of({{"optimizer", {{"lr", "fast"}}}}), Catch::Contains("optimizer.lr: expected a number"));
  CHECK_THAT(error_of({{"model", {{"layers", {{"type", "reverse"}}}}}}), Catch::Contains("model.layers"));
  CHECK_THAT(error_of({{"optimizer", {{"decoupled_weight_decay", 1}}}}), Catch::Contains("expected true or false"));
  CHECK_THAT(error_of(json::array()), Catch::Contains("expected an object"));
}

TEST_CASE("spec: out-of-range values and unknown choices are rejected", "[spec]") {
  CHECK_THAT(error_of({{"optimizer", {{"lr", 0}}}}), Catch::Contains("optimizer.lr: 0 is out of range: must be > 0"));
  CHECK_THAT(error_of({{"training", {{"batch_size", 0}}}}), Catch::Contains("training.batch_size"));
  CHECK_THAT(error_of({{"optimizer", {{"betas", {0.9, 1.0}}}}}), Catch::Contains("optimizer.betas[1]"));
  CHECK_THAT(error_of({{"optimizer", {{"betas", {0.9}}}}}), Catch::Contains("exactly 2 items"));
  CHECK_THAT(error_of({{"data", {{"name", "8gausians"}}}}), Catch::Contains("did you mean '8gaussians'"));
  CHECK_THAT(error_of({{"model", {{"activation", "sigmoid"}}}}), Catch::Contains("model.activation"));
  CHECK_THAT(error_of({{"data", {{"source", "csv"}}}}), Catch::Contains("data.path: missing required key"));
  CHECK_THAT(error_of({{"model", {{"layers", json::array()}}}}), Catch::Contains("at least 1 items"));
}

TEST_CASE("spec: --set overrides parse JSON values, bare words and array indices", "[spec]") {
  const json s = resolve_spec_json(json::object(),
                                   {"model.hidden=128", "model.activation=tanh", "optimizer.lr=1e-4",
                                    "model.layers=[{\"type\":\"affine_coupling\"},{\"type\":\"reverse\"}]",
                                    "model.layers.1.type=random_permutation", "name=demo"},
                                   "spec.json");
  CHECK(s["model"]["hidden"] == 128);
  CHECK(s["model"]["activation"] == "tanh");
  CHECK(s["optimizer"]["lr"].get<double>() == Approx(1e-4));
  CHECK(s["model"]["layers"][1]["type"] == "random_permutation");
  CHECK(s["name"] == "demo");
  CHECK_THAT(error_of(json::object(), {"model.hidden"}), Catch::Contains("expected key.path=value"));
  CHECK_THAT(error_of(json::object(), {"model.hiden=3"}), Catch::Contains("with --set overrides"));
  json raw = {{"model", {{"layers", json::array({json{{"type", "reverse"}}})}}}};
  CHECK_THAT(error_of(raw, {"model.layers.4.type=reverse"}), Catch::Contains("past the end"));
}

TEST_CASE("spec: a malformed or missing file names the file", "[spec]") {
  const std::string path = "malformed_spec_test.json";
  std::ofstream(path) << "{\n  \"model\": {\"hidden\": 12,}\n}\n";
  try {
    resolve_spec(path, {});
    FAIL("a malformed spec was accepted");
  } catch (const SpecError& e) {
    CHECK_THAT(e.what(), Catch::Contains(path) && Catch::Contains("malformed JSON") && Catch::Contains("line 2"));
  }
  std::filesystem::remove(path);
  CHECK_THROWS_WITH(resolve_spec("does/not/exist.json", {}), Catch::Contains("does/not/exist.json"));
}

TEST_CASE("spec: the committed JSON Schema is the validator's own", "[spec]") {
  const std::string path = std::string(TRACTABLE_SOURCE_DIR) + "/experiments/spec.schema.json";
  INFO("regenerate with: tractable schema > experiments/spec.schema.json");
  REQUIRE(std::filesystem::exists(path));
  CHECK(read_json_file(path) == run_spec_json_schema());
}

TEST_CASE("spec: every shipped experiment validates", "[spec]") {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(TRACTABLE_SOURCE_DIR) + "/experiments")) {
    // published.json files hold a paper's numbers beside its specs, not a spec.
    if (entry.path().extension() != ".json" || entry.path().filename() == "spec.schema.json" ||
        entry.path().filename() == "published.json")
      continue;
    INFO(entry.path().string());
    // A paper suite (suite.json) names sweep files that this loop checks on their own.
    if (entry.path().filename() == "suite.json") {
      const auto dir = entry.path().parent_path();
      CHECK_NOTHROW(read_paper_suite(dir.parent_path().string(), dir.filename().string()));
      ++count;
      continue;
    }
    // Sweep files (a "sweep" key) expand to runs that are each validated like a spec.
    if (read_json_file(entry.path().string()).contains("sweep"))
      CHECK_NOTHROW(expand_sweep(read_sweep_spec(entry.path().string())));
    else
      CHECK_NOTHROW(resolve_spec(entry.path().string(), {}));
    ++count;
  }
  CHECK(count >= 1);
}

namespace {
// Keys of registered types (layers, bases, decoders, posteriors, targets, objectives, optimisers) and the
// objects inside them are documented in the generated tables by their own name; a section's common keys by
// their full path.
void collect_keys(const SchemaNode& node, const std::string& prefix, std::vector<std::string>& keys,
                  bool registered = false) {
  if (node.kind == SchemaNode::Kind::array && node.items) return collect_keys(*node.items, prefix, keys, registered);
  if (node.kind != SchemaNode::Kind::object) return;
  registered = registered || prefix.rfind("model.layers", 0) == 0;
  std::vector<std::pair<const SchemaField*, bool>> fields;
  for (const auto& f : node.fields) fields.push_back({&f, registered});
  const bool typed = !node.discriminator.empty() && prefix != "data" && prefix != "model";
  for (const auto& [variant, extra] : node.variants)
    for (const auto& f : extra) fields.push_back({&f, registered || typed});
  for (const auto& [f, own_name] : fields) {
    const std::string full = prefix.empty() ? f->key : prefix + "." + f->key;
    const std::string path = own_name ? f->key : full;
    if (std::find(keys.begin(), keys.end(), path) == keys.end()) keys.push_back(path);
    collect_keys(*f->schema, full, keys, own_name);
  }
}
}  // namespace

TEST_CASE("spec: the spec reference's type tables are the registries' (regenerate: cluster/reference-tables.sh)",
          "[spec]") {
  const std::string documentation = tractable::testing::read_all_documentation();
  REQUIRE(!documentation.empty());
  for (const auto& [family, table] : registry_tables()) {
    INFO("the table for " << family << " in docs/ differs from the registry; run cluster/reference-tables.sh");
    const std::string block = reference_table_begin(family) + "\n" + table + reference_table_end();
    CHECK(documentation.find(block) != std::string::npos);
  }
}

TEST_CASE("spec: every key is documented in docs/", "[spec]") {
  const std::string documentation = tractable::testing::read_all_documentation();
  REQUIRE(!documentation.empty());
  std::vector<std::string> keys;
  collect_keys(*run_spec_schema(), "", keys);
  CHECK(keys.size() > 40);
  for (const auto& key : keys) {
    INFO("no page of docs/ mentions `" << key << "`");
    CHECK(documentation.find("`" + key + "`") != std::string::npos);
  }
}

TEST_CASE("spec: numbers beyond double's range are bad input, not internal errors (found by fuzzing)", "[spec]") {
  json spec = json::object();
  CHECK_THROWS_WITH(apply_override(spec, "training.steps=1E400"), Catch::Contains("training.steps=1E400") &&
                                                                      Catch::Contains("out of range"));
  const std::string path = std::filesystem::temp_directory_path() / "tractable-overflow-spec.json";
  std::ofstream(path) << R"({"training": {"steps": 1e400}})";
  CHECK_THROWS_WITH(read_json_file(path), Catch::Contains(path) && Catch::Contains("out of range"));
  std::filesystem::remove(path);
}

TEST_CASE("spec: an override whose value is not UTF-8 is refused by name (found by fuzzing)", "[spec]") {
  json spec = json::object();
  CHECK_THROWS_WITH(apply_override(spec, "training.steps=\xb5"),
                    Catch::Contains("training.steps") && Catch::Contains("not valid UTF-8"));
  CHECK_THROWS_AS(apply_override(spec, "name=a\xff"), SpecError);
  CHECK_THROWS_WITH(apply_override(spec, "model.layer\xf3s.0.bins=3"), Catch::Contains("not valid UTF-8"));
}

TEST_CASE("spec: every rule between families is declared once and can both hold and fail", "[spec]") {
  // Each capability a registration needs or refuses is provided by some registered type: a need nobody can
  // meet, or a refusal nothing can trigger, is a mistake in the declarations.
  std::set<std::string> provided;
  for (const auto& [who, c] : registered_declarations())
    for (const auto& p : c->provides) provided.insert(p.name);
  for (const auto& [who, c] : registered_declarations()) {
    for (const auto& n : c->needs) {
      INFO(who << " needs " << n.name);
      CHECK(provided.count(n.name) == 1);
    }
    for (const auto& r : c->refuses) {
      INFO(who << " refuses " << r.name);
      CHECK(provided.count(r.name) == 1);
    }
  }
  // Each declared rule refuses its counterexample with the place, the type and the reason; the same specs
  // with the rule met pass.
  const json vae = {{"type", "vae"}, {"latent", 4}, {"hidden", 8}};
  const json images = {{"source", "idx"}, {"train_images", "x.idx"}};
  const std::vector<std::tuple<json, std::vector<std::string>>> refused{
      {{{"objective", {{"type", "iwae"}}}}, {"objective.type: 'iwae' trains a variational autoencoder", "model.type 'vae'"}},
      {{{"model", vae}, {"data", images}, {"objective", {{"type", "nll"}}}}, {"objective.type: 'nll' does not train a VAE"}},
      {{{"model", vae}, {"objective", {{"type", "elbo"}}}},
       {"model.decoder.type: 'bernoulli' needs data in [0, 1]", "data.source 'mnist'"}},
      {{{"model", {{"type", "vae"}, {"stochastic_layers", 2}, {"posterior", {{"type", "iaf"}}}}}, {"data", images},
        {"objective", {{"type", "elbo"}, {"kl", "sampled"}}}},
       {"model.posterior.type: 'iaf' is available with one stochastic layer only"}},
      {{{"model", {{"type", "vae"}, {"stochastic_layers", 2}}}, {"data", images}, {"objective", {{"type", "elbo"}}}},
       {"objective.kl: \"analytic\" (objective.type 'elbo') has no closed form with two stochastic layers"}},
      {{{"model", {{"type", "vae"}, {"posterior", {{"type", "iaf"}}}}}, {"data", images}, {"objective", {{"type", "elbo"}}}},
       {"objective.kl: \"analytic\"", "needs a posterior whose KL has a closed form", "model.posterior.type 'gaussian'"}},
      {{{"model", {{"layers", json::array({json{{"type", "batchnorm"}}})}}},
        {"objective", {{"type", "reverse_kl"}, {"target", {{"type", "u1"}}}}}},
       {"objective.type: 'reverse_kl'", "no batch statistics", "model.layers[0].type is 'batchnorm'"}}};
  for (const auto& [raw, parts] : refused) {
    INFO(raw.dump());
    try {
      resolve_spec_json(raw, {}, "spec.json");
      FAIL("accepted");
    } catch (const SpecError& e) {
      for (const auto& part : parts) CHECK_THAT(e.what(), Catch::Contains(part));
    }
  }
  CHECK_NOTHROW(resolve_spec_json({{"model", vae}, {"data", images}, {"objective", {{"type", "elbo"}}}}, {}, "spec.json"));
  CHECK_NOTHROW(resolve_spec_json({{"model", {{"type", "vae"}, {"stochastic_layers", 2}}}, {"data", images},
                                   {"objective", {{"type", "iwae"}}}},
                                  {}, "spec.json"));
  CHECK_NOTHROW(resolve_spec_json({{"model", {{"layers", json::array({json{{"type", "actnorm"}}})}}},
                                   {"objective", {{"type", "reverse_kl"}, {"target", {{"type", "u1"}}}}}},
                                  {}, "spec.json"));
}
