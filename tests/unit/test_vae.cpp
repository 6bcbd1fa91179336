// The VAE family against ground truth: exact gradients of ELBO and IWAE
// (finite differences, fp64, every decoder), the IWAE bound's relations to the
// ELBO and to log p(x), and log p(x) of a linear-Gaussian VAE, where it is
// analytic: p(x) = N(b, W Wᵀ + v I).
#include "gradient_check.hpp"

#include "problems/vae_evaluation.hpp"
#include "vae/hierarchical_vae.hpp"
#include "vae/vae.hpp"
#include "vae/gaussian_decoder.hpp"
#include "registry/decoder_types.hpp"
#include "objectives/importance_weighted_bound.hpp"

#include <cmath>

using namespace tractable;
using namespace tractable::testing;

namespace {

// A decoder as a spec section names it, built through the registry.
DecoderFactory decoder(const nlohmann::json& section) {
  return decoder_factory(SpecSection(validate(decoder_registry().schema("p(x|z)", "bernoulli"), section), "decoder"));
}
const nlohmann::json bernoulli{{"type", "bernoulli"}};
const nlohmann::json gaussian_fixed{{"type", "gaussian"}, {"variance", "fixed"}, {"fixed_variance", 0.7}};
const nlohmann::json gaussian_learned{{"type", "gaussian"}, {"variance", "learned"}};

VaeShape small_shape(const nlohmann::json& likelihood) {
  VaeShape s;
  s.data_dim = 6;
  s.latent = 3;
  s.network = mlp_network(5, 1, Activation::tanh);
  s.decoder = decoder(likelihood);
  return s;
}

Matrix binary_rows(std::size_t n, std::size_t d, std::uint64_t seed) {
  HostMatrix h("binary_rows", n, d);
  RandomStream r(seed, 0, Stream::data);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) h(i, j) = r.uniform() < 0.4 ? 1 : 0;
  Matrix m("binary_rows", n, d);
  Kokkos::deep_copy(m, h);
  return m;
}

HierarchicalVaeShape two_layer_shape(const nlohmann::json& likelihood) {
  HierarchicalVaeShape s;
  s.data_dim = 6;
  s.latent1 = 4;
  s.network = mlp_network(5, 1, Activation::tanh);
  s.latent2 = 2;
  s.upper_network = mlp_network(3, 1, Activation::tanh);
  s.decoder = decoder(likelihood);
  return s;
}

struct Fixture {
  ParameterStore store;
  std::unique_ptr<LatentVariableModel> vae;
  explicit Fixture(const VaeShape& shape, std::uint64_t seed = 3) : Fixture(seed, [&] {
    return std::make_unique<VariationalAutoencoder>(store, shape);
  }) {}
  explicit Fixture(const HierarchicalVaeShape& shape, std::uint64_t seed = 3) : Fixture(seed, [&] {
    return std::make_unique<HierarchicalVae>(store, shape);
  }) {}
  template <class Make>
  Fixture(std::uint64_t seed, Make make) {
    vae = make();
    store.allocate();
    RandomStream init(seed, 0, Stream::init);
    store.initialize(init);
    // Non-zero learned log-variances, so their gradient is exercised away from v = 1.
    for (const auto& info : store.table())
      if (info.name == "decoder.log_variance") {
        auto values = to_host(store.values());
        for (std::size_t i = 0; i < info.shape[0]; ++i) values(info.offset + i) = Real(0.1 * double(i) - 0.2);
        Kokkos::deep_copy(store.values(), values);
      }
  }
};

template <class Shape>
GradientReport check_objective(const Shape& shape, const BoundOptions& options) {
  Fixture f(shape);
  // Random (not zero) last layers in the IAF steps, so every path of their backward carries gradient.
  {
    auto values = to_host(f.store.values());
    RandomStream r(77, 0, Stream::init);
    for (const auto& info : f.store.table())
      if (info.name.rfind("posterior.", 0) == 0)
        for (std::size_t i = 0; i < info.size(); ++i) values(info.offset + i) = Real(0.3 * r.normal());
    Kokkos::deep_copy(f.store.values(), values);
  }
  ImportanceWeightedBound objective(*f.vae, options, RandomStream(11, 0, Stream::noise), 4);
  objective.set_position(3, 0);
  const Matrix x = f.vae->describe().find("Bernoulli") != std::string::npos ? binary_rows(4, shape.data_dim, 5)
                                                                            : random_matrix(4, shape.data_dim, 5);
  f.store.zero_gradients();
  objective.sum_and_backward(x, Real(1));
  Matrix none("none", 0, 0);
  return finite_difference_check([&] { return objective.sum(x); }, none, none, &f.store);
}

}  // namespace

TEST_CASE("ELBO and IWAE gradients match finite differences for every decoder", "[vae]") {
  struct Case {
    const char* name;
    VaeShape shape;
    BoundOptions options;
  };
  BoundOptions elbo_analytic;
  elbo_analytic.samples = 2;
  BoundOptions elbo_sampled = elbo_analytic;
  elbo_sampled.analytic_kl = false;
  elbo_sampled.beta = 0.7;
  BoundOptions warm = elbo_analytic;
  warm.beta = 2.0;
  warm.kl_warmup_steps = 10;  // at step 3: β = 0.6
  BoundOptions iwae;
  iwae.kind = BoundOptions::Kind::iwae;
  iwae.samples = 5;
  const auto bernoulli_vae = small_shape(bernoulli);
  const auto gauss_fixed = small_shape(gaussian_fixed);
  const auto gauss_learned = small_shape(gaussian_learned);
  auto with_iaf = [](VaeShape s) {
    s.iaf_steps = 2;
    s.iaf_context = 4;
    s.iaf_hidden = 6;
    s.iaf_depth = 1;
    return s;
  };
  for (const Case& c : {Case{"elbo analytic KL, Bernoulli", bernoulli_vae, elbo_analytic},
                        Case{"elbo sampled KL, β 0.7, Bernoulli", bernoulli_vae, elbo_sampled},
                        Case{"elbo with KL warm-up", bernoulli_vae, warm},
                        Case{"iwae k=5, Bernoulli", bernoulli_vae, iwae},
                        Case{"elbo, Gaussian fixed variance", gauss_fixed, elbo_analytic},
                        Case{"iwae, Gaussian learned variance", gauss_learned, iwae},
                        Case{"elbo sampled, Gaussian learned variance", gauss_learned, elbo_sampled},
                        Case{"iwae, IAF posterior (2 steps, context 4), Bernoulli", with_iaf(bernoulli_vae), iwae},
                        Case{"elbo sampled, IAF posterior, Gaussian learned variance", with_iaf(gauss_learned), elbo_sampled}}) {
    SECTION(c.name) {
      const auto report = check_objective(c.shape, c.options);
      INFO(report.where);
      CHECK(report.worst < 1e-6);
    }
  }
}

TEST_CASE("every registered decoder: ELBO and IWAE gradients match finite differences", "[vae]") {
  BoundOptions iwae;
  iwae.kind = BoundOptions::Kind::iwae;
  iwae.samples = 3;
  for (const auto& type : decoder_registry().types()) {
    INFO("decoder type '" << type.name << "' registers no examples (registry/decoder_types.cpp)");
    CHECK(!type.examples.empty());
    for (const auto& example : type.examples) {
      SECTION(example.dump()) {
        const auto report = check_objective(small_shape(example), iwae);
        INFO(report.where);
        CHECK(report.worst < 1e-6);
      }
    }
  }
}

TEST_CASE("two stochastic layers: ELBO and IWAE gradients match finite differences", "[vae]") {
  BoundOptions iwae;
  iwae.kind = BoundOptions::Kind::iwae;
  iwae.samples = 4;
  BoundOptions elbo;
  elbo.samples = 2;
  elbo.analytic_kl = false;
  elbo.beta = 0.8;
  for (const auto& [name, shape, options] :
       {std::tuple{"iwae, Bernoulli", two_layer_shape(bernoulli), iwae},
        std::tuple{"elbo, Gaussian learned variance", two_layer_shape(gaussian_learned), elbo}}) {
    SECTION(name) {
      const auto report = check_objective(shape, options);
      INFO(report.where);
      CHECK(report.worst < 1e-6);
    }
  }
}

TEST_CASE("two stochastic layers: the bounds and log p̂(x) keep their order", "[vae]") {
  Fixture f(two_layer_shape(bernoulli));
  const HostMatrix rows = to_host(binary_rows(10, 6, 2));
  const Communicator comm;
  const auto r = evaluate_vae(*f.vae, rows, 500, {1, 5, 50, 500}, RandomStream(4, 0, Stream::eval), 4096, comm);
  CHECK(r.bounds.at(1) < r.bounds.at(5));
  CHECK(r.bounds.at(5) < r.bounds.at(50));
  CHECK(r.bounds.at(50) < r.bounds.at(500) + 1e-12);
  CHECK(-r.nll == Approx(r.bounds.at(500)).epsilon(1e-12));
}

TEST_CASE("IWAE with k = 1 is the single-sample ELBO (sampled KL) on the same noise", "[vae]") {
  Fixture f(small_shape(bernoulli));
  BoundOptions iwae;
  iwae.kind = BoundOptions::Kind::iwae;
  iwae.samples = 1;
  BoundOptions elbo;
  elbo.samples = 1;
  elbo.analytic_kl = false;
  ImportanceWeightedBound a(*f.vae, iwae, RandomStream(2, 0, Stream::noise), 8);
  ImportanceWeightedBound b(*f.vae, elbo, RandomStream(2, 0, Stream::noise), 8);
  const Matrix x = binary_rows(8, 6, 1);
  CHECK(a.sum(x) == Approx(b.sum(x)).epsilon(1e-12));
}

TEST_CASE("L_k rises with k and log p̂(x) with K samples lies above every L_k", "[vae]") {
  Fixture f(small_shape(bernoulli));
  const HostMatrix rows = to_host(binary_rows(20, 6, 9));
  const Communicator comm;
  const auto r = evaluate_vae(*f.vae, rows, 5000, {1, 5, 50, 500, 5000}, RandomStream(4, 0, Stream::eval), 4096, comm);
  // Nested groups of the same samples: Jensen makes each inequality exact, not just in expectation.
  CHECK(r.bounds.at(1) < r.bounds.at(5));
  CHECK(r.bounds.at(5) < r.bounds.at(50));
  CHECK(r.bounds.at(50) < r.bounds.at(500));
  CHECK(r.bounds.at(500) <= r.bounds.at(5000) + 1e-12);
  CHECK(-r.nll == Approx(r.bounds.at(5000)).epsilon(1e-12));
  CHECK(r.elbo == r.bounds.at(1));
  // The same numbers in passes of a few rows (K larger than the pass): batching does not change the estimate.
  const auto small_passes = evaluate_vae(*f.vae, rows, 5000, {1, 5000}, RandomStream(4, 0, Stream::eval), 700, comm);
  CHECK(small_passes.nll == Approx(r.nll).epsilon(1e-10));
  CHECK(small_passes.bounds.at(1) == Approx(r.bounds.at(1)).epsilon(1e-10));
}

namespace {

// A linear-Gaussian VAE: decoder x = W z + b + N(0, v I), encoder q(z|x) with the exact posterior mean and
// 1.5 × the exact posterior variances (so importance sampling has work to do). W has orthogonal columns,
// so the exact posterior is diagonal: Σ = diag(1 / (1 + |w_l|² / v)), μ = Σ Wᵀ (x − b) / v.
struct LinearGaussian {
  static constexpr std::size_t D = 4, L = 2;
  double W[D][L] = {{1.2, 0.0}, {0.0, -0.8}, {0.5, 0.0}, {0.0, 1.5}};
  double b[D] = {0.3, -0.2, 0.1, 0.5};
  double v = 0.4;
  Fixture f;
  LinearGaussian() : f(shape()) {
    auto values = to_host(f.store.values());
    auto set = [&](const std::string& name, std::size_t i, double value) {
      for (const auto& info : f.store.table())
        if (info.name == name) values(info.offset + i) = Real(value);
    };
    for (std::size_t l = 0; l < L; ++l) {
      double norm2 = 0;
      for (std::size_t d = 0; d < D; ++d) norm2 += W[d][l] * W[d][l];
      const double var = 1 / (1 + norm2 / v);
      double offset = 0;
      for (std::size_t d = 0; d < D; ++d) {
        set("encoder.linear0.weight", l * D + d, var * W[d][l] / v);  // μ rows
        set("encoder.linear0.weight", (L + l) * D + d, 0.0);        // log σ² rows
        offset -= var * W[d][l] / v * b[d];
      }
      set("encoder.linear0.bias", l, offset);
      set("encoder.linear0.bias", L + l, std::log(1.5 * var));
    }
    for (std::size_t d = 0; d < D; ++d) {
      for (std::size_t l = 0; l < L; ++l) set("decoder.linear0.weight", d * L + l, W[d][l]);
      set("decoder.linear0.bias", d, b[d]);
    }
    Kokkos::deep_copy(f.store.values(), values);
  }
  static VaeShape shape() {
    VaeShape s;
    s.data_dim = D;
    s.latent = L;
    s.network = mlp_network(200, 0, Activation::tanh);  // one linear map each way: probabilistic PCA
    s.decoder = gaussian_decoder(/*learned=*/false, 0.4);
    return s;
  }
  // log N(x; b, W Wᵀ + v I): with orthogonal columns, C = v I + Σ_l w_l w_lᵀ has eigenvalues v + |w_l|² along
  // w_l and v elsewhere.
  double log_marginal(const double* x) const {
    double quad = 0, log_det = double(D) * std::log(v), r2 = 0;
    for (std::size_t d = 0; d < D; ++d) r2 += (x[d] - b[d]) * (x[d] - b[d]);
    quad = r2 / v;
    for (std::size_t l = 0; l < L; ++l) {
      double norm2 = 0, proj = 0;
      for (std::size_t d = 0; d < D; ++d) {
        norm2 += W[d][l] * W[d][l];
        proj += W[d][l] * (x[d] - b[d]);
      }
      log_det += std::log(1 + norm2 / v);
      // Along unit vector u = w/|w|: 1/(v + |w|²) instead of 1/v.
      quad += proj * proj / norm2 * (1 / (v + norm2) - 1 / v);
    }
    return -0.5 * (quad + log_det + double(D) * std::log(2 * M_PI));
  }
};

}  // namespace

TEST_CASE("linear-Gaussian VAE: the K = 5000 estimate of log p(x) is within 0.05 nats of the analytic value",
          "[vae]") {
  LinearGaussian lg;
  HostMatrix rows("rows", 12, LinearGaussian::D);
  RandomStream r(17, 0, Stream::data);
  double exact = 0;
  for (std::size_t i = 0; i < rows.extent(0); ++i) {
    double x[LinearGaussian::D];
    for (std::size_t d = 0; d < LinearGaussian::D; ++d) rows(i, d) = x[d] = 1.5 * r.normal();
    exact += lg.log_marginal(x) / double(rows.extent(0));
  }
  const Communicator comm;
  const auto est = evaluate_vae(*lg.f.vae, rows, 5000, {1, 5000}, RandomStream(8, 0, Stream::eval), 4096, comm);
  INFO("analytic mean log p(x) " << exact << ", estimate " << -est.nll << ", ELBO " << est.elbo);
  CHECK(std::abs(-est.nll - exact) < 0.05);
  CHECK(est.elbo < exact);  // a lower bound, strictly: q is not the posterior
}

TEST_CASE("Gaussian decoder: the reconstruction term is squared error plus the variance term (closed form)",
          "[vae]") {
  // For a linear decoder, E_q[log p(x|z)] = −½ (|x − Wμ − b|² + Σ_l σ_l² |w_l|²) / v − (D/2) log(2π v).
  LinearGaussian lg;
  HostMatrix x_host("x", 1, LinearGaussian::D);
  const double x[LinearGaussian::D] = {0.9, -1.1, 0.2, 1.7};
  for (std::size_t d = 0; d < LinearGaussian::D; ++d) x_host(0, d) = x[d];
  Matrix xd("x", 1, LinearGaussian::D);
  Kokkos::deep_copy(xd, x_host);
  const Matrix posterior = lg.f.vae->encode(xd);
  const auto post = to_host(posterior);
  double closed = -0.5 * double(LinearGaussian::D) * std::log(2 * M_PI * lg.v), sq = 0, spread = 0;
  for (std::size_t d = 0; d < LinearGaussian::D; ++d) {
    double mean = lg.b[d];
    for (std::size_t l = 0; l < LinearGaussian::L; ++l) mean += lg.W[d][l] * post(0, l);
    sq += (x[d] - mean) * (x[d] - mean);
  }
  for (std::size_t l = 0; l < LinearGaussian::L; ++l) {
    double norm2 = 0;
    for (std::size_t d = 0; d < LinearGaussian::D; ++d) norm2 += lg.W[d][l] * lg.W[d][l];
    spread += std::exp(post(0, LinearGaussian::L + l)) * norm2;
  }
  closed -= 0.5 * (sq + spread) / lg.v;
  const std::size_t k = 200000;
  const Matrix eps = random_matrix(k, LinearGaussian::L, 21);
  Matrix posterior_copy("posterior", 1, 2 * LinearGaussian::L);
  Kokkos::deep_copy(posterior_copy, posterior);
  const auto terms = to_host(lg.f.vae->log_weight_terms(xd, posterior_copy, eps, k));
  double mc = 0;
  for (std::size_t r = 0; r < k; ++r) mc += terms(r, 0) / double(k);
  INFO("closed form " << closed << ", Monte Carlo " << mc);
  CHECK(std::abs(mc - closed) < 0.02);
}

TEST_CASE("amortisation gap: optimising q per example never lowers the ELBO", "[vae]") {
  LinearGaussian lg;  // q has 1.5 × the optimal variances: a gap to close
  HostMatrix rows("rows", 5, LinearGaussian::D);
  RandomStream r(3, 0, Stream::data);
  for (std::size_t i = 0; i < rows.extent(0); ++i)
    for (std::size_t d = 0; d < LinearGaussian::D; ++d) rows(i, d) = r.normal();
  const Communicator comm;
  const auto gap = measure_amortization_gap(*lg.f.vae, rows, 5, 300, 0.02, 10, 2000, RandomStream(5, 0, Stream::eval), comm);
  INFO("encoder ELBO " << gap.encoder_elbo << ", optimised " << gap.optimized_elbo);
  // Analytic gap: Σ_l ½(s − 1 − log s) with s = 1.5 per latent dimension (KL of the inflated to the exact posterior).
  const double analytic = 2 * 0.5 * (1.5 - 1 - std::log(1.5));
  CHECK(gap.gap() == Approx(analytic).margin(0.03));
}

TEST_CASE("IAF posterior: log|det| equals the log-determinant of the brute-force Jacobian", "[vae]") {
  ParameterStore store;
  IafPosterior flow(store, "posterior", IafPosteriorShape{3, 2, 5, 1, 3, Activation::elu});
  store.allocate();
  RandomStream init(9, 0, Stream::init);
  store.initialize(init);
  {
    auto values = to_host(store.values());
    RandomStream r(5, 0, Stream::init);
    for (std::size_t i = 0; i < values.extent(0); ++i) values(i) = Real(0.5 * r.normal());
    Kokkos::deep_copy(store.values(), values);
  }
  const Matrix context = random_matrix(1, 2, 4);
  const Matrix z0 = random_matrix(1, 3, 6);
  Vector logdet("logdet", 1);
  flow.forward(z0, context, 1, logdet);
  const double analytic = to_host(logdet)(0);
  double J[3][3];
  const double h = 1e-6;
  for (std::size_t c = 0; c < 3; ++c) {
    Vector scratch("scratch", 1);
    nudge(z0, 0, c, h);
    const auto up = to_host(flow.forward(z0, context, 1, scratch));
    nudge(z0, 0, c, -2 * h);
    const auto down = to_host(flow.forward(z0, context, 1, scratch));
    nudge(z0, 0, c, h);
    for (std::size_t r = 0; r < 3; ++r) J[r][c] = (up(0, r) - down(0, r)) / (2 * h);
  }
  const double det = J[0][0] * (J[1][1] * J[2][2] - J[1][2] * J[2][1]) - J[0][1] * (J[1][0] * J[2][2] - J[1][2] * J[2][0]) +
                     J[0][2] * (J[1][0] * J[2][1] - J[1][1] * J[2][0]);
  INFO("analytic " << analytic << ", brute force " << std::log(std::abs(det)));
  CHECK(analytic == Approx(std::log(std::abs(det))).margin(1e-7));
  // Autoregressive across steps with alternating order: the Jacobian is a product of triangular ones, not triangular.
  CHECK(std::abs(J[0][2]) + std::abs(J[2][0]) > 1e-3);
}
