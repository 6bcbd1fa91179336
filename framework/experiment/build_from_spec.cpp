#include "experiment/build_from_spec.hpp"

#include "core/error.hpp"
#include "data/file_loaders.hpp"
#include "data/mnist.hpp"
#include "vae/hierarchical_vae.hpp"
#include "data/toy_2d.hpp"
#include "registry/simulator_types.hpp"
#include "io/model_description.hpp"
#include "nn/activation.hpp"
#include "registry/base_types.hpp"
#include "registry/bijector_types.hpp"
#include "registry/decoder_types.hpp"
#include "registry/optimizer_types.hpp"
#include "registry/posterior_types.hpp"
#include "registry/target_types.hpp"

namespace tractable {

using nlohmann::json;

namespace {
// MNIST-like images (data.source mnist or idx), binarised as data.binarize asks.
Dataset load_image_dataset(const json& data) {
  const std::string source = data.at("source"), binarize = data.at("binarize");
  const std::uint64_t seed = data.at("seed").get<std::uint64_t>();
  Dataset d;
  if (source == "mnist") {
    const std::string path = data.at("path");
    d.origin = "mnist:" + path;
    d.train = read_mnist_hdf5(path, "train").images;
    if (data.at("train_split") == "train+validation") {
      const HostMatrix validation = read_mnist_hdf5(path, "validation").images;
      HostMatrix both("tractable::mnist_train_validation", d.train.extent(0) + validation.extent(0), d.train.extent(1));
      const std::size_t n = d.train.extent(0);
      Kokkos::deep_copy(Kokkos::subview(both, std::make_pair(std::size_t(0), n), Kokkos::ALL()), d.train);
      Kokkos::deep_copy(Kokkos::subview(both, std::make_pair(n, both.extent(0)), Kokkos::ALL()), validation);
      d.train = both;
    } else {
      d.validation = read_mnist_hdf5(path, "validation").images;  // the file's own validation digits
    }
    d.test = read_mnist_hdf5(path, "test").images;
    d.files = {path};
  } else {
    const std::string train_path = data.at("train_images");
    const double validation_fraction = data.at("validation_fraction");
    if (data.contains("test_images")) {
      const std::string test_path = data.at("test_images");
      d = split_rows(read_idx_images(train_path).images, 0, validation_fraction, seed, "idx:" + train_path);
      d.test = read_idx_images(test_path).images;
      d.files = {train_path, test_path};
      if (d.test.extent(1) != d.train.extent(1))
        throw DataError(test_path + ": images of " + std::to_string(d.test.extent(1)) +
                        " pixels, but the training images have " + std::to_string(d.train.extent(1)));
    } else {
      d = split_rows(read_idx_images(train_path).images, data.at("test_fraction"), validation_fraction, seed,
                     "idx:" + train_path);
      d.files = {train_path};
    }
  }
  // Dynamic binarisation redraws training pixels at every use (in the run loop); test rows are binarised once.
  if (binarize == "static") binarize_static(d.train, seed, 1);
  if (binarize != "none") binarize_static(d.test, seed, 2);
  if (binarize != "none") binarize_static(d.validation, seed, 3);
  return d;
}
}  // namespace

Dataset load_dataset(const json& data) {
  const std::string source = data.at("source");
  const std::uint64_t seed = data.at("seed").get<std::uint64_t>();
  if (source == "toy") {
    const std::string name = data.at("name");
    const std::size_t n_train = data.at("n_train"), n_test = data.at("n_test");
    // One draw, then a split, so train and test are independent samples of the same density.
    Dataset d;
    d.origin = "toy:" + name;
    const HostMatrix all = generate_toy_2d(name, n_train + n_test, seed);
    d.train = HostMatrix("tractable::toy::train", n_train, 2);
    d.test = HostMatrix("tractable::toy::test", n_test, 2);
    Kokkos::deep_copy(d.train, Kokkos::subview(all, std::make_pair(std::size_t(0), n_train), Kokkos::ALL()));
    Kokkos::deep_copy(d.test, Kokkos::subview(all, std::make_pair(n_train, n_train + n_test), Kokkos::ALL()));
    hold_out_validation(d, data.at("validation_fraction"));  // the training draws are independent: their tail
    return d;
  }
  if (source == "mnist" || source == "idx") return load_image_dataset(data);
  if (source == "simulator") {
    const auto simulator = make_simulator(data.at("simulator"), "data.simulator");
    Dataset d;
    d.origin = "simulator:" + simulator->name();
    d.context_dim = simulator->observation_dim();
    d.train = simulate_rows(*simulator, data.at("n_simulations"), seed, SimulationBlock::training);
    d.test = simulate_rows(*simulator, data.at("n_test"), seed, SimulationBlock::test);
    hold_out_validation(d, data.at("validation_fraction"));  // independent simulations: their tail
    return d;
  }
  const std::string path = data.at("path");
  const double validation_fraction = data.at("validation_fraction");
  const bool hdf5 = source == "hdf5";
  // C: csv's first data.context_columns columns, or the width of hdf5's context dataset.
  std::size_t context_dim = hdf5 ? 0 : data.at("context_columns").get<std::size_t>();
  // hdf5 with a context dataset: the rows [c | x], c from `context_dataset` beside `dataset` (same file).
  auto load = [&](const std::string& file, const std::string& dataset, const std::string& context_dataset) {
    if (!hdf5) return load_csv(file);
    if (context_dataset.empty()) return load_hdf5_dataset(file, dataset);
    const HostMatrix context = load_hdf5_dataset(file, context_dataset);
    context_dim = context.extent(1);
    return join_context(context, load_hdf5_dataset(file, dataset), "hdf5:" + file + ":" + context_dataset,
                        "hdf5:" + file + ":" + dataset);
  };
  auto origin = [&](const std::string& file, const std::string& dataset) {
    return hdf5 ? "hdf5:" + file + ":" + dataset : "csv:" + file;
  };
  const std::string dataset = hdf5 ? data.at("dataset").get<std::string>() : "";
  const std::string context_dataset = data.value("context_dataset", "");
  auto with_context = [&](Dataset d) {
    if (context_dim >= d.train.extent(1))
      throw DataError(d.origin + ": data.context_columns is " + std::to_string(context_dim) + ", but the rows have " +
                      std::to_string(d.train.extent(1)) + " columns; nothing is left to model");
    d.context_dim = context_dim;
    return d;
  };
  if (!data.contains("test_path") && !data.contains("test_dataset")) {
    Dataset d = with_context(split_rows(load(path, dataset, context_dataset), data.at("test_fraction"),
                                        validation_fraction, seed, origin(path, dataset)));
    d.files = {path};
    return d;
  }
  // A separate test file (or, for hdf5, another dataset of the same file): every row of `path` trains or validates.
  const std::string test_path = data.value("test_path", path), test_dataset = data.value("test_dataset", dataset);
  if (!context_dataset.empty() && !data.contains("test_context_dataset"))
    throw SpecError("data.test_context_dataset: needed with data.context_dataset and a separate test set (the test "
                    "rows' contexts)");
  Dataset d = with_context(split_rows(load(path, dataset, context_dataset), 0, validation_fraction, seed,
                                      origin(path, dataset)));
  d.test = load(test_path, test_dataset, data.value("test_context_dataset", ""));
  const std::string test_origin = origin(test_path, test_dataset);
  if (d.test.extent(1) != d.train.extent(1))
    throw DataError(test_origin + ": the test rows have " + std::to_string(d.test.extent(1)) +
                    " columns, but the training rows have " + std::to_string(d.train.extent(1)));
  check_finite(d.test, test_origin);  // named by the test file's own rows
  d.origin += " (test: " + test_origin + ")";
  d.files = {path};
  if (test_path != path) d.files.push_back(test_path);
  return d;
}

FlowModelSpec read_flow_model(const json& model) {
  FlowModelSpec spec;
  spec.repeat = model.at("repeat");
  const json& layers = model.at("layers");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const SpecSection layer(layers[i], "model.layers[" + std::to_string(i) + "]", &model);
    const auto& type = bijector_registry().at(layer.get<std::string>("type"), layer.where("type"));
    // The layer with the keys it inherits from model.* written in: what a reader needs to rebuild it.
    std::vector<const char*> inherited;
    for (const char* key : inherited_layer_keys())
      for (const auto& field : type.keys)
        if (field.key == key) inherited.push_back(key);
    spec.layers.push_back({type.name, layer.path(), layer.resolved(inherited),
                           type.configure(layer)});
  }
  const SpecSection base(model.at("base"), "model.base");
  spec.base = {base.get<std::string>("type"), base.path(), base.json(), base_registry().configure(base)};
  spec.context_embedding_config = json::object();
  if (model.contains("context_embedding")) {
    const json& e = model.at("context_embedding");
    MlpShape shape;
    shape.hidden = e.at("hidden");
    shape.depth = e.at("depth");
    shape.out = e.at("out");
    shape.activation = parse_activation(e.at("activation"));
    spec.context_embedding = shape;
    spec.context_embedding_config = e;
  }
  return spec;
}

std::unique_ptr<Flow> build_flow(const FlowModelSpec& spec, std::size_t dim, ParameterStore& store, std::uint64_t seed,
                                 const Communicator& comm, ModelDescription* description, std::size_t context_dim) {
  if (dim < 2) throw DataError("a flow needs data with at least 2 dimensions, got " + std::to_string(dim));
  if (spec.context_embedding && context_dim == 0)
    throw SpecError("model.context_embedding: the data has no context (data.context_columns, data.context_dataset or a "
                    "simulator give one)");
  auto context = context_dim > 0 ? std::make_unique<ContextEncoder>(store, "flow.context", context_dim,
                                                                    spec.context_embedding)
                                 : nullptr;
  const std::size_t features = context ? context->features() : 0;
  std::vector<std::unique_ptr<Bijector>> chain;
  std::size_t couplings = 0;
  for (std::size_t r = 0; r < spec.repeat; ++r) {
    for (const auto& layer : spec.layers) {
      const std::size_t index = chain.size();
      BijectorContext built{store, "flow." + std::to_string(index), dim, mix64(seed * 1000003ULL + index),
                            couplings, comm, layer.where, features};
      chain.push_back(layer.build(built));
      if (features > 0 && chain.back()->context_refusal())
        throw SpecError(layer.where + ".type: '" + layer.type + "' cannot be part of a conditional flow (the data has " +
                        std::to_string(context_dim) + " context columns): " + chain.back()->context_refusal());
      if (description) description->layers.push_back({layer.type, built.name, layer.config, chain.back()->fixed_arrays()});
    }
  }
  BaseContext base_context{store, dim, features};
  BaseParts base = spec.base.build(base_context);
  if (base.final_layer) chain.push_back(std::move(base.final_layer));
  if (description) {
    description->kind = "flow";
    description->dim = dim;
    description->base = {spec.base.type, spec.base.type == "standard_normal" ? "" : "flow.base", spec.base.config, {}};
    description->context_dim = context_dim;
    if (context_dim > 0) description->context = {"context", "flow.context", spec.context_embedding_config, {}};
  }
  return std::make_unique<Flow>(dim, std::move(chain), std::move(base.distribution), std::move(context));
}

std::unique_ptr<Flow> build_flow(const json& model, std::size_t dim, ParameterStore& store, std::uint64_t seed,
                                 const Communicator& comm, ModelDescription* description, std::size_t context_dim) {
  return build_flow(read_flow_model(model), dim, store, seed, comm, description, context_dim);
}

std::unique_ptr<Optimizer> build_optimizer(const json& o, std::size_t n) {
  OptimizerContext context{n};
  return optimizer_registry().configure(SpecSection(o, "optimizer"))(context);
}

LearningRateSchedule build_schedule(const json& o, std::int64_t total_steps) {
  ScheduleContext context{o.at("lr").get<double>(), total_steps};
  return schedule_registry().configure(SpecSection(o.at("schedule"), "optimizer.schedule"))(context);
}

std::unique_ptr<LatentVariableModel> build_vae(const json& model, std::size_t dim, ParameterStore& store) {
  VaeShape shape;
  shape.data_dim = dim;
  shape.latent = model.at("latent");
  shape.hidden = model.at("hidden");
  shape.depth = model.at("depth");
  shape.activation = parse_activation(model.at("activation"));
  const DecoderFactory decoder = decoder_factory(SpecSection(model.at("decoder"), "model.decoder"));
  if (model.at("stochastic_layers") == 2) {
    HierarchicalVaeShape two;
    two.data_dim = dim;
    two.latent1 = model.at("latent");
    two.hidden1 = model.at("hidden");
    two.latent2 = model.at("latent2");
    two.hidden2 = model.at("hidden2");
    two.depth = model.at("depth");
    two.activation = parse_activation(model.at("activation"));
    two.decoder = decoder;
    return std::make_unique<HierarchicalVae>(store, two);
  }
  shape.decoder = decoder;
  PosteriorContext none;
  const PosteriorShape posterior = posterior_registry().configure(SpecSection(model.at("posterior"), "model.posterior"))(none);
  shape.iaf_steps = posterior.iaf_steps;
  shape.iaf_hidden = posterior.iaf_hidden;
  shape.iaf_depth = posterior.iaf_depth;
  shape.iaf_context = posterior.iaf_context;
  return std::make_unique<VariationalAutoencoder>(store, shape);
}

std::unique_ptr<Target> build_target(const json& t) {
  TargetContext none;
  return target_registry().configure(SpecSection(t, "objective.target"))(none);
}

}  // namespace tractable
