#pragma once
// The keys of the rational-quadratic spline (bins, tail bound, floors), shared
// by the spline coupling and the spline autoregressive layer.
#include "spec/schema.hpp"
#include "flows/rational_quadratic_spline.hpp"
#include "spec/spec_section.hpp"

#include <string>
#include <vector>

namespace tractable {

inline std::vector<SchemaField> spline_keys() {
  namespace s = schema;
  return {{"bins", s::integer(2, 64), 8, "number of spline bins K", false},
          {"tail_bound", s::number(0, std::nullopt, true), 3.0, "B: splines on [−B, B], identity (linear) tails outside", false},
          {"min_bin_width", s::number(0, 1, true, true), 1e-3, "floor on bin widths (fraction of 2B); bins·floor < 1", false},
          {"min_bin_height", s::number(0, 1, true, true), 1e-3, "floor on bin heights (fraction of 2B); bins·floor < 1", false},
          {"min_derivative", s::number(0, std::nullopt, true), 1e-3, "floor on knot derivatives", false}};
}

inline SplineConfig read_spline_config(const SpecSection& layer) {
  SplineConfig c;
  c.bins = layer.get<int>("bins");
  c.tail_bound = layer.get<Real>("tail_bound");
  c.min_bin_width = layer.get<Real>("min_bin_width");
  c.min_bin_height = layer.get<Real>("min_bin_height");
  c.min_derivative = layer.get<Real>("min_derivative");
  if (double(c.bins) * double(c.min_bin_width) >= 1)
    throw SpecError(layer.where("min_bin_width") + ": bins × min_bin_width must be < 1 (got " + std::to_string(c.bins) +
                    " × " + std::to_string(double(c.min_bin_width)) + ")");
  if (double(c.bins) * double(c.min_bin_height) >= 1)
    throw SpecError(layer.where("min_bin_height") + ": bins × min_bin_height must be < 1");
  return c;
}

}  // namespace tractable
