// Linear, every activation, the MLP and every registered network against
// central finite differences (fp64), through the shared checker in
// gradient_check.hpp.
#include "gradient_check.hpp"

#include "core/error.hpp"
#include "nn/activation.hpp"
#include "nn/conv1d.hpp"
#include "nn/deep_set.hpp"
#include "nn/linear.hpp"
#include "nn/made.hpp"
#include "nn/mlp.hpp"
#include "nn/periodic_conv2d.hpp"
#include "registry/network_types.hpp"

using namespace tractable;
using namespace tractable::testing;

TEST_CASE("Linear: forward is x W^T + b", "[layer]") {
  ParameterStore store;
  Linear layer(store, "lin", 3, 2);
  store.allocate();
  HostVector p("p", store.size());
  for (std::size_t k = 0; k < store.size(); ++k) p(k) = 0.5 * double(k) - 1;  // W = [[-1,-.5,0],[.5,1,1.5]], b = [2, 2.5]
  Kokkos::deep_copy(store.values(), p);
  HostMatrix xh("x", 1, 3);
  xh(0, 0) = 1;
  xh(0, 1) = 2;
  xh(0, 2) = 3;
  Matrix x("x", 1, 3);
  Kokkos::deep_copy(x, xh);
  const auto y = to_host(layer.forward(x));
  CHECK(y(0, 0) == Approx(-1 * 1 - 0.5 * 2 + 0 * 3 + 2.0));
  CHECK(y(0, 1) == Approx(0.5 * 1 + 1 * 2 + 1.5 * 3 + 2.5));
}

TEST_CASE("Linear: input and parameter gradients match finite differences", "[layer][gradient]") {
  ParameterStore store;
  Linear layer(store, "lin", 5, 3);
  store.allocate();
  RandomStream init(1, 0, Stream::init);
  store.initialize(init);
  const auto report = check_layer(layer, store, 4, 17);
  INFO(report.where);
  CHECK(report.worst < 1e-7);
}

TEST_CASE("Linear: backward accumulates parameter gradients", "[layer]") {
  ParameterStore store;
  Linear layer(store, "lin", 3, 2);
  store.allocate();
  RandomStream init(1, 0, Stream::init);
  store.initialize(init);
  Matrix x = random_matrix(4, 3, 2), dy = random_matrix(4, 2, 3);
  store.zero_gradients();
  layer.forward(x);
  layer.backward(dy);
  const auto once = to_host(store.gradients());
  layer.backward(dy);
  const auto twice = to_host(store.gradients());
  for (std::size_t k = 0; k < store.size(); ++k) CHECK(twice(k) == Approx(2 * once(k)));
}

TEST_CASE("every activation: gradient matches finite differences", "[layer][gradient]") {
  for (const auto& name : activation_names()) {
    SECTION(name) {
      ActivationLayer layer(parse_activation(name), 6);
      ParameterStore empty;
      empty.allocate();
      // Keep inputs away from relu's kink at 0 where the derivative is undefined.
      Matrix x = random_matrix(5, 6, 31);
      auto xh = to_host(x);
      for (std::size_t i = 0; i < 5; ++i)
        for (std::size_t j = 0; j < 6; ++j)
          if (std::abs(xh(i, j)) < 1e-3) xh(i, j) = 0.5;
      Kokkos::deep_copy(x, xh);
      Matrix w = random_matrix(5, 6, 32);
      const auto wh = to_host(w);
      layer.forward(x);
      Matrix dx("dx", 5, 6);
      Kokkos::deep_copy(dx, layer.backward(w));
      const auto report = finite_difference_check([&] { return weighted_sum(layer.forward(x), wh); }, x, dx, &empty);
      INFO(report.where);
      CHECK(report.worst < 1e-7);
    }
  }
}

TEST_CASE("activations: values at known points", "[layer]") {
  HostMatrix xh("x", 1, 3);
  xh(0, 0) = -2;
  xh(0, 1) = 0.5;
  xh(0, 2) = 40;
  Matrix x("x", 1, 3), y("y", 1, 3);
  Kokkos::deep_copy(x, xh);
  auto eval = [&](Activation a) {
    activation_forward(a, x, y);
    return to_host(y);
  };
  auto r = eval(Activation::relu);
  CHECK(r(0, 0) == 0.0);
  CHECK(r(0, 1) == 0.5);
  r = eval(Activation::leaky_relu);
  CHECK(r(0, 0) == Approx(-0.02));
  r = eval(Activation::elu);
  CHECK(r(0, 0) == Approx(std::exp(-2.0) - 1));
  r = eval(Activation::softplus);
  CHECK(r(0, 0) == Approx(std::log1p(std::exp(-2.0))));
  CHECK(r(0, 2) == Approx(40.0));  // no overflow
  r = eval(Activation::tanh);
  CHECK(r(0, 1) == Approx(std::tanh(0.5)));
  CHECK_THROWS_AS(parse_activation("sigmoidd"), SpecError);
}

TEST_CASE("MLP: gradients match finite differences for every activation", "[layer][gradient]") {
  for (const auto& name : activation_names()) {
    SECTION(name) {
      ParameterStore store;
      MlpShape shape;
      shape.in = 3;
      shape.hidden = 7;
      shape.depth = 2;
      shape.out = 4;
      shape.activation = parse_activation(name);
      Mlp mlp(store, "mlp", shape);
      store.allocate();
      RandomStream init(5, 0, Stream::init);
      store.initialize(init);
      const auto report = check_layer(mlp, store, 3, 41);
      INFO(report.where);
      CHECK(report.worst < 1e-6);
    }
  }
}

TEST_CASE("every registered network: gradients match finite differences", "[layer][gradient][network]") {
  // The network harness: each registered type's examples, built by its registration as a VAE or a
  // conditional flow builds them, checked for input and parameter gradients; a type with no example fails.
  for (const auto& type : network_registry().types()) {
    INFO(type.name);
    CHECK_FALSE(type.examples.empty());
    for (const auto& example : type.examples) {
      INFO(example.dump());
      ParameterStore store;
      const auto network = network_factory(SpecSection(example, "example"))(store, "network", 3, 4);
      REQUIRE(network->in_features() == 3);
      REQUIRE(network->out_features() == 4);
      store.allocate();
      RandomStream init(5, 0, Stream::init);
      store.initialize(init);
      const auto report = check_layer(*network, store, 3, 41);
      INFO(report.where);
      CHECK(report.worst < 1e-6);
    }
  }
}

TEST_CASE("PeriodicConv2d: forward is the direct periodic convolution sum", "[layer]") {
  const std::size_t L = 5, C = 2, O = 3, k = 3, B = 2;
  ParameterStore store;
  PeriodicConv2d conv(store, "conv", C, O, L, k);
  store.allocate();
  RandomStream init(3, 0, Stream::init);
  store.initialize(init);
  const Matrix x = random_matrix(B, C * L * L, 9);
  const auto y = to_host(conv.forward(x));
  const auto xh = to_host(x);
  const auto p = to_host(store.values());  // weight [O, C·k²] then bias [O]
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t o = 0; o < O; ++o)
      for (std::size_t t = 0; t < L; ++t)
        for (std::size_t s = 0; s < L; ++s) {
          double expected = p(O * C * k * k + o);
          for (std::size_t c = 0; c < C; ++c)
            for (int u = -1; u <= 1; ++u)
              for (int v = -1; v <= 1; ++v) {
                const std::size_t tt = (t + L + u) % L, ss = (s + L + v) % L;
                expected += p(o * C * k * k + (c * k + std::size_t(u + 1)) * k + std::size_t(v + 1)) *
                            xh(b, c * L * L + tt * L + ss);
              }
          CHECK(y(b, o * L * L + t * L + s) == Approx(expected).epsilon(1e-12));
        }
}

TEST_CASE("Conv1d: forward is the direct zero-padded convolution sum; its gradients match finite differences", "[layer][gradient]") {
  const std::size_t T = 6, C = 2, O = 3, k = 3, B = 2;
  ParameterStore store;
  Conv1d conv(store, "conv", C, O, T, k);
  store.allocate();
  RandomStream init(3, 0, Stream::init);
  store.initialize(init);
  const Matrix x = random_matrix(B, C * T, 9);
  const auto y = to_host(conv.forward(x));
  const auto xh = to_host(x);
  const auto p = to_host(store.values());  // weight [O, C·k] then bias [O]
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t o = 0; o < O; ++o)
      for (std::size_t t = 0; t < T; ++t) {
        double expected = p(O * C * k + o);
        for (std::size_t c = 0; c < C; ++c)
          for (int u = -1; u <= 1; ++u) {
            const long at = long(t) + u;
            if (at < 0 || at >= long(T)) continue;  // zero padding
            expected += p(o * C * k + c * k + std::size_t(u + 1)) * xh(b, c * T + std::size_t(at));
          }
        CHECK(y(b, o * T + t) == Approx(expected).epsilon(1e-12));
      }
  const auto report = check_layer(conv, store, 3, 43);
  INFO(report.where);
  CHECK(report.worst < 1e-6);
}

TEST_CASE("PeriodicConv2d: translation equivariant on the torus", "[layer]") {
  const std::size_t L = 4, B = 1;
  ParameterStore store;
  PeriodicConv2d conv(store, "conv", 1, 2, L, 3);
  store.allocate();
  RandomStream init(4, 0, Stream::init);
  store.initialize(init);
  const Matrix x = random_matrix(B, L * L, 5);
  const auto xh = to_host(x);
  HostMatrix shifted_h("shifted", B, L * L);  // x moved by (1, 3)
  for (std::size_t t = 0; t < L; ++t)
    for (std::size_t s = 0; s < L; ++s) shifted_h(0, ((t + 1) % L) * L + (s + 3) % L) = xh(0, t * L + s);
  Matrix shifted("shifted", B, L * L);
  Kokkos::deep_copy(shifted, shifted_h);
  const auto y = to_host(Matrix(conv.forward(x)));
  HostMatrix y_copy("y", B, 2 * L * L);
  Kokkos::deep_copy(y_copy, y);
  const auto ys = to_host(conv.forward(shifted));
  for (std::size_t o = 0; o < 2; ++o)
    for (std::size_t t = 0; t < L; ++t)
      for (std::size_t s = 0; s < L; ++s)
        CHECK(ys(0, o * L * L + ((t + 1) % L) * L + (s + 3) % L) == Approx(y_copy(0, o * L * L + t * L + s)));
}

TEST_CASE("PeriodicConv2d and a CNN conditioner: gradients match finite differences", "[layer][gradient]") {
  SECTION("one convolution, 3x3 and 5x5 kernels, odd and even sides") {
    for (const auto& [L, k] : {std::pair<std::size_t, std::size_t>{4, 3}, {5, 5}, {3, 3}}) {
      ParameterStore store;
      PeriodicConv2d conv(store, "conv", 2, 3, L, k);
      store.allocate();
      RandomStream init(6, 0, Stream::init);
      store.initialize(init);
      const auto report = check_layer(conv, store, 3, 43);
      INFO("L = " << L << ", k = " << k << ": " << report.where);
      CHECK(report.worst < 1e-7);
    }
  }
  SECTION("a CNN: 1 -> 4 -> 4 -> 2 channels, leaky ReLU") {
    ParameterStore store;
    MlpShape shape;
    shape.lattice_side = 4;
    shape.in = 16;
    shape.hidden = 4 * 16;
    shape.depth = 2;
    shape.out = 2 * 16;
    shape.activation = Activation::leaky_relu;
    Mlp cnn(store, "cnn", shape);
    store.allocate();
    RandomStream init(7, 0, Stream::init);
    store.initialize(init);
    const auto report = check_layer(cnn, store, 2, 47);
    INFO(report.where);
    CHECK(report.worst < 1e-6);
    shape.hidden = 17;  // not a whole number of channels
    CHECK_THROWS(Mlp(store, "bad", shape));
  }
}

TEST_CASE("ParameterStore: one flat buffer with a name/offset/shape table", "[core]") {
  ParameterStore store;
  Linear a(store, "a", 2, 3);
  Linear b(store, "b", 3, 1);
  store.allocate();
  REQUIRE(store.table().size() == 4);
  CHECK(store.table()[0].name == "a.weight");
  CHECK(store.table()[1].offset == 6);
  CHECK(store.table()[2].name == "b.weight");
  CHECK(store.table()[3].offset == 6 + 3 + 3);
  CHECK(store.size() == 6 + 3 + 3 + 1);
  CHECK(store.name_of_element(7) == "a.bias");
  // Views alias the flat buffer.
  Kokkos::deep_copy(store.values(), 0.0);
  Kokkos::deep_copy(store.matrix(2), 3.0);
  const auto flat = to_host(store.values());
  CHECK(flat(8) == 0.0);
  CHECK(flat(9) == 3.0);
  CHECK(flat(11) == 3.0);
  CHECK(flat(12) == 0.0);
  CHECK_THROWS(store.reserve("late", {1}, Initializer::zeros()));
}

TEST_CASE("MADE: output d depends exactly on the inputs before it in the order", "[layer]") {
  for (auto order : {InputOrder::natural, InputOrder::reversed, InputOrder::random}) {
    const std::size_t dim = 5;
    auto connectivity = made_connectivity(dim, 6, 2, 2, order, 17);
    ParameterStore store;
    MlpShape shape;
    shape.in = dim;
    shape.hidden = 6;
    shape.depth = 2;
    shape.out = 2 * dim;
    shape.activation = Activation::tanh;
    Mlp made(store, "made", shape, connectivity.masks);
    store.allocate();
    Matrix flat(store.values().data(), 1, store.size());
    RandomStream(2, 0, Stream::init).fill_normal(flat, 0, 0.7);
    Matrix x = random_matrix(1, dim, 5);
    const auto base = to_host(made.forward(x));
    for (std::size_t i = 0; i < dim; ++i) {
      nudge(x, 0, i, 1e-3);
      const auto moved = to_host(made.forward(x));
      nudge(x, 0, i, -1e-3);
      for (std::size_t o = 0; o < 2 * dim; ++o) {
        const int out_degree = connectivity.input_degrees[o % dim], in_degree = connectivity.input_degrees[i];
        const bool depends = moved(0, o) != base(0, o);
        INFO("output " << o << " (degree " << out_degree << "), input " << i << " (degree " << in_degree << ")");
        CHECK(depends == (in_degree < out_degree));  // connected exactly to every earlier input
      }
    }
  }
  CHECK_THROWS_AS(made_connectivity(6, 4, 1, 2, InputOrder::natural, 0), SpecError);  // hidden < D − 1
}

TEST_CASE("DeepSet: invariant under permutations of the points, and of any number of them", "[layer][network]") {
  ParameterStore store;
  DeepSetShape shape;
  shape.point_dim = 2;
  shape.hidden = 6;
  shape.pooled = 5;
  shape.depth = 1;
  shape.activation = Activation::tanh;
  DeepSet net(store, "set", 8, 3, shape);
  store.allocate();
  RandomStream init(2, 0, Stream::init);
  store.initialize(init);
  const Matrix x = random_matrix(4, 8, 9);
  const auto y = to_host(net.forward(x));
  // Points (0, 1, 2, 3) -> (2, 0, 3, 1), each point's two features kept together.
  const auto hx = to_host(x);
  HostMatrix permuted("permuted", 4, 8);
  const int order[4] = {2, 0, 3, 1};
  for (int b = 0; b < 4; ++b)
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 2; ++j) permuted(b, 2 * i + j) = hx(b, 2 * order[i] + j);
  Matrix px("px", 4, 8);
  Kokkos::deep_copy(px, permuted);
  const auto py = to_host(net.forward(px));
  for (int b = 0; b < 4; ++b)
    for (int k = 0; k < 3; ++k) CHECK(py(b, k) == Approx(y(b, k)).margin(1e-12));
  CHECK_THROWS_WITH(DeepSet(store, "odd", 7, 3, shape), Catch::Contains("not a whole number of points"));
}

TEST_CASE("Linear with a fused activation: the same values and gradients as Linear then the activation",
          "[layer][gradient]") {
  for (const auto& name : activation_names()) {
    SECTION(name) {
      const Activation a = parse_activation(name);
      ParameterStore store;
      Linear fused(store, "lin", 5, 4), plain(store, "lin_plain", 5, 4);
      fused.fuse_activation(a);
      ActivationLayer activation(a, 4);
      store.allocate();
      RandomStream init(3, 0, Stream::init);
      store.initialize(init);
      // The same parameters in both layers: copy the first half of the flat buffer onto the second.
      auto p = to_host(store.values());
      const std::size_t half = store.size() / 2;
      for (std::size_t k = 0; k < half; ++k) p(half + k) = p(k);
      Kokkos::deep_copy(store.values(), p);
      CHECK(fused.describe() == plain.describe() + ", " + activation.describe());

      const Matrix x = random_matrix(6, 5, 7), dy = random_matrix(6, 4, 8);
      const auto y_fused = to_host(fused.forward(x));
      const auto y_plain = to_host(activation.forward(plain.forward(x)));
      store.zero_gradients();
      const auto dx_fused = to_host(fused.backward(dy));
      const auto dx_plain = to_host(plain.backward(activation.backward(dy)));
      const auto g = to_host(store.gradients());
      for (std::size_t i = 0; i < 6; ++i) {
        for (std::size_t j = 0; j < 4; ++j) CHECK(y_fused(i, j) == Approx(y_plain(i, j)).margin(1e-12));
        for (std::size_t j = 0; j < 5; ++j) CHECK(dx_fused(i, j) == Approx(dx_plain(i, j)).margin(1e-12));
      }
      for (std::size_t k = 0; k < half; ++k) CHECK(g(k) == Approx(g(half + k)).margin(1e-12));

      // input_vjp: the same dx, and no parameter gradient.
      store.zero_gradients();
      const auto dx_vjp = to_host(fused.input_vjp(dy));
      for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t j = 0; j < 5; ++j) CHECK(dx_vjp(i, j) == Approx(dx_fused(i, j)).margin(1e-12));
      const auto untouched = to_host(store.gradients());
      for (std::size_t k = 0; k < store.size(); ++k) CHECK(untouched(k) == 0.0);
    }
  }
}
