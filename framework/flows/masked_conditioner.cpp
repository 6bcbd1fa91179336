#include "flows/masked_conditioner.hpp"
#include "core/batch_parallel.hpp"

#include "core/column_blocks.hpp"
#include "core/error.hpp"

namespace tractable {

namespace {
MlpShape with_input(MlpShape shape, std::size_t dim, std::size_t context_features) {
  shape.in = dim + context_features;
  shape.zero_output = true;  // the transform starts as the identity
  return shape;
}
}  // namespace

MaskedConditioner::MaskedConditioner(ParameterStore& store, const std::string& name, const std::vector<int>& mask,
                                     MlpShape shape, std::size_t context_features)
    : mask_("tractable::MaskedConditioner::mask", mask.size()),
      context_features_(context_features),
      mlp_(store, name, with_input(shape, mask.size(), context_features)) {
  auto host = Kokkos::create_mirror_view(mask_);
  for (std::size_t j = 0; j < mask.size(); ++j) host(j) = mask[j] ? 1 : 0;
  Kokkos::deep_copy(mask_, host);
}

std::vector<int> MaskedConditioner::host_mask() const {
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), mask_);
  return std::vector<int>(host.data(), host.data() + host.extent(0));
}

std::string MaskedConditioner::mask_string() const {
  std::string m;
  for (const int bit : host_mask()) m += bit ? '1' : '0';
  return m;
}

const Matrix& MaskedConditioner::operator()(const Matrix& source, const Matrix& h) {
  const std::size_t batch = source.extent(0), dim = this->dim();
  require(source.extent(1) == dim, "coupling: input has " + std::to_string(source.extent(1)) + " columns, expected " +
                                       std::to_string(dim));
  require(h.extent(1) == context_features_ && (context_features_ == 0 || h.extent(0) == batch),
          "coupling: the context has " + std::to_string(h.extent(1)) + " features for " + std::to_string(h.extent(0)) +
              " rows, expected " + std::to_string(context_features_) + " for " + std::to_string(batch));
  ensure_shape(masked_input_, batch, dim + context_features_, "tractable::MaskedConditioner::masked_input");
  place_columns(h, masked_input_, dim);
  const auto mask = mask_;
  const Matrix masked = masked_input_;
  for_each_element("tractable::MaskedConditioner::mask_input", batch, dim, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
    masked(i, j) = mask(j) ? source(i, j) : Real(0);
  });
  return mlp_.forward(masked_input_);
}

void MaskedConditioner::backward(const Matrix& doutput, const Matrix& grad, const Matrix& dh) {
  const Matrix from_mlp = mlp_.backward(doutput);
  if (context_features_ > 0) add_columns(from_mlp, dim(), dh);
  const auto mask = mask_;
  const std::size_t dim = this->dim();
  for_each_element("tractable::MaskedConditioner::backward", grad.extent(0), dim,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                     if (mask(j)) grad(i, j) += from_mlp(i, j);
                   });
}

}  // namespace tractable
