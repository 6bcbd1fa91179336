#include "compression/bits_back.hpp"

#include "compression/codecs.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <cmath>
#include "vae/hierarchical_vae.hpp"

namespace tractable {

namespace {

// One row at a time on the device ([1, W]): a batch of one, in both directions (see the header).
struct DeviceRow {
  DeviceRow(const char* label, std::size_t width)
      : device(std::string(label), 1, width), host(Kokkos::create_mirror_view(device)) {}
  const Matrix& of(const HostMatrix& rows, std::size_t row) {
    for (std::size_t j = 0; j < device.extent(1); ++j) host(0, j) = rows(row, j);
    Kokkos::deep_copy(device, host);
    return device;
  }
  const Matrix& of_centres(const LatentBuckets& grid, const std::vector<std::size_t>& buckets) {
    for (std::size_t l = 0; l < buckets.size(); ++l) host(0, l) = static_cast<Real>(grid.centre(buckets[l]));
    Kokkos::deep_copy(device, host);
    return device;
  }
  Matrix device;
  Matrix::HostMirror host;
};

// The latent layers of the model: z1 (every VAE) and, with two stochastic layers, z2.
struct Latents {
  explicit Latents(LatentVariableModel& model, std::size_t d)
      : vae(model),
        two(dynamic_cast<HierarchicalVae*>(&model)),
        x("tractable::bits_back::x", d),
        z1("tractable::bits_back::z1", model.latent()),
        z2("tractable::bits_back::z2", two ? two->upper_latent() : 1),
        b1(model.latent()),
        b2(two ? two->upper_latent() : 0) {}
  LatentVariableModel& vae;
  HierarchicalVae* two;
  DeviceRow x, z1, z2;
  std::vector<std::size_t> b1, b2;  // bucket indices of z1 and z2
};

// Latents are coded on one head, pixels over all of them. A pop reads the low bits of its head, which
// the head's last push left inside that symbol's interval: on one head the latents' pops of the next
// image read, under the bucket tables, bits the pixels' and the other latents' pushes left, and draw
// buckets as q says; interleaved over lanes, z1's pops of the next image would land on the heads where
// the same coordinates were just pushed under p(z1|z2) and draw buckets correlated with those
// (measured on a two-layer VAE: 1–2 heads cost the −ELBO, 4 or more 30 % above it).
constexpr std::size_t kLatentLanes = 1;

// (μ | log σ²) rows [1, 2W] -> the Gaussian's table over the buckets for each of the W coordinates.
std::vector<std::vector<std::uint32_t>> gaussian_tables(const LatentBuckets& grid, const HostMatrix& parameters,
                                                        std::size_t width, unsigned precision) {
  std::vector<std::vector<std::uint32_t>> tables(width);
  for (std::size_t l = 0; l < width; ++l)
    tables[l] = grid.posterior_cdf(parameters(0, l), parameters(0, width + l), precision);
  return tables;
}

void pop_buckets(AnsMessage& m, const std::vector<std::vector<std::uint32_t>>& tables, unsigned precision,
                 std::vector<std::size_t>& buckets) {
  m.pop(
      buckets.size(), precision,
      [&](std::size_t l, std::uint32_t cf) {
        AnsSymbol s;
        buckets[l] = LatentBuckets::find(tables[l], cf, s);
        return s;
      },
      kLatentLanes);
}

void push_buckets(AnsMessage& m, const std::vector<std::vector<std::uint32_t>>& tables, unsigned precision,
                  const std::vector<std::size_t>& buckets) {
  std::vector<AnsSymbol> symbols(buckets.size());
  for (std::size_t l = 0; l < buckets.size(); ++l)
    symbols[l] = {tables[l][buckets[l]], tables[l][buckets[l] + 1] - tables[l][buckets[l]]};
  m.push(symbols, precision, kLatentLanes);
}

// The prior N(0, I) over equal-mass buckets: every bucket has the same mass.
void push_uniform(AnsMessage& m, const std::vector<std::size_t>& buckets, unsigned bits) {
  std::vector<AnsSymbol> symbols(buckets.size());
  for (std::size_t l = 0; l < buckets.size(); ++l) symbols[l] = {static_cast<std::uint32_t>(buckets[l]), 1};
  m.push(symbols, bits, kLatentLanes);
}

void pop_uniform(AnsMessage& m, std::vector<std::size_t>& buckets, unsigned bits) {
  m.pop(
      buckets.size(), bits,
      [&](std::size_t l, std::uint32_t cf) {
        buckets[l] = cf;
        return AnsSymbol{cf, 1};
      },
      kLatentLanes);
}

HostMatrix posterior_row(Latents& z, const HostMatrix& x, std::size_t row) {
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), z.vae.encode(z.x.of(x, row)));
}

void check_settings(const BitsBackSettings& s) {
  if (s.latent_bits < 1 || s.latent_bits > 16 || s.posterior_precision > kMaxPrecision ||
      s.likelihood_precision > kMaxPrecision || s.likelihood_precision < 2 ||
      s.posterior_precision < s.latent_bits + 1 || s.lanes == 0)
    throw UsageError("bits-back settings out of range: latent bits 1-16, posterior precision above them and ≤ 24, "
                     "likelihood precision 2-24, at least one lane");
}

}  // namespace

BitsBackCode bits_back_encode(LatentVariableModel& vae, const HostMatrix& x, const BitsBackSettings& settings) {
  check_settings(settings);
  const std::size_t n = x.extent(0), d = x.extent(1);
  const unsigned post = settings.posterior_precision, bits = settings.latent_bits;
  Latents z(vae, d);
  BitsBackCode code;
  if (z.two) {
    code.z1_radius = 1;
    for (std::size_t i = 0; i < n; ++i) {
      const HostMatrix q = posterior_row(z, x, i);
      for (std::size_t l = 0; l < z.b1.size(); ++l)
        code.z1_radius = std::max(code.z1_radius, std::abs(double(q(0, l))) + 5 * std::exp(0.5 * double(q(0, z.b1.size() + l))));
    }
  }
  const LatentBuckets top = LatentBuckets::equal_mass(bits);
  const LatentBuckets grid = z.two ? LatentBuckets::equal_width(bits, code.z1_radius) : top;
  AnsMessage message(settings.lanes, settings.prefix_words, settings.seed);
  code.initial_bits = message.bits();
  std::vector<AnsSymbol> pixels(d);
  for (std::size_t i = 0; i < n; ++i) {
    // Pop z1 ~ q(z1|x) (and z2 ~ q(z2|z1)): the bits back.
    pop_buckets(message, gaussian_tables(grid, posterior_row(z, x, i), z.b1.size(), post), post, z.b1);
    const Matrix& z1 = z.z1.of_centres(grid, z.b1);
    if (z.two) pop_buckets(message, gaussian_tables(top, z.two->upper_posterior(z1), z.b2.size(), post), post, z.b2);
    // Push x under p(x|z1).
    const HostMatrix p = vae.decode(z1);
    for (std::size_t j = 0; j < d; ++j)
      pixels[j] = bernoulli_symbol(p(0, j), x(i, j) > 0.5 ? 1 : 0, settings.likelihood_precision);
    message.push(pixels, settings.likelihood_precision);
    // Push the latents under the prior: z1 under p(z1|z2), then z2 (or z1) under N(0, I).
    if (z.two) {
      const HostMatrix prior = z.two->conditional_prior(z.z2.of_centres(top, z.b2));
      push_buckets(message, gaussian_tables(grid, prior, z.b1.size(), post), post, z.b1);
      push_uniform(message, z.b2, bits);
    } else {
      push_uniform(message, z.b1, bits);
    }
  }
  code.words = message.flatten();
  code.untouched_prefix = message.untouched_prefix();
  code.message_bits = message.bits();
  return code;
}

HostMatrix bits_back_decode(LatentVariableModel& vae, const BitsBackCode& code, std::size_t n, std::size_t d,
                            const BitsBackSettings& settings) {
  check_settings(settings);
  const unsigned post = settings.posterior_precision, bits = settings.latent_bits;
  Latents z(vae, d);
  if ((z.two != nullptr) != (code.z1_radius > 0))
    throw DataError("the compressed message was made for a model with " + std::string(code.z1_radius > 0 ? "two" : "one") +
                    " stochastic layer(s)");
  const LatentBuckets top = LatentBuckets::equal_mass(bits);
  const LatentBuckets grid = z.two ? LatentBuckets::equal_width(bits, code.z1_radius) : top;
  AnsMessage message(settings.lanes, 0, 0);
  if (!AnsMessage::unflatten(code.words, settings.lanes, code.untouched_prefix, settings.prefix_words, settings.seed,
                             message))
    throw DataError("the compressed message is malformed (its heads are not valid rANS states)");
  HostMatrix x("tractable::bits_back::images", n, d);
  for (std::size_t i = n; i-- > 0;) {
    // The latents under the prior.
    if (z.two) {
      pop_uniform(message, z.b2, bits);
      const HostMatrix prior = z.two->conditional_prior(z.z2.of_centres(top, z.b2));
      pop_buckets(message, gaussian_tables(grid, prior, z.b1.size(), post), post, z.b1);
    } else {
      pop_uniform(message, z.b1, bits);
    }
    // x under p(x|z1).
    const Matrix& z1 = z.z1.of_centres(grid, z.b1);
    const HostMatrix p = vae.decode(z1);
    message.pop(d, settings.likelihood_precision, [&](std::size_t j, std::uint32_t cf) {
      AnsSymbol s;
      x(i, j) = static_cast<Real>(bernoulli_value(p(0, j), cf, settings.likelihood_precision, s));
      return s;
    });
    // Give the bits back: z2 under q(z2|z1), then z1 under q(z1|x) of the image just decoded.
    if (z.two) push_buckets(message, gaussian_tables(top, z.two->upper_posterior(z1), z.b2.size(), post), post, z.b2);
    push_buckets(message, gaussian_tables(grid, posterior_row(z, x, i), z.b1.size(), post), post, z.b1);
  }
  if (!message.is_initial(settings.prefix_words, settings.seed))
    throw DataError("the compressed message did not decode to a complete chain (another model, or corrupt data)");
  return x;
}

}  // namespace tractable
