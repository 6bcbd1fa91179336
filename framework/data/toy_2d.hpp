#pragma once
// The 2D toy densities of FFJORD's toy_data.py (see shared/PAPERS.md), drawn
// from our seeded counter-based stream, so a (name, n, seed) triple always
// gives the same points.
#include "core/types.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tractable {

const std::vector<std::string>& toy_2d_names();  // moons, 8gaussians, checkerboard, 2spirals, rings, pinwheel, circles
HostMatrix generate_toy_2d(const std::string& name, std::size_t n, std::uint64_t seed);  // -> [n, 2]

// 8gaussians' exact density (for ground-truth tests): centres 4·u_k/1.414,
// σ = 0.5/1.414 in each coordinate, equal weights.
double eight_gaussians_log_density(double x, double y);

}  // namespace tractable
