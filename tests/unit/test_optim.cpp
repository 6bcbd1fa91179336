// Optimisers, clipping and schedules against hand-computed values.
#include "gradient_check.hpp"

#include "optim/adam.hpp"
#include "optim/gradient_clipping.hpp"
#include "optim/learning_rate_schedule.hpp"
#include "optim/sgd.hpp"

#include <cmath>
#include <limits>

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

TEST_CASE("the gradient norm of a large model: blocks, lanes and their tail against an exact sum", "[optim]") {
  // 100,003 values: above the inline rule (split over threads on OpenMP), 24 blocks of 4096 and a
  // partial one, whose 32-lane loop leaves a tail of 3. Each value is k/1024 for an integer k below
  // 2048, so every square and every partial sum is exact in double: any order gives the same sum,
  // and a block or lane the reduction skips or counts twice changes it.
  const std::size_t n = 100003;
  HostVector h("h", n);
  double exact = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = double((i * 37) % 2047) / 1024.0 * (i % 2 == 0 ? 1.0 : -1.0);
    h(i) = Real(v);
    exact += v * v;
  }
  Vector d("d", n);
  Kokkos::deep_copy(d, h);
  CHECK(global_norm(d) == std::sqrt(exact));
  GradientGate gate{Kokkos::View<double>("squared_norm"), 0.0};
  queue_squared_norm(d, gate);
  CHECK(read_norm(gate) == std::sqrt(exact));
}

TEST_CASE("the gradient gate: the norm on the device, clipping inside the update, no update when not finite",
          "[optim]") {
  GradientGate gate{Kokkos::View<double>("squared_norm"), 1.0};
  queue_squared_norm(vec({3.0, 4.0}), gate);
  CHECK(read_norm(gate) == Approx(5.0));
  CHECK(global_norm(vec({3.0, 4.0})) == Approx(5.0));

  // Clipped to norm 1 inside the update: the same as an unclipped step on (0.6, 0.8).
  SgdConfig plain;
  Sgd gated(2, plain), reference(2, plain);
  Vector p = vec({1.0, 1.0}), q = vec({1.0, 1.0});
  gated.step(p, vec({3.0, 4.0}), 0.5, gate);
  reference.step(q, vec({0.6, 0.8}), 0.5);
  CHECK(to_host(p)(0) == Approx(to_host(q)(0)));
  CHECK(to_host(p)(1) == Approx(to_host(q)(1)));
  CHECK(to_host(p)(1) == Approx(1.0 - 0.5 * 0.8));

  // A bound above the norm leaves the gradient as it is.
  gate.max_norm = 10.0;
  Adam adam_gated(2, AdamConfig{}), adam_plain(2, AdamConfig{});
  p = vec({1.0, -1.0});
  q = vec({1.0, -1.0});
  adam_gated.step(p, vec({3.0, 4.0}), 0.1, gate);
  adam_plain.step(q, vec({3.0, 4.0}), 0.1);
  CHECK(to_host(p)(0) == to_host(q)(0));
  CHECK(to_host(p)(1) == to_host(q)(1));

  // A non-finite norm closes the gate: parameters and moments stay as they were, on the device; the
  // step is counted until the caller, having read the norm, forgets it.
  queue_squared_norm(vec({3.0, std::nan("")}), gate);
  CHECK(std::isnan(read_norm(gate)));
  const auto before = to_host(p);
  const auto m_before = to_host(adam_gated.state()[0].second), v_before = to_host(adam_gated.state()[1].second);
  adam_gated.step(p, vec({3.0, std::nan("")}), 0.1, gate);
  CHECK(adam_gated.steps_taken() == 2);
  adam_gated.forget_last_step();
  CHECK(adam_gated.steps_taken() == 1);
  const auto after = to_host(p), m_after = to_host(adam_gated.state()[0].second),
             v_after = to_host(adam_gated.state()[1].second);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(after(i) == before(i));
    CHECK(m_after(i) == m_before(i));
    CHECK(v_after(i) == v_before(i));
  }
  Kokkos::deep_copy(gate.squared_norm, std::numeric_limits<double>::infinity());
  gated.step(p, vec({1.0, 1.0}), 0.5, gate);
  CHECK(to_host(p)(0) == before(0));
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
