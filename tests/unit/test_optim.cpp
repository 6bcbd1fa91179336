// Optimisers, clipping and schedules against hand-computed values.
#include "gradient_check.hpp"

#include "optim/adam.hpp"
#include "optim/gradient_clipping.hpp"
#include "optim/learning_rate_schedule.hpp"
#include "optim/sgd.hpp"

using namespace tractable;
using namespace tractable::testing;

namespace {
Vector vec(std::initializer_list<double> values) {
  HostVector h("h", values.size());
  std::size_t i = 0;
  for (double v : values) h(i++) = v;
  Vector d("d", values.size());
  Kokkos::deep_copy(d, h);
  return d;
}
}  // namespace

TEST_CASE("Adam: two steps equal the hand-computed update", "[optim]") {
  AdamConfig c;
  c.beta1 = 0.9;
  c.beta2 = 0.99;
  c.eps = 1e-8;
  Adam adam(2, c);
  Vector p = vec({1.0, -2.0}), g = vec({0.5, -1.0});
  adam.step(p, g, 0.1);
  // Step 1: m = 0.1 g, v = 0.01 g²; m̂ = g, v̂ = g² -> update = sign(g) (eps aside).
  auto h = to_host(p);
  CHECK(h(0) == Approx(1.0 - 0.1 * 0.5 / (0.5 + 1e-8)));
  CHECK(h(1) == Approx(-2.0 + 0.1 * 1.0 / (1.0 + 1e-8)));
  Kokkos::deep_copy(g, to_host(vec({0.25, 0.0})));
  const double before0 = h(0), before1 = h(1);
  adam.step(p, g, 0.1);
  // Step 2 for element 0: m = 0.9·0.05 + 0.1·0.25 = 0.07, v = 0.99·0.0025 + 0.01·0.0625 = 0.003100.
  const double m0 = 0.07, v0 = 0.0031, m1 = 0.9 * -0.1, v1 = 0.99 * 0.01;
  const double m0_hat = m0 / (1 - 0.81), v0_hat = v0 / (1 - 0.9801);
  const double m1_hat = m1 / (1 - 0.81), v1_hat = v1 / (1 - 0.9801);
  h = to_host(p);
  CHECK(h(0) == Approx(before0 - 0.1 * m0_hat / (std::sqrt(v0_hat) + 1e-8)));
  CHECK(h(1) == Approx(before1 - 0.1 * m1_hat / (std::sqrt(v1_hat) + 1e-8)));
  CHECK(adam.steps_taken() == 2);
}

TEST_CASE("Adam: decoupled vs L2 weight decay", "[optim]") {
  AdamConfig c;
  c.weight_decay = 0.1;
  c.decoupled_weight_decay = true;
  Adam adamw(1, c);
  Vector p = vec({2.0}), g = vec({0.0});
  adamw.step(p, g, 0.5);
  CHECK(to_host(p)(0) == Approx(2.0 - 0.5 * 0.1 * 2.0));  // zero gradient: only the decay acts
  c.decoupled_weight_decay = false;
  Adam adam_l2(1, c);
  Vector q = vec({2.0});
  adam_l2.step(q, g, 0.5);
  CHECK(to_host(q)(0) == Approx(2.0 - 0.5 * 1.0).epsilon(1e-6));  // g_eff = 0.2 -> normalised step of 1
}

TEST_CASE("SGD: momentum and Nesterov follow PyTorch's convention", "[optim]") {
  SgdConfig c;
  c.momentum = 0.5;
  Sgd sgd(1, c);
  Vector p = vec({1.0}), g = vec({1.0});
  sgd.step(p, g, 0.1);  // b = g = 1
  CHECK(to_host(p)(0) == Approx(0.9));
  sgd.step(p, g, 0.1);  // b = 0.5 + 1 = 1.5
  CHECK(to_host(p)(0) == Approx(0.9 - 0.15));
  c.nesterov = true;
  Sgd nesterov(1, c);
  Vector q = vec({1.0});
  nesterov.step(q, g, 0.1);  // b = 1, d = g + 0.5 b = 1.5
  CHECK(to_host(q)(0) == Approx(1.0 - 0.15));
}

TEST_CASE("clip_by_global_norm rescales to the bound and reports the norm", "[optim]") {
  Vector g = vec({3.0, 4.0});
  CHECK(clip_by_global_norm(g, 10.0) == Approx(5.0));
  CHECK(to_host(g)(0) == Approx(3.0));
  CHECK(clip_by_global_norm(g, 1.0) == Approx(5.0));
  const auto h = to_host(g);
  CHECK(h(0) == Approx(0.6));
  CHECK(h(1) == Approx(0.8));
  CHECK(global_norm(g) == Approx(1.0));
}

TEST_CASE("learning-rate schedules: warm-up, constant, cosine", "[optim]") {
  LearningRateSchedule s;
  s.base_lr = 1.0;
  s.warmup_steps = 4;
  s.total_steps = 104;
  CHECK(s.at(0) == Approx(0.25));
  CHECK(s.at(3) == Approx(1.0));
  CHECK(s.at(50) == Approx(1.0));
  s.kind = LearningRateSchedule::Kind::cosine;
  s.final_fraction = 0.1;
  CHECK(s.at(4) == Approx(1.0));
  CHECK(s.at(54) == Approx(0.1 + 0.9 * 0.5));
  CHECK(s.at(104) == Approx(0.1));
  CHECK(s.at(500) == Approx(0.1));
}
