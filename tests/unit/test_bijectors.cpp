// One harness over every bijector (fp64): round trip, log-det against a
// finite-difference Jacobian, log-dets that cancel, input and parameter
// gradients in both directions, and finiteness on extreme inputs.
// Every registered bijector type is here through the examples it registers,
// and again conditioned on a context (E = 2) when it takes one: then the
// context's gradient is checked too, and the round trip and log-dets hold at
// a fixed context.
#include "gradient_check.hpp"

#include "flows/actnorm.hpp"
#include "flows/batch_norm.hpp"
#include "flows/affine_transform.hpp"
#include "flows/autoregressive.hpp"
#include "flows/coupling.hpp"
#include "flows/inverted.hpp"
#include "flows/lu_linear.hpp"
#include "flows/permutation.hpp"
#include "flows/planar.hpp"
#include "flows/radial.hpp"
#include "flows/rational_quadratic_spline.hpp"
#include "experiment/spec.hpp"
#include "registry/bijector_types.hpp"
#include "parallel/communicator.hpp"

#include <cmath>
#include <functional>
#include <set>
#include <memory>

using namespace tractable;
using namespace tractable::testing;

namespace {

struct BijectorCase {
  std::string label;
  std::function<std::unique_ptr<Bijector>(ParameterStore&)> make;
};

constexpr std::size_t kContextFeatures = 2;

// A random context for the next calls of `b` (none when it reads none); the layer keeps the views.
Matrix give_context(Bijector& b, std::size_t batch, std::uint64_t seed) {
  if (b.context_features() == 0) return Matrix();
  Matrix h = random_matrix(batch, b.context_features(), seed);
  b.set_context(h, Matrix("dh", batch, b.context_features()));
  return h;
}

MlpShape small_mlp(Activation a, std::size_t depth = 2) {
  MlpShape s;
  s.hidden = 8;
  s.depth = depth;
  s.activation = a;
  return s;
}

// Every registered bijector type, built through the registry from the examples it registers (so a
// registered type the harness cannot build fails here), each in evaluation mode; conditioner
// networks default to width 8, depth 2, tanh.
// Example `e` of a registered type, built through the registry (conditioned on E features when E > 0).
std::unique_ptr<Bijector> build_example(const BijectorRegistration& type, std::size_t e, std::size_t context_features,
                                        ParameterStore& store) {
  static const nlohmann::json model{{"hidden", 8}, {"depth", 2}, {"activation", "tanh"}, {"scale_bound", 2.0}};
  static const Schema layer_schema = bijector_registry().schema("bijector type");
  const nlohmann::json layer = validate(layer_schema, type.examples[e].at("layer"), "example");
  const auto build = bijector_registry().configure(SpecSection(layer, "example", &model));
  std::size_t couplings = 0;
  BijectorContext context{store, "b", type.examples[e].at("dim"), 7, couplings, single_rank(), "example",
                          context_features};
  auto b = build(context);
  b->set_training(false);
  return b;
}

std::vector<BijectorCase> registered_cases() {
  std::vector<BijectorCase> cases;
  for (const auto& type : bijector_registry().types()) {
    for (std::size_t e = 0; e < type.examples.size(); ++e) {
      const std::string label = type.name + " D=" + type.examples[e].at("dim").dump() + " " +
                                type.examples[e].at("layer").dump();
      cases.push_back({label, [&type, e](ParameterStore& s) { return build_example(type, e, 0, s); }});
      // Conditioned, when the type conditions on a context (not when it refuses one, needs none, or the
      // example's settings cannot read one: the lattice conditioner).
      ParameterStore probe;
      bool conditions = false;
      try {
        conditions = build_example(type, e, kContextFeatures, probe)->context_features() > 0;
      } catch (const SpecError&) {
        CHECK(type.examples[e].at("layer").value("conditioner", "") == "conv");
      }
      if (conditions)
        cases.push_back({label + " context E=" + std::to_string(kContextFeatures),
                         [&type, e](ParameterStore& s) { return build_example(type, e, kContextFeatures, s); }});
    }
  }
  return cases;
}

const std::vector<BijectorCase>& all_bijectors() {
  static const std::vector<BijectorCase> cases = [] {
    auto all = registered_cases();
    // The layers are written once over the transform: also cover the combinations no spec type uses,
    // so each of Oriented's two directions is proven with a transform whose log-slope depends on x.
    const std::vector<BijectorCase> combinations{
        {"autoregressive spline, density applies f^-1, D=3",
         [](ParameterStore& s) { SplineConfig c; c.bins = 5; c.tail_bound = 2; return std::make_unique<Autoregressive<SplineTransform>>(s, "r", 3, small_mlp(Activation::tanh), SplineTransform(c), DensityMap::inverse_transform, InputOrder::reversed, 0); }},
        {"autoregressive affine, density applies f, D=4",
         [](ParameterStore& s) { return std::make_unique<Autoregressive<AffineTransform>>(s, "m", 4, small_mlp(Activation::elu), AffineTransform::affine(1.5), DensityMap::transform, InputOrder::random, 2); }}};
    all.insert(all.end(), combinations.begin(), combinations.end());
    return all;
  }();
  return cases;
}

// A bijector with random (non-identity) parameters.
std::unique_ptr<Bijector> build(const BijectorCase& c, ParameterStore& store) {
  auto b = c.make(store);
  store.allocate();
  Matrix flat(store.values().data(), 1, store.size());
  RandomStream(11, 0, Stream::init).fill_normal(flat, 0, 0.4);
  return b;
}

}  // namespace

TEST_CASE("every bijector: inverse(forward(x)) = x and the log-dets cancel", "[bijector]") {
  for (const auto& c : all_bijectors()) {
    SECTION(c.label) {
      ParameterStore store;
      auto b = build(c, store);
      const std::size_t batch = 6;
      Matrix x = random_matrix(batch, b->dim(), 3, 1.5);
      Vector ld_forward("ldf", batch), ld_inverse("ldi", batch);
      Matrix y("y", batch, b->dim());
      give_context(*b, batch, 13);
      Kokkos::deep_copy(y, b->forward(x, ld_forward));
      const auto back = to_host(b->inverse(y, ld_inverse));
      const auto xh = to_host(x);
      const auto f = to_host(ld_forward), g = to_host(ld_inverse);
      for (std::size_t i = 0; i < batch; ++i) {
        for (std::size_t j = 0; j < b->dim(); ++j) CHECK(back(i, j) == Approx(xh(i, j)).margin(1e-12));
        CHECK(f(i) + g(i) == Approx(0).margin(1e-12));
      }
    }
  }
}

TEST_CASE("every bijector: log|det J| matches a finite-difference Jacobian in both directions", "[bijector]") {
  for (const auto& c : all_bijectors()) {
    SECTION(c.label) {
      ParameterStore store;
      auto b = build(c, store);
      const std::size_t batch = 5;
      Matrix x = random_matrix(batch, b->dim(), 5);
      give_context(*b, batch, 14);
      for (bool forward : {true, false}) {
        Vector ld("ld", batch);
        if (forward)
          b->forward(x, ld);
        else
          b->inverse(x, ld);
        const auto analytic = to_host(ld);
        const auto numeric = numeric_log_abs_det(*b, x, forward);
        for (std::size_t i = 0; i < batch; ++i) CHECK(analytic(i) == Approx(numeric[i]).margin(1e-7));
      }
    }
  }
}

TEST_CASE("every bijector: input and parameter gradients match finite differences", "[bijector][gradient]") {
  for (const auto& c : all_bijectors()) {
    SECTION(c.label) {
      ParameterStore store;
      auto b = build(c, store);
      Matrix x = random_matrix(4, b->dim(), 9);
      const Matrix context = give_context(*b, 4, 15);
      for (bool forward : {true, false}) {
        const auto report = check_bijector_direction(*b, store, x, forward, 21, context);
        INFO((forward ? "forward: " : "inverse: ") << report.where);
        CHECK(report.worst < 1e-6);
      }
    }
  }
}

TEST_CASE("every bijector stays finite on extreme inputs", "[bijector]") {
  for (const auto& c : all_bijectors()) {
    SECTION(c.label) {
      ParameterStore store;
      auto b = build(c, store);
      const std::size_t dim = b->dim();
      HostMatrix xh("x", 4, dim);
      for (std::size_t j = 0; j < dim; ++j) {
        xh(0, j) = 1e4;
        xh(1, j) = -1e4;
        xh(2, j) = j % 2 ? 1e4 : -1e4;
        xh(3, j) = 0;
      }
      Matrix x("x", 4, dim);
      Kokkos::deep_copy(x, xh);
      give_context(*b, 4, 16);
      for (bool forward : {true, false}) {
        Vector ld("ld", 4);
        const auto out = to_host(forward ? b->forward(x, ld) : b->inverse(x, ld));
        const auto l = to_host(ld);
        for (std::size_t i = 0; i < 4; ++i) {
          CHECK(std::isfinite(l(i)));
          for (std::size_t j = 0; j < dim; ++j) CHECK(std::isfinite(out(i, j)));
        }
      }
    }
  }
}

TEST_CASE("every registered bijector type registers examples for this harness, the lattice conditioner among them", "[bijector]") {
  CHECK(flow_layer_types() == bijector_registry().names());  // the schema's list is the registry's
  for (const auto& type : bijector_registry().types()) {
    INFO("bijector type '" << type.name << "' registers no examples (registry/bijectors/), so no test builds it");
    CHECK(!type.examples.empty());
  }
  bool conv = false;
  for (const auto& c : all_bijectors()) conv = conv || c.label.find("\"conv\"") != std::string::npos;
  CHECK(conv);
}

TEST_CASE("every registered bijector type conditions on a context, needs none, or refuses it with a reason",
          "[bijector][context]") {
  std::set<std::string> conditioning, refusing;
  for (const auto& type : bijector_registry().types()) {
    ParameterStore store;
    const auto b = build_example(type, 0, kContextFeatures, store);
    if (b->context_refusal()) refusing.insert(type.name);
    if (b->context_features() > 0) {
      CHECK(b->context_features() == kContextFeatures);
      CHECK(!b->context_refusal());
      conditioning.insert(type.name);
    }
  }
  // What the documentation promises: every network-conditioned layer takes c; these three refuse it.
  CHECK(conditioning == std::set<std::string>{"affine_coupling", "additive_coupling", "rqs_coupling", "maf", "iaf",
                                              "rqs_autoregressive"});
  CHECK(refusing == std::set<std::string>{"planar", "radial", "batchnorm"});
}

TEST_CASE("actnorm: data-dependent initialisation standardises the first batch", "[bijector]") {
  ParameterStore store;
  ActNorm norm(store, "a", 3);
  store.allocate();
  Matrix x = random_matrix(200, 3, 8, 3.0);
  auto xh = to_host(x);
  for (std::size_t i = 0; i < 200; ++i) xh(i, 1) += 5;  // an offset column
  Kokkos::deep_copy(x, xh);
  Communicator self(MPI_COMM_SELF);
  norm.initialize_from_data(x, self);
  Vector ld("ld", 200);
  const auto y = to_host(norm.forward(x, ld));
  for (std::size_t j = 0; j < 3; ++j) {
    double mean = 0, sq = 0;
    for (std::size_t i = 0; i < 200; ++i) {
      mean += y(i, j) / 200;
      sq += y(i, j) * y(i, j) / 200;
    }
    CHECK(mean == Approx(0).margin(1e-10));
    CHECK(sq - mean * mean == Approx(1).epsilon(1e-5));
  }
}

TEST_CASE("maf and iaf are each other's inverse arrangement", "[bijector]") {
  ParameterStore store;
  MlpShape shape;
  shape.hidden = 8;
  shape.depth = 1;
  shape.activation = Activation::tanh;
  auto maf = std::make_unique<Autoregressive<AffineTransform>>(store, "m", 3, shape, AffineTransform::affine(2.0, 1, 0),
                                                                DensityMap::inverse_transform, InputOrder::natural, 0);
  auto* raw = maf.get();
  Inverted iaf(std::move(maf), "IAF");
  store.allocate();
  Matrix flat(store.values().data(), 1, store.size());
  RandomStream(12, 0, Stream::init).fill_normal(flat, 0, 0.5);
  CHECK(raw->forward_cost() == PassCost::parallel);
  CHECK(raw->inverse_cost() == PassCost::sequential);
  CHECK(iaf.forward_cost() == PassCost::sequential);
  CHECK(iaf.inverse_cost() == PassCost::parallel);
  Matrix x = random_matrix(4, 3, 1);
  Vector a("a", 4), b("b", 4);
  const auto via_maf = to_host(raw->inverse(x, a));
  const auto via_iaf = to_host(iaf.forward(x, b));
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 3; ++j) CHECK(via_maf(i, j) == via_iaf(i, j));
}

TEST_CASE("rational-quadratic spline: identity at zero parameters, exact on knots, finite in the tails", "[bijector][spline]") {
  SplineConfig c;
  c.bins = 6;
  c.tail_bound = 2.5;
  const int P = c.parameters();
  // Column 0: all-zero raw parameters; column 1: random ones.
  Matrix raw("raw", 1, 2 * P);
  {
    auto h = to_host(random_matrix(1, 2 * P, 77, 1.5));
    for (int p = 0; p < P; ++p) h(0, 2 * p) = 0;  // layout: parameter p of column j at p·2 + j
    Kokkos::deep_copy(raw, h);
  }
  // Points: every knot of the random spline (in x and in y), the interval ends, tails, and 0.
  const int n = 2 * (c.bins + 1) + 4;
  // Host views are the device views' mirrors: the same layout on every backend (LayoutLeft on CUDA).
  Kokkos::View<double**, MemSpace> points("points", n, 2), out("out", n, 6);
  auto host_points = Kokkos::create_mirror_view(points);
  {
    auto h = to_host(raw);
    std::vector<double> w(c.bins), hh(c.bins);
    double mw = -1e300, mh = -1e300, sw = 0, sh = 0;
    for (int i = 0; i < c.bins; ++i) {
      mw = std::max(mw, h(0, 2 * i + 1));
      mh = std::max(mh, h(0, 2 * (c.bins + i) + 1));
    }
    for (int i = 0; i < c.bins; ++i) {
      w[i] = std::exp(h(0, 2 * i + 1) - mw);
      hh[i] = std::exp(h(0, 2 * (c.bins + i) + 1) - mh);
      sw += w[i];
      sh += hh[i];
    }
    double xk = -c.tail_bound, yk = -c.tail_bound;
    for (int i = 0; i <= c.bins; ++i) {
      host_points(i, 0) = xk;
      host_points(c.bins + 1 + i, 0) = yk;
      if (i < c.bins) {
        xk += 2 * c.tail_bound * (c.min_bin_width + (1 - c.bins * c.min_bin_width) * w[i] / sw);
        yk += 2 * c.tail_bound * (c.min_bin_height + (1 - c.bins * c.min_bin_height) * hh[i] / sh);
      }
    }
    const double extra[4] = {-1e4, 1e4, 0.0, c.tail_bound};
    for (int i = 0; i < 4; ++i) host_points(2 * (c.bins + 1) + i, 0) = extra[i];
  }
  auto result = Kokkos::create_mirror_view(out);
  Kokkos::deep_copy(points, host_points);
  Kokkos::parallel_for("test::spline_points", RangePolicy(0, n), KOKKOS_LAMBDA(const std::size_t i) {
    const Real x = points(i, 0);
    const auto id = spline_evaluate(c, TransformParameters{raw, 0, 0, 2}, x);
    const auto f = spline_evaluate(c, TransformParameters{raw, 0, 1, 2}, x);
    Real back = 0, inv = 0;
    spline_invert(c, TransformParameters{raw, 0, 1, 2}, f.y, back);  // round trip through the random spline
    const auto g = spline_invert(c, TransformParameters{raw, 0, 1, 2}, x, inv);  // x read as a y (y-knots too)
    out(i, 0) = id.y;
    out(i, 1) = id.slope;
    out(i, 2) = back;
    out(i, 3) = f.slope;
    out(i, 4) = inv;
    out(i, 5) = g.slope;
  });
  Kokkos::deep_copy(result, out);
  for (int i = 0; i < n; ++i) {
    const double x = host_points(i, 0);
    INFO("x = " << x);
    CHECK(result(i, 0) == Approx(x).margin(1e-12));  // identity
    CHECK(result(i, 1) == Approx(1.0).margin(1e-12));
    CHECK(result(i, 2) == Approx(x).margin(1e-9 * std::max(1.0, std::abs(x))));  // f^{-1}(f(x)) = x
    for (int k = 3; k < 6; ++k) CHECK(std::isfinite(result(i, k)));
    CHECK(result(i, 3) > 0);
    CHECK(result(i, 5) > 0);
  }
}

TEST_CASE("batchnorm in training mode: gradients through the batch statistics match finite differences", "[bijector][gradient]") {
  ParameterStore store;
  BatchNorm norm(store, "bn", 3, single_rank(), 0.1, 1e-5);
  store.allocate();
  Matrix flat(store.values().data(), 1, store.size());
  RandomStream(4, 0, Stream::init).fill_normal(flat, 0, 0.5);
  Matrix x = random_matrix(7, 3, 40, 2.0);
  const auto report = check_bijector_direction(norm, store, x, /*forward=*/true, 41);
  INFO(report.where);
  CHECK(report.worst < 1e-6);
  // Batch statistics make each column of y zero-mean with variance exp(2γ).
  Vector ld("ld", 7);
  const auto y = to_host(norm.forward(x, ld));
  const auto p = to_host(store.values());
  for (std::size_t j = 0; j < 3; ++j) {
    double mean = 0;
    for (std::size_t i = 0; i < 7; ++i) mean += (y(i, j) - p(3 + j)) / 7;  // β_j = p(3 + j)
    CHECK(mean == Approx(0).margin(1e-12));
  }
  // The running averages moved towards the batch statistics and live in the buffer table.
  REQUIRE(store.buffer_table().size() == 2);
  const auto running = to_host(store.buffers());
  CHECK(running(3) != 1.0);  // running variance of column 0 moved off its initial 1
  norm.set_training(true);
  CHECK_THROWS(norm.inverse(x, ld));  // sampling needs evaluation mode
}
