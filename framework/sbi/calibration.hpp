#pragma once
// Calibration of a posterior estimate q(θ | x) without a reference posterior
// (`tractable diagnose`): from N pairs θ*_i ~ prior, x_i ~ p(x | θ*_i) and L
// draws θ_il ~ q(θ | x_i), three statistics whose distribution is known when
// q is the true posterior, each a fraction or rank per pair:
// - SBC (Talts et al. 2018): the rank of θ*_ij among the draws' coordinate j,
//   uniform on 0..L;
// - highest-density regions: the fraction of draws denser than θ* under q; θ*
//   lies in q's α-HDR when it is below α, which happens with probability α;
// - TARP (Lemos et al. 2023): the fraction of draws closer than θ* to a random
//   reference point; below α with probability α. Unlike the marginal ranks it
//   sees the joint, and unlike HDR it needs no density.
// Coverage at level α is the share of pairs whose fraction is below α; a
// calibrated q gives α (an over-confident one less, an under-confident more).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tractable {

// SBC ranks [N, D]: #{l : θ_il,j < θ*_ij}, from truth [N, D] and draws [N, L, D].
std::vector<double> sbc_ranks(const std::vector<double>& truth, const std::vector<double>& draws, std::size_t n,
                              std::size_t L, std::size_t D);
// The p-value of Pearson's χ² test that one coordinate's ranks (column j of ranks [N, D]) are uniform on 0..L,
// in `bins` equal bins of [0, L + 1) (sbi and SBC's convention; Boost.Math's χ² distribution).
double rank_uniformity_p_value(const std::vector<double>& ranks, std::size_t n, std::size_t D, std::size_t j,
                               std::size_t L, std::size_t bins = 10);
// [N]: the fraction of each pair's L draws with log q above log q(θ*): log_q_truth [N], log_q_draws [N, L].
std::vector<double> hdr_fractions(const std::vector<double>& log_q_truth, const std::vector<double>& log_q_draws,
                                  std::size_t n, std::size_t L);
// [N]: TARP's fraction per pair, distances after standardising each coordinate by the truths' mean and standard
// deviation, reference points uniform over the standardised truths' bounding box, drawn from `seed` by pair index.
std::vector<double> tarp_fractions(const std::vector<double>& truth, const std::vector<double>& draws, std::size_t n,
                                   std::size_t L, std::size_t D, std::uint64_t seed);
// The share of fractions below each level.
std::vector<double> coverage(const std::vector<double>& fractions, const std::vector<double>& levels);
// 0.05, 0.10, …, 0.95.
std::vector<double> coverage_levels();

}  // namespace tractable
