#include "distributions/targets/energy_2d.hpp"
#include "core/batch_parallel.hpp"
#include "core/stable_math.hpp"

#include "core/error.hpp"

namespace tractable {

Energy2d::Kind Energy2d::parse(const std::string& name) {
  if (name == "u1") return Kind::u1;
  if (name == "u2") return Kind::u2;
  if (name == "u3") return Kind::u3;
  if (name == "u4") return Kind::u4;
  if (name == "double_well") return Kind::double_well;
  throw SpecError("unknown 2D energy '" + name + "'");
}

std::string Energy2d::describe() const {
  const char* names[] = {"U1", "U2", "U3", "U4", "double_well"};
  return names[static_cast<int>(kind_)];
}

namespace {

constexpr Real kPi = Real(3.141592653589793);

// U(z) and ∂U/∂z for one point; the single source of truth for both kernels.
KOKKOS_INLINE_FUNCTION Real energy(Energy2d::Kind kind, Real z1, Real z2, Real& g1, Real& g2) {
  using K = Energy2d::Kind;
  g1 = g2 = 0;
  Real u = 0;
  // log(e^a + e^b) and the weights e^a / (e^a + e^b), e^b / (…), computed stably.
  auto lse = [](Real a, Real b, Real& pa, Real& pb) {
    const Real m = a > b ? a : b;
    const Real ea = kmath::exp(a - m), eb = kmath::exp(b - m);
    pa = ea / (ea + eb);
    pb = eb / (ea + eb);
    return m + kmath::log(ea + eb);
  };
  const Real w1 = kmath::sin(kPi * z1 / 2), dw1 = (kPi / 2) * kmath::cos(kPi * z1 / 2);
  switch (kind) {
    case K::u1: {
      const Real r = kmath::sqrt(z1 * z1 + z2 * z2);
      const Real safe_r = r > Real(1e-12) ? r : Real(1e-12);
      const Real radial = (r - 2) / Real(0.4);
      const Real a = -Real(0.5) * ((z1 - 2) / Real(0.6)) * ((z1 - 2) / Real(0.6));
      const Real b = -Real(0.5) * ((z1 + 2) / Real(0.6)) * ((z1 + 2) / Real(0.6));
      Real pa, pb;
      u = Real(0.5) * radial * radial - lse(a, b, pa, pb);
      const Real dradial = radial / Real(0.4);
      g1 = dradial * z1 / safe_r + (pa * (z1 - 2) + pb * (z1 + 2)) / Real(0.36);
      g2 = dradial * z2 / safe_r;
      break;
    }
    case K::u2: {
      const Real d = (z2 - w1) / Real(0.4);
      u = Real(0.5) * d * d;
      g2 = d / Real(0.4);
      g1 = -g2 * dw1;
      break;
    }
    case K::u3:
    case K::u4: {
      Real shift, dshift, s2;  // second branch: z2 − w1 + shift(z1), width s2
      if (kind == K::u3) {
        const Real t = (z1 - 1) / Real(0.6);
        shift = 3 * kmath::exp(-Real(0.5) * t * t);
        dshift = shift * (-t / Real(0.6));
        s2 = Real(0.35);
      } else {
        const Real t = (z1 - 1) / Real(0.3);
        const Real sig = stable_sigmoid(t);
        shift = 3 * sig;
        dshift = 3 * sig * (1 - sig) / Real(0.3);
        s2 = Real(0.35);
      }
      const Real s1 = kind == K::u3 ? Real(0.35) : Real(0.4);
      const Real d1 = z2 - w1, d2 = z2 - w1 + shift;
      Real pa, pb;
      u = -lse(-Real(0.5) * (d1 / s1) * (d1 / s1), -Real(0.5) * (d2 / s2) * (d2 / s2), pa, pb);
      const Real c1 = pa * d1 / (s1 * s1), c2 = pb * d2 / (s2 * s2);
      g2 = c1 + c2;
      g1 = c1 * (-dw1) + c2 * (-dw1 + dshift);
      break;
    }
    case K::double_well:
      u = z1 * z1 * z1 * z1 - 6 * z1 * z1 + z1 + Real(0.5) * z2 * z2;
      g1 = 4 * z1 * z1 * z1 - 12 * z1 + 1;
      g2 = z2;
      break;
  }
  if (kind != K::double_well) {  // the walls outside (−4, 4)²
    const Real zs[2] = {z1, z2};
    Real* gs[2] = {&g1, &g2};
    for (int k = 0; k < 2; ++k) {
      const Real excess = kmath::fabs(zs[k]) - 4;
      if (excess > 0) {
        u += Real(0.5) * (excess / Real(0.1)) * (excess / Real(0.1));
        *gs[k] += (excess / Real(0.01)) * (zs[k] > 0 ? Real(1) : Real(-1));
      }
    }
  }
  return u;
}

}  // namespace

void Energy2d::log_density(const Matrix& x, const Vector& out) const {
  require(x.extent(1) == 2, "Energy2d: targets are 2-dimensional");
  const Kind kind = kind_;
  for_each_index(
      "tractable::Energy2d::log_density", x.extent(0), KOKKOS_LAMBDA(const std::size_t i) {
        Real g1, g2;
        out(i) = -energy(kind, x(i, 0), x(i, 1), g1, g2);
      });
}

void Energy2d::log_density_gradient(const Matrix& x, const Matrix& grad) const {
  require(x.extent(1) == 2, "Energy2d: targets are 2-dimensional");
  const Kind kind = kind_;
  for_each_index(
      "tractable::Energy2d::log_density_gradient", x.extent(0), KOKKOS_LAMBDA(const std::size_t i) {
        Real g1, g2;
        energy(kind, x(i, 0), x(i, 1), g1, g2);
        grad(i, 0) = -g1;
        grad(i, 1) = -g2;
      });
}

}  // namespace tractable
