// Bits-back compression: the rANS message against exact symbol round trips and
// the entropy it should cost, the quantised codecs against their definitions,
// BB-ANS with a VAE against exact reconstruction and the ELBO it should cost,
// and the container against truncation, corruption and newer versions.
#include "compression/ans_message.hpp"
#include "compression/bits_back.hpp"
#include "compression/codecs.hpp"
#include "compression/container.hpp"
#include "core/error.hpp"
#include "core/random.hpp"
#include "problems/vae_evaluation.hpp"
#include "vae/hierarchical_vae.hpp"
#include "vae/vae.hpp"

#include <catch2/catch.hpp>

#include <boost/math/distributions/normal.hpp>

#include <cmath>
#include <numeric>

using namespace tractable;

TEST_CASE("rANS: popping undoes pushing exactly, and the message costs the symbols' information", "[compression]") {
  for (const std::size_t lanes : {std::size_t(1), std::size_t(7), std::size_t(32)}) {
    for (const unsigned precision : {4u, 12u, 16u, 24u}) {
      RandomStream r(lanes * 100 + precision, 0, Stream::data);
      const std::uint32_t total = std::uint32_t(1) << precision;
      // Batches of symbols with random intervals; the exact information is Σ −log2(f / 2^precision).
      std::vector<std::vector<AnsSymbol>> batches;
      double information = 0;
      for (int b = 0; b < 40; ++b) {
        std::vector<AnsSymbol> batch(1 + r.below(70));
        for (auto& s : batch) {
          s.frequency = 1 + static_cast<std::uint32_t>(r.below(total));
          s.start = static_cast<std::uint32_t>(r.below(total - s.frequency + 1));
          information += -std::log2(double(s.frequency) / total);
        }
        batches.push_back(batch);
      }
      AnsMessage m(lanes, 8, 42);
      const double initial = m.bits();
      for (const auto& batch : batches) m.push(batch, precision);
      // rANS's overhead is below one head per lane plus rounding of the states (a few bits per lane).
      CHECK(m.bits() - initial >= information - 64.0 * lanes);
      CHECK(m.bits() - initial <= information + 64.0 * lanes + 32);
      // Through flatten / unflatten, as a file would carry it.
      AnsMessage back(1, 0, 0);
      REQUIRE(AnsMessage::unflatten(m.flatten(), lanes, m.untouched_prefix(), 8, 42, back));
      for (auto b = batches.rbegin(); b != batches.rend(); ++b) {
        std::vector<AnsSymbol> popped(b->size());
        back.pop(b->size(), precision, [&](std::size_t i, std::uint32_t cf) {
          const AnsSymbol s = (*b)[i];
          REQUIRE(cf >= s.start);
          REQUIRE(cf < s.start + s.frequency);
          popped[i] = s;
          return s;
        });
      }
      CHECK(back.is_initial(8, 42));
      CHECK_FALSE(back.is_initial(8, 43));
    }
  }
}

TEST_CASE("rANS: pops before any push borrow the seeded initial bits, and only those words are stored", "[compression]") {
  AnsMessage m(4, 32, 7);
  std::vector<std::uint32_t> drawn(40);
  m.pop(40, 16, [&](std::size_t i, std::uint32_t cf) {
    drawn[i] = cf;
    return AnsSymbol{cf, 1};  // uniform over 2^16: 16 bits each, 640 in all
  });
  CHECK(m.untouched_prefix() < 32);  // 4 heads hold 4 × 31 bits; the rest came from the prefix
  CHECK(m.untouched_prefix() > 8);   // and only about 16 of its words
  // Pushing the same symbols back restores the initial message.
  std::vector<AnsSymbol> back;
  for (const auto cf : drawn) back.push_back({cf, 1});
  m.push(back, 16);
  CHECK(m.is_initial(32, 7));
  AnsMessage empty(2, 0, 0);
  CHECK_THROWS_WITH(empty.pop(10, 16, [](std::size_t, std::uint32_t cf) { return AnsSymbol{cf, 1}; }),
                    Catch::Contains("ran out of bits"));
}

TEST_CASE("codecs: quantised tables are distributions with every symbol codable", "[compression]") {
  const auto cdf = quantized_cdf({0, 0, 0, 0.5, 1, 1}, 8);  // zero-mass symbols still get frequency 1
  REQUIRE(cdf.size() == 6);
  CHECK(cdf.front() == 0);
  CHECK(cdf.back() == 256);
  for (std::size_t i = 1; i < cdf.size(); ++i) CHECK(cdf[i] > cdf[i - 1]);
  CHECK_THROWS_AS(quantized_cdf({0, std::nan(""), 1}, 8), DataError);
  for (const double p : {0.0, 1e-9, 0.3, 0.5, 1 - 1e-9, 1.0}) {
    const AnsSymbol zero = bernoulli_symbol(p, 0, 12), one = bernoulli_symbol(p, 1, 12);
    CHECK(zero.start == 0);
    CHECK(zero.frequency >= 1);
    CHECK(one.frequency >= 1);
    CHECK(one.start == zero.frequency);
    CHECK(one.start + one.frequency == 4096);
    CHECK(std::abs(double(one.frequency) / 4096 - p) <= 1.0 / 4096 + 1e-12);
    for (std::uint32_t cf = 0; cf < 4096; cf += 97) {
      AnsSymbol s;
      const int x = bernoulli_value(p, cf, 12, s);
      CHECK((x == 1) == (cf >= zero.frequency));
      CHECK(cf - s.start < s.frequency);
    }
  }
  CHECK_THROWS_AS(bernoulli_symbol(1.5, 0, 12), DataError);
}

TEST_CASE("codecs: equal-mass buckets of N(0, 1), equal-width buckets, and a Gaussian over them", "[compression]") {
  const LatentBuckets grid = LatentBuckets::equal_mass(6);
  const boost::math::normal standard;
  REQUIRE(grid.count() == 64);
  for (std::size_t i = 0; i < 64; ++i) {
    CHECK(boost::math::cdf(standard, grid.centre(i)) == Approx((i + 0.5) / 64).margin(1e-12));
    CHECK(grid.centre(i) == Approx(-grid.centre(63 - i)).margin(1e-12));
  }
  // The prior itself as a "posterior": every bucket gets 2^16 / 64.
  const auto prior = grid.posterior_cdf(0, 0, 16);
  for (std::size_t i = 0; i < 64; ++i) CHECK(double(prior[i + 1] - prior[i]) == Approx(1024).margin(1));
  // A narrow posterior puts almost all mass in its bucket; find() inverts the table.
  const auto narrow = grid.posterior_cdf(grid.centre(40), std::log(1e-6), 16);
  CHECK(narrow[41] - narrow[40] > 65536 - 64);
  for (std::uint32_t cf = 0; cf < 65536; cf += 1013) {
    AnsSymbol s;
    const std::size_t b = LatentBuckets::find(narrow, cf, s);
    CHECK(s.start == narrow[b]);
    CHECK(cf - s.start < s.frequency);
  }
  CHECK_THROWS_AS(grid.posterior_cdf(std::nan(""), 0, 16), DataError);
  // Equal width: midpoints of 2R / 2^bits; a Gaussian centred on a bucket has its largest mass there.
  const LatentBuckets wide = LatentBuckets::equal_width(4, 8.0);
  REQUIRE(wide.count() == 16);
  CHECK(wide.centre(0) == Approx(-7.5));
  CHECK(wide.centre(15) == Approx(7.5));
  const auto around = wide.posterior_cdf(wide.centre(12), std::log(0.25), 16);
  for (std::size_t i = 0; i < 16; ++i)
    if (i != 12) CHECK(around[i + 1] - around[i] < around[13] - around[12]);
  CHECK_THROWS_AS(LatentBuckets::equal_width(4, 0), DataError);
}

namespace {
struct TinyVae {
  ParameterStore store;
  std::unique_ptr<VariationalAutoencoder> vae;
  explicit TinyVae(std::uint64_t seed) {
    VaeShape shape;
    shape.data_dim = 16;
    shape.latent = 3;
    shape.network = mlp_network(12, 1, Activation::tanh);
    vae = std::make_unique<VariationalAutoencoder>(store, shape);
    store.allocate();
    RandomStream init(seed, 0, Stream::init);
    store.initialize(init);
  }
};

// Images from two prototypes with flipped pixels: structure a VAE's decoder can express.
HostMatrix images(std::size_t n, std::uint64_t seed) {
  HostMatrix x("images", n, 16);
  RandomStream r(seed, 0, Stream::data);
  for (std::size_t i = 0; i < n; ++i) {
    const bool a = r.uniform() < 0.5;
    for (std::size_t j = 0; j < 16; ++j) x(i, j) = ((j % 2 == 0) == a) != (r.uniform() < 0.1) ? 1 : 0;
  }
  return x;
}
}  // namespace

// Codes 400 images with `vae`: they must decode exactly, and the net rate must be the ELBO's (K = 200
// samples per image, the evaluation's estimator) within 3 %: BB-ANS costs −ELBO plus the latents'
// discretisation and the heads' overhead, which 400 images amortise.
BitsBackCode check_exact_at_the_elbo(LatentVariableModel& vae, const HostMatrix& x, const BitsBackSettings& settings) {
  const BitsBackCode code = bits_back_encode(vae, x, settings);
  const HostMatrix back = bits_back_decode(vae, code, x.extent(0), x.extent(1), settings);
  for (std::size_t i = 0; i < x.extent(0); ++i)
    for (std::size_t j = 0; j < x.extent(1); ++j) REQUIRE(back(i, j) == x(i, j));
  const RandomStream stream(1, 0, Stream::eval);
  const auto ev = evaluate_vae(vae, x, 200, {1}, stream, x.extent(0), single_rank());
  const double elbo_bits = -ev.elbo * double(x.extent(0)) / std::log(2.0);
  const double net_bits = code.message_bits - code.initial_bits;
  INFO("net " << net_bits << " bits, −ELBO " << elbo_bits << " bits");
  CHECK(std::abs(net_bits - elbo_bits) < 0.03 * elbo_bits);
  return code;
}

BitsBackSettings small_image_settings() {
  BitsBackSettings settings;  // 16-pixel images: 2^8 buckets, as many latent bits as the pixels carry
  settings.lanes = 8;
  settings.latent_bits = 8;
  settings.posterior_precision = 16;
  return settings;
}

TEST_CASE("bits-back: the images decode exactly, at about the negative ELBO", "[compression]") {
  TinyVae model(5);
  const HostMatrix x = images(400, 9);
  const BitsBackCode code = check_exact_at_the_elbo(*model.vae, x, small_image_settings());
  // Another model's tables do not decode the chain.
  TinyVae other(6);
  CHECK_THROWS_AS(bits_back_decode(*other.vae, code, 400, 16, small_image_settings()), DataError);
}

TEST_CASE("bits-back with two stochastic layers: exact, at about the negative ELBO", "[compression]") {
  ParameterStore store;
  HierarchicalVaeShape shape;
  shape.data_dim = 16;
  shape.latent1 = 4;
  shape.network = mlp_network(12, 1, Activation::tanh);
  shape.latent2 = 2;
  shape.upper_network = mlp_network(6, 1, Activation::tanh);
  HierarchicalVae vae(store, shape);
  store.allocate();
  RandomStream init(8, 0, Stream::init);
  store.initialize(init);
  const BitsBackCode code = check_exact_at_the_elbo(vae, images(400, 10), small_image_settings());
  // A one-layer model cannot decode a two-layer chain (the file says which it was made for).
  TinyVae one(5);
  CHECK_THROWS_WITH(bits_back_decode(*one.vae, code, 400, 16, small_image_settings()),
                    Catch::Contains("made for a model with two stochastic layer"));
}

TEST_CASE("container: round trip; truncation, corruption, a newer version and a foreign file are named", "[compression]") {
  CompressedFile f;
  f.images = 3;
  f.pixels = 16;
  f.latent = 3;
  f.settings.seed = 11;
  f.model[0] = 0xAB;
  f.code.words = {1, 2, 3, 0xFFFFFFFFu, 5};
  f.code.untouched_prefix = 9;
  f.code.z1_radius = 3.25;
  const std::string bytes = serialize(f);
  const CompressedFile g = parse_compressed(bytes, "x.tbc");
  CHECK(g.images == 3);
  CHECK(g.pixels == 16);
  CHECK(g.settings.seed == 11);
  CHECK(g.settings.lanes == f.settings.lanes);
  CHECK(g.model == f.model);
  CHECK(g.code.words == f.code.words);
  CHECK(g.code.untouched_prefix == 9);
  CHECK(g.code.z1_radius == 3.25);
  CHECK_THROWS_WITH(parse_compressed(bytes.substr(0, bytes.size() - 40), "x.tbc"), Catch::Contains("x.tbc: truncated"));
  CHECK_THROWS_WITH(parse_compressed(bytes.substr(0, 30), "x.tbc"), Catch::Contains("truncated"));
  std::string flipped = bytes;
  flipped[bytes.size() - 40] ^= 0x10;
  CHECK_THROWS_WITH(parse_compressed(flipped, "x.tbc"), Catch::Contains("corrupted"));
  std::string newer = bytes;
  newer[8] = 2;
  CHECK_THROWS_WITH(parse_compressed(newer, "x.tbc"), Catch::Contains("format version 2 is newer"));
  CHECK_THROWS_WITH(parse_compressed("GIF89a....", "x.tbc"), Catch::Contains("not a file of tractable compress"));
  CHECK_THROWS_WITH(parse_compressed(bytes + "tail", "x.tbc"), Catch::Contains("bytes after the end"));
}
