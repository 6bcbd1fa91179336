#include "data/toy_2d.hpp"

#include "core/error.hpp"
#include "core/random.hpp"

#include <algorithm>
#include <cmath>

namespace tractable {

const std::vector<std::string>& toy_2d_names() {
  static const std::vector<std::string> names{"moons", "8gaussians", "checkerboard", "2spirals",
                                              "rings", "pinwheel",   "circles"};
  return names;
}

namespace {
constexpr double kTwoPi = 6.283185307179586;
constexpr double kScale8 = 1.414;  // FFJORD divides by 1.414, not sqrt(2)

void eight_centre(int k, double& cx, double& cy) {
  static const double s = 1.0 / std::sqrt(2.0);
  static const double c[8][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {s, s}, {s, -s}, {-s, s}, {-s, -s}};
  cx = 4.0 * c[k][0];
  cy = 4.0 * c[k][1];
}
}  // namespace

double eight_gaussians_log_density(double x, double y) {
  const double sigma = 0.5 / kScale8;
  double terms[8], max_term = -1e300;
  for (int k = 0; k < 8; ++k) {
    double cx, cy;
    eight_centre(k, cx, cy);
    cx /= kScale8;
    cy /= kScale8;
    const double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
    terms[k] = -0.5 * d2 / (sigma * sigma) - std::log(kTwoPi * sigma * sigma) - std::log(8.0);
    max_term = std::max(max_term, terms[k]);
  }
  double sum = 0;
  for (double t : terms) sum += std::exp(t - max_term);
  return max_term + std::log(sum);
}

HostMatrix generate_toy_2d(const std::string& name, std::size_t n, std::uint64_t seed) {
  HostMatrix out("tractable::toy_2d", n, 2);
  RandomStream r(seed, 0, Stream::data);
  auto set = [&](std::size_t i, double x, double y) {
    out(i, 0) = static_cast<Real>(x);
    out(i, 1) = static_cast<Real>(y);
  };
  if (name == "8gaussians") {
    for (std::size_t i = 0; i < n; ++i) {
      double cx, cy;
      eight_centre(static_cast<int>(r.below(8)), cx, cy);
      const double px = r.normal() * 0.5 + cx, py = r.normal() * 0.5 + cy;
      set(i, px / kScale8, py / kScale8);
    }
  } else if (name == "moons") {
    // sklearn make_moons(noise=0.1) · 2 + (−1, −0.2), with random positions along each arc.
    for (std::size_t i = 0; i < n; ++i) {
      const double t = M_PI * r.uniform();
      double x, y;
      if (i % 2 == 0) {
        x = std::cos(t);
        y = std::sin(t);
      } else {
        x = 1 - std::cos(t);
        y = 1 - std::sin(t) - 0.5;
      }
      x += 0.1 * r.normal();
      y += 0.1 * r.normal();
      set(i, 2 * x - 1, 2 * y - 0.2);
    }
  } else if (name == "checkerboard") {
    for (std::size_t i = 0; i < n; ++i) {
      const double x1 = 4 * r.uniform() - 2;
      const double x2_ = r.uniform() - 2.0 * static_cast<double>(r.below(2));
      const double x2 = x2_ + std::fmod(std::floor(x1) + 4.0, 2.0);  // floor(x1) mod 2, non-negative
      set(i, 2 * x1, 2 * x2);
    }
  } else if (name == "2spirals") {
    for (std::size_t i = 0; i < n; ++i) {
      const double m = std::sqrt(r.uniform()) * 540.0 * kTwoPi / 360.0;
      double x = -std::cos(m) * m + 0.5 * r.uniform();
      double y = std::sin(m) * m + 0.5 * r.uniform();
      if (i % 2 == 1) {
        x = -x;
        y = -y;
      }
      set(i, x / 3 + 0.1 * r.normal(), y / 3 + 0.1 * r.normal());
    }
  } else if (name == "rings") {
    static const double radii[4] = {1.0, 0.75, 0.5, 0.25};
    for (std::size_t i = 0; i < n; ++i) {
      const double radius = radii[i % 4], angle = kTwoPi * r.uniform();
      set(i, 3 * radius * std::cos(angle) + 0.08 * r.normal(), 3 * radius * std::sin(angle) + 0.08 * r.normal());
    }
  } else if (name == "pinwheel") {
    const int classes = 5;
    const double radial_std = 0.3, tangential_std = 0.1, rate = 0.25;
    for (std::size_t i = 0; i < n; ++i) {
      const int label = static_cast<int>(r.below(classes));
      const double f0 = r.normal() * radial_std + 1.0, f1 = r.normal() * tangential_std;
      const double angle = kTwoPi * label / classes + rate * std::exp(f0);
      const double c = std::cos(angle), s = std::sin(angle);
      // FFJORD: features · [[cos, −sin], [sin, cos]] (row vector times matrix), times 2.
      set(i, 2 * (f0 * c + f1 * s), 2 * (-f0 * s + f1 * c));
    }
  } else if (name == "circles") {
    // sklearn make_circles(factor=0.5, noise=0.08) · 3
    for (std::size_t i = 0; i < n; ++i) {
      const double radius = i % 2 == 0 ? 1.0 : 0.5, angle = kTwoPi * r.uniform();
      set(i, 3 * (radius * std::cos(angle) + 0.08 * r.normal()), 3 * (radius * std::sin(angle) + 0.08 * r.normal()));
    }
  } else {
    throw SpecError("unknown toy dataset '" + name + "'");
  }
  return out;
}

}  // namespace tractable
