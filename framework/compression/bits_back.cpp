#include "compression/bits_back.hpp"

#include "compression/codecs.hpp"
#include "core/error.hpp"

namespace tractable {

namespace {

// One image through the encoder: q(z|x)'s mean and log-variance [L] each (a batch of one: see the header).
void posterior_of(LatentVariableModel& vae, const HostMatrix& x, std::size_t row, Matrix& x_device,
                  HostMatrix& x_host, std::vector<double>& mean, std::vector<double>& log_variance) {
  const std::size_t d = x.extent(1), L = vae.latent();
  for (std::size_t j = 0; j < d; ++j) x_host(0, j) = x(row, j);
  Kokkos::deep_copy(x_device, x_host);
  const auto posterior = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), vae.encode(x_device));
  for (std::size_t l = 0; l < L; ++l) {
    mean[l] = posterior(0, l);
    log_variance[l] = posterior(0, L + l);
  }
}

// p(x = 1 | z) per pixel for the bucket centres of `buckets` [D].
HostMatrix likelihood_of(LatentVariableModel& vae, const EqualMassBuckets& grid, const std::vector<std::size_t>& buckets,
                         Matrix& z_device, HostMatrix& z_host) {
  for (std::size_t l = 0; l < buckets.size(); ++l) z_host(0, l) = static_cast<Real>(grid.centre(buckets[l]));
  Kokkos::deep_copy(z_device, z_host);
  return vae.decode(z_device);
}

struct Workspace {
  Workspace(LatentVariableModel& vae, std::size_t d)
      : L(vae.latent()),
        x_device("tractable::bits_back::x", 1, d),
        x_host(Kokkos::create_mirror_view(x_device)),
        z_device("tractable::bits_back::z", 1, L),
        z_host(Kokkos::create_mirror_view(z_device)),
        mean(L),
        log_variance(L),
        buckets(L) {}
  std::size_t L;
  Matrix x_device;
  Matrix::HostMirror x_host;
  Matrix z_device;
  Matrix::HostMirror z_host;
  std::vector<double> mean, log_variance;
  std::vector<std::size_t> buckets;
  std::vector<std::vector<std::uint32_t>> cdfs;
};

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
  const EqualMassBuckets grid(settings.latent_bits);
  Workspace w(vae, d);
  AnsMessage message(settings.lanes, settings.prefix_words, settings.seed);
  BitsBackCode code;
  code.initial_bits = message.bits();
  std::vector<AnsSymbol> pixels(d), latents(w.L);
  for (std::size_t i = 0; i < n; ++i) {
    // Pop z ~ q(z|x): the bits back.
    posterior_of(vae, x, i, w.x_device, w.x_host, w.mean, w.log_variance);
    w.cdfs.resize(w.L);
    for (std::size_t l = 0; l < w.L; ++l)
      w.cdfs[l] = grid.posterior_cdf(w.mean[l], w.log_variance[l], settings.posterior_precision);
    message.pop(w.L, settings.posterior_precision, [&](std::size_t l, std::uint32_t cf) {
      AnsSymbol s;
      w.buckets[l] = EqualMassBuckets::find(w.cdfs[l], cf, s);
      return s;
    });
    // Push x under p(x|z).
    const HostMatrix p = likelihood_of(vae, grid, w.buckets, w.z_device, w.z_host);
    for (std::size_t j = 0; j < d; ++j)
      pixels[j] = bernoulli_symbol(p(0, j), x(i, j) > 0.5 ? 1 : 0, settings.likelihood_precision);
    message.push(pixels, settings.likelihood_precision);
    // Push z under the prior: every bucket has the same mass.
    for (std::size_t l = 0; l < w.L; ++l) latents[l] = {static_cast<std::uint32_t>(w.buckets[l]), 1};
    message.push(latents, settings.latent_bits);
  }
  code.words = message.flatten();
  code.untouched_prefix = message.untouched_prefix();
  code.message_bits = message.bits();
  return code;
}

HostMatrix bits_back_decode(LatentVariableModel& vae, const BitsBackCode& code, std::size_t n, std::size_t d,
                            const BitsBackSettings& settings) {
  check_settings(settings);
  const EqualMassBuckets grid(settings.latent_bits);
  Workspace w(vae, d);
  AnsMessage message(settings.lanes, 0, 0);
  if (!AnsMessage::unflatten(code.words, settings.lanes, code.untouched_prefix, settings.prefix_words, settings.seed,
                             message))
    throw DataError("the compressed message is malformed (its heads are not valid rANS states)");
  HostMatrix x("tractable::bits_back::images", n, d);
  std::vector<AnsSymbol> latents(w.L);
  for (std::size_t i = n; i-- > 0;) {
    message.pop(w.L, settings.latent_bits, [&](std::size_t l, std::uint32_t cf) {
      w.buckets[l] = cf;
      return AnsSymbol{cf, 1};
    });
    const HostMatrix p = likelihood_of(vae, grid, w.buckets, w.z_device, w.z_host);
    message.pop(d, settings.likelihood_precision, [&](std::size_t j, std::uint32_t cf) {
      AnsSymbol s;
      x(i, j) = static_cast<Real>(bernoulli_value(p(0, j), cf, settings.likelihood_precision, s));
      return s;
    });
    // Give the bits back: push z under q(z|x) of the image just decoded.
    posterior_of(vae, x, i, w.x_device, w.x_host, w.mean, w.log_variance);
    for (std::size_t l = 0; l < w.L; ++l) {
      const auto cdf = grid.posterior_cdf(w.mean[l], w.log_variance[l], settings.posterior_precision);
      latents[l] = {cdf[w.buckets[l]], cdf[w.buckets[l] + 1] - cdf[w.buckets[l]]};
    }
    message.push(latents, settings.posterior_precision);
  }
  if (!message.is_initial(settings.prefix_words, settings.seed))
    throw DataError("the compressed message did not decode to a complete chain (another model, or corrupt data)");
  return x;
}

}  // namespace tractable
