#include "experiment/build_from_spec.hpp"

#include "core/error.hpp"
#include "data/file_loaders.hpp"
#include "data/mnist.hpp"
#include "vae/hierarchical_vae.hpp"
#include "data/toy_2d.hpp"
#include "distributions/targets/energy_2d.hpp"
#include "distributions/targets/gaussian_mixture.hpp"
#include "distributions/bases/gaussian_mixture_base.hpp"
#include "distributions/targets/phi4_lattice.hpp"
#include "flows/actnorm.hpp"
#include "flows/batch_norm.hpp"
#include "flows/affine_coupling.hpp"
#include "flows/inverted.hpp"
#include "flows/lu_linear.hpp"
#include "flows/masked_autoregressive.hpp"
#include "flows/permutation.hpp"
#include "flows/planar.hpp"
#include "flows/radial.hpp"
#include "flows/spline_autoregressive.hpp"
#include "flows/spline_coupling.hpp"
#include "io/model_description.hpp"
#include "objectives/importance_weighted_bound.hpp"
#include "objectives/negative_log_likelihood.hpp"
#include "objectives/reverse_kl.hpp"
#include "optim/adam.hpp"
#include "optim/sgd.hpp"

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
    }
    d.test = read_mnist_hdf5(path, "test").images;
  } else {
    const std::string train_path = data.at("train_images");
    if (data.contains("test_images")) {
      d.origin = "idx:" + train_path;
      d.train = read_idx_images(train_path).images;
      d.test = read_idx_images(data.at("test_images").get<std::string>()).images;
      if (d.test.extent(1) != d.train.extent(1))
        throw DataError(data.at("test_images").get<std::string>() + ": images of " + std::to_string(d.test.extent(1)) +
                        " pixels, but the training images have " + std::to_string(d.train.extent(1)));
    } else {
      d = split_train_test(read_idx_images(train_path).images, data.at("test_fraction"), seed, "idx:" + train_path);
    }
  }
  // Dynamic binarisation redraws training pixels at every use (in the run loop); test rows are binarised once.
  if (binarize == "static") binarize_static(d.train, seed, 1);
  if (binarize != "none") binarize_static(d.test, seed, 2);
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
    return d;
  }
  if (source == "mnist" || source == "idx") return load_image_dataset(data);
  const std::string path = data.at("path");
  const double test_fraction = data.at("test_fraction");
  if (source == "csv") return split_train_test(load_csv(path), test_fraction, seed, "csv:" + path);
  const std::string dataset = data.at("dataset");
  return split_train_test(load_hdf5_dataset(path, dataset), test_fraction, seed, "hdf5:" + path + ":" + dataset);
}

std::size_t lattice_side(std::size_t dim, const std::string& where) {
  std::size_t side = 0;
  while ((side + 1) * (side + 1) <= dim) ++side;
  if (side * side != dim)
    throw SpecError(where + " reads the " + std::to_string(dim) + " dimensions as an L×L lattice, but " +
                    std::to_string(dim) + " is not a square");
  return side;
}

std::vector<int> coupling_mask(const std::string& kind, std::size_t dim, std::size_t k) {
  std::vector<int> mask(dim);
  const std::size_t side = kind == "checkerboard" ? lattice_side(dim, "model.layers: a checkerboard mask") : 0;
  for (std::size_t j = 0; j < dim; ++j) {
    // On an even-sided lattice stored row-major, j % 2 is the column's parity (stripes);
    // a checkerboard needs the parity of row + column.
    const bool first = kind == "half" ? j < (dim + 1) / 2 : kind == "checkerboard" ? (j / side + j % side) % 2 == 0 : j % 2 == 0;
    mask[j] = (first == (k % 2 == 0)) ? 1 : 0;
  }
  return mask;
}

namespace {
// A layer's spec with the keys it inherits from model.* written in: what a reader needs to rebuild it.
json resolved_layer_config(const json& layer, const json& model) {
  json config = layer;
  const std::string type = layer.at("type");
  std::vector<const char*> inherited;
  if (type == "affine_coupling" || type == "maf" || type == "iaf")
    inherited = {"hidden", "depth", "activation", "scale_bound"};
  else if (type == "additive_coupling" || type == "rqs_coupling" || type == "rqs_autoregressive")
    inherited = {"hidden", "depth", "activation"};
  for (const char* key : inherited)
    if (!config.contains(key)) config[key] = model.at(key);
  return config;
}
}  // namespace

std::unique_ptr<Flow> build_flow(const json& model, std::size_t dim, ParameterStore& store, std::uint64_t seed,
                                 const Communicator& comm, ModelDescription* description) {
  if (dim < 2) throw DataError("a flow needs data with at least 2 dimensions, got " + std::to_string(dim));
  std::vector<std::unique_ptr<Bijector>> chain;
  const std::size_t repeat = model.at("repeat");
  std::size_t couplings = 0;
  for (std::size_t r = 0; r < repeat; ++r) {
    for (const auto& layer : model.at("layers")) {
      const std::size_t index = chain.size();
      const std::string name = "flow." + std::to_string(index);
      const std::string type = layer.at("type");
      auto inherit = [&](const char* key) { return layer.contains(key) ? layer.at(key) : model.at(key); };
      auto conditioner = [&] {
        MlpShape shape;
        shape.hidden = inherit("hidden");
        shape.depth = inherit("depth");
        shape.activation = parse_activation(inherit("activation"));
        return shape;
      };
      const std::uint64_t derived_seed = mix64(seed * 1000003ULL + index);
      if (type == "affine_coupling" || type == "additive_coupling") {
        const bool affine = type == "affine_coupling";
        MlpShape shape = conditioner();
        if (layer.at("conditioner") == "conv") {
          const std::string where = "model.layers[" + std::to_string(index % model.at("layers").size()) + "]";
          const std::size_t side = lattice_side(dim, where + ".conditioner: 'conv'");
          const std::size_t kernel = layer.at("kernel");
          if (kernel % 2 == 0 || kernel / 2 > side)
            throw SpecError(where + ".kernel: " + std::to_string(kernel) + " must be odd and at most 2L + 1");
          shape.lattice_side = side;
          shape.kernel = kernel;
          shape.hidden *= dim;  // channels -> features
        }
        chain.push_back(std::make_unique<AffineCoupling>(
            store, name, coupling_mask(layer.at("mask"), dim, couplings++), shape,
            affine ? inherit("scale_bound").get<Real>() : Real(1),
            affine ? AffineCoupling::Kind::affine : AffineCoupling::Kind::additive));
      } else if (type == "maf" || type == "iaf") {
        const std::uint64_t order_seed = layer.contains("seed") ? layer.at("seed").get<std::uint64_t>() : derived_seed;
        auto step = std::make_unique<MaskedAutoregressive>(store, name, dim, conditioner(),
                                                           inherit("scale_bound").get<Real>(),
                                                           parse_input_order(layer.at("order")), order_seed);
        if (type == "maf")
          chain.push_back(std::move(step));
        else
          chain.push_back(std::make_unique<Inverted>(std::move(step), "IAF"));
      } else if (type == "rqs_coupling" || type == "rqs_autoregressive") {
        SplineConfig c;
        c.bins = layer.at("bins");
        c.tail_bound = layer.at("tail_bound").get<Real>();
        c.min_bin_width = layer.at("min_bin_width").get<Real>();
        c.min_bin_height = layer.at("min_bin_height").get<Real>();
        c.min_derivative = layer.at("min_derivative").get<Real>();
        const std::string where = "model.layers[" + std::to_string(index % model.at("layers").size()) + "]";
        if (double(c.bins) * double(c.min_bin_width) >= 1)
          throw SpecError(where + ".min_bin_width: bins × min_bin_width must be < 1 (got " + std::to_string(c.bins) +
                          " × " + std::to_string(double(c.min_bin_width)) + ")");
        if (double(c.bins) * double(c.min_bin_height) >= 1)
          throw SpecError(where + ".min_bin_height: bins × min_bin_height must be < 1");
        if (type == "rqs_coupling") {
          chain.push_back(std::make_unique<SplineCoupling>(store, name, coupling_mask(layer.at("mask"), dim, couplings++),
                                                           conditioner(), c));
        } else {
          const std::uint64_t order_seed = layer.contains("seed") ? layer.at("seed").get<std::uint64_t>() : derived_seed;
          chain.push_back(std::make_unique<SplineAutoregressive>(store, name, dim, conditioner(), c,
                                                                 parse_input_order(layer.at("order")), order_seed));
        }
      } else if (type == "lu_linear") {
        chain.push_back(std::make_unique<LuLinear>(
            store, name, dim, layer.contains("seed") ? layer.at("seed").get<std::uint64_t>() : derived_seed));
      } else if (type == "planar") {
        chain.push_back(std::make_unique<Planar>(store, name, dim));
      } else if (type == "radial") {
        chain.push_back(std::make_unique<Radial>(store, name, dim));
      } else if (type == "batchnorm") {
        chain.push_back(std::make_unique<BatchNorm>(store, name, dim, comm, layer.at("momentum").get<Real>(),
                                                    layer.at("eps").get<Real>()));
      } else if (type == "actnorm") {
        chain.push_back(std::make_unique<ActNorm>(store, name, dim));
      } else if (type == "reverse") {
        chain.push_back(std::make_unique<Permutation>(Permutation::reverse(dim)));
      } else if (type == "random_permutation") {
        const std::uint64_t s = layer.contains("seed") ? layer.at("seed").get<std::uint64_t>() : derived_seed;
        chain.push_back(std::make_unique<Permutation>(Permutation::random(dim, s)));
      } else {
        throw SpecError("model.layers: unknown layer type '" + type + "'");
      }
      if (description)
        description->layers.push_back({type, name, resolved_layer_config(layer, model), chain.back()->fixed_arrays()});
    }
  }
  // The base: N(0, I); a learnable diagonal Gaussian is N(0, I) behind a final
  // elementwise affine map; a mixture is its own distribution.
  const auto& base = model.at("base");
  std::unique_ptr<BaseDistribution> base_distribution;
  if (base.at("type") == "diagonal_gaussian")
    chain.push_back(std::make_unique<ActNorm>(store, "flow.base", dim, /*data_dependent_init=*/false));
  else if (base.at("type") == "gaussian_mixture")
    base_distribution = std::make_unique<GaussianMixtureBase>(store, "flow.base", dim, base.at("components"));
  if (description) {
    description->kind = "flow";
    description->dim = dim;
    description->base = {base.at("type"), base.at("type") == "standard_normal" ? "" : "flow.base", base, {}};
  }
  return std::make_unique<Flow>(dim, std::move(chain), std::move(base_distribution));
}

std::unique_ptr<Optimizer> build_optimizer(const json& o, std::size_t n) {
  if (o.at("type") == "adam") {
    AdamConfig c;
    c.beta1 = o.at("betas")[0].get<Real>();
    c.beta2 = o.at("betas")[1].get<Real>();
    c.eps = o.at("eps").get<Real>();
    c.weight_decay = o.at("weight_decay").get<Real>();
    c.decoupled_weight_decay = o.at("decoupled_weight_decay");
    return std::make_unique<Adam>(n, c);
  }
  SgdConfig c;
  c.momentum = o.at("momentum").get<Real>();
  c.nesterov = o.at("nesterov");
  c.weight_decay = o.at("weight_decay").get<Real>();
  return std::make_unique<Sgd>(n, c);
}

LearningRateSchedule build_schedule(const json& o, std::int64_t total_steps) {
  LearningRateSchedule s;
  const auto& sched = o.at("schedule");
  s.kind = LearningRateSchedule::parse(sched.at("type"));
  s.base_lr = o.at("lr");
  s.warmup_steps = sched.at("warmup_steps");
  s.final_fraction = sched.at("final_fraction");
  s.total_steps = total_steps;
  return s;
}

std::unique_ptr<Objective> build_objective(const json& objective, Flow& flow, const Target* target) {
  const std::string type = objective.at("type");
  if (type == "nll") return std::make_unique<NegativeLogLikelihood>(flow);
  if (type == "reverse_kl") {
    require(target != nullptr, "build_objective: reverse_kl needs a target");
    if (target->dim() != flow.dim())
      throw SpecError("objective.target: dimension " + std::to_string(target->dim()) + " differs from the flow's " +
                      std::to_string(flow.dim()));
    return std::make_unique<ReverseKl>(flow, *target);
  }
  throw SpecError("objective.type: unknown objective '" + type + "'");
}

std::unique_ptr<LatentVariableModel> build_vae(const json& model, std::size_t dim, ParameterStore& store) {
  VaeShape shape;
  shape.data_dim = dim;
  shape.latent = model.at("latent");
  shape.hidden = model.at("hidden");
  shape.depth = model.at("depth");
  shape.activation = parse_activation(model.at("activation"));
  const json& decoder = model.at("decoder");
  if (model.at("stochastic_layers") == 2) {
    HierarchicalVaeShape two;
    two.data_dim = dim;
    two.latent1 = model.at("latent");
    two.hidden1 = model.at("hidden");
    two.latent2 = model.at("latent2");
    two.hidden2 = model.at("hidden2");
    two.depth = model.at("depth");
    two.activation = parse_activation(model.at("activation"));
    if (decoder.at("type") == "gaussian") {
      two.decoder = DecoderLikelihood::Kind::gaussian;
      two.learned_variance = decoder.at("variance") == "learned";
      two.fixed_variance = decoder.at("fixed_variance");
    }
    return std::make_unique<HierarchicalVae>(store, two);
  }
  if (decoder.at("type") == "gaussian") {
    shape.decoder = VaeShape::Decoder::gaussian;
    shape.learned_variance = decoder.at("variance") == "learned";
    shape.fixed_variance = decoder.at("fixed_variance");
  }
  const json& posterior = model.at("posterior");
  if (posterior.at("type") == "iaf") {
    shape.iaf_steps = posterior.at("steps");
    shape.iaf_hidden = posterior.at("hidden");
    shape.iaf_depth = posterior.at("depth");
    shape.iaf_context = posterior.at("context");
  }
  return std::make_unique<VariationalAutoencoder>(store, shape);
}

std::unique_ptr<Objective> build_vae_objective(const json& objective, LatentVariableModel& vae, std::uint64_t seed,
                                               std::size_t global_batch) {
  BoundOptions options;
  options.samples = objective.at("samples");
  if (objective.at("type") == "iwae") {
    options.kind = BoundOptions::Kind::iwae;
  } else {
    options.beta = objective.at("beta");
    options.analytic_kl = objective.at("kl") == "analytic";
    options.kl_warmup_steps = objective.at("kl_warmup_steps");
  }
  return std::make_unique<ImportanceWeightedBound>(vae, options, RandomStream(seed, 0, Stream::noise), global_batch);
}

std::unique_ptr<Target> build_target(const json& t) {
  const std::string type = t.at("type");
  const std::string where = "objective.target";
  if (type == "gaussian_mixture") {
    using Covariances = std::vector<std::vector<std::vector<double>>>;
    return std::make_unique<GaussianMixture>(
        t.at("means").get<std::vector<std::vector<double>>>(),
        t.contains("covariances") ? t.at("covariances").get<Covariances>() : Covariances{},
        t.contains("weights") ? t.at("weights").get<std::vector<double>>() : std::vector<double>{}, where);
  }
  if (type == "correlated_gaussian")
    return std::make_unique<GaussianMixture>(
        GaussianMixture::correlated(t.at("dim"), t.at("correlation"), t.at("scale"), where));
  if (type == "phi4")
    return std::make_unique<Phi4Lattice>(t.at("side"), t.at("mass_squared").get<double>(), t.at("coupling").get<double>());
  return std::make_unique<Energy2d>(Energy2d::parse(type));
}

}  // namespace tractable
