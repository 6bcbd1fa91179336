#pragma once
// Bits-back coding with a VAE (BB-ANS, Townsend, Bird & Barber 2019): binary
// images x_1 … x_N are coded one after another onto one rANS message
// (compression/ans_message.hpp). For each image:
//   encode: pop z from q(z|x)  (the "bits back": it consumes message bits)
//           push x under p(x|z)   (Bernoulli, the decoder's probabilities)
//           push z under p(z)     (uniform over equal-prior-mass buckets)
//   decode: the reverse — pop z under p(z), pop x under p(x|z), push z under q(z|x).
// With two stochastic layers (vae/hierarchical_vae.hpp) z = (z1, z2): pop z1
// from q(z1|x) and z2 from q(z2|z1), push x under p(x|z1), z1 under p(z1|z2)
// and z2 under p(z2); decoding reverses every step.
// Latents are discretised into 2^latent_bits buckets per coordinate
// (compression/codecs.hpp). The net cost of an image is about −ELBO(x) plus
// the discretisation's loss, in bits.
//
// Determinism: decoding recomputes q(z|x) and p(x|z) and must reproduce the
// encoder's tables bit for bit. Both sides evaluate each network on one image
// at a time (a batch of one: a GEMM's summation order may depend on the batch
// size), with the same binary, ISA and fp32 kernels, and no reduction over
// threads or ranks (compress and decompress run on one rank).
#include "compression/ans_message.hpp"
#include "core/types.hpp"
#include "vae/latent_variable_model.hpp"

#include <cstdint>
#include <vector>

namespace tractable {

struct BitsBackSettings {
  // 2^12 buckets per latent coordinate, q(z|x) over them out of 2^20: measured on MNIST, the rate is
  // then within 1 % of the −ELBO (8 and 16: 1.6 %, at 8 times the speed).
  unsigned latent_bits = 12;
  unsigned posterior_precision = 20;
  unsigned likelihood_precision = 16;  // p(x|z) per pixel, out of 2^16
  std::size_t lanes = 16;              // rANS heads the pixels are interleaved over (64 bits each in the file)
  std::size_t prefix_words = 64;       // initial bits: seeded random 32-bit words under the message
  std::uint64_t seed = 0;              // of those initial bits
};

struct BitsBackCode {
  std::vector<std::uint32_t> words;  // AnsMessage::flatten()
  std::size_t untouched_prefix = 0;  // initial words never popped (regenerated from the seed)
  // Two stochastic layers: z1's buckets are of equal width over [−z1_radius, z1_radius], the radius the
  // largest |μ| + 5σ of q(z1|x) over the images (measured by the encoder, carried in the file; z1 is
  // coded under p(z1|z2), not N(0, I)). 0 with one layer (its z has equal-mass buckets under N(0, 1)).
  double z1_radius = 0;
  double message_bits = 0;           // the final message's size, initial words included
  double initial_bits = 0;           // the initial message's size (heads + prefix)
};

// x: [N, D] with values 0 or 1 (checked by the caller). `vae`: one stochastic layer with a diagonal
// Gaussian posterior, or two (HierarchicalVae), prior N(0, I), a Bernoulli decoder (the caller checks the spec).
BitsBackCode bits_back_encode(LatentVariableModel& vae, const HostMatrix& x, const BitsBackSettings& settings);
// The inverse: N images of D pixels, in their original order. A DataError when the message does not
// decode to a complete chain (another model, or corrupt words that passed the checksums).
HostMatrix bits_back_decode(LatentVariableModel& vae, const BitsBackCode& code, std::size_t n, std::size_t d,
                            const BitsBackSettings& settings);

}  // namespace tractable
