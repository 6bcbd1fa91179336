#include "flows/lu_linear.hpp"
#include "core/column_sums.hpp"

#include "core/batch_parallel.hpp"
#include "core/error.hpp"
#include "core/random.hpp"

#include "core/gemm.hpp"

#include <numeric>

namespace tractable {

std::vector<FixedArray> LuLinear::fixed_arrays() const {
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), perm_);
  return {fixed_vector("permutation", std::vector<int>(host.data(), host.data() + host.extent(0)))};
}

LuLinear::LuLinear(ParameterStore& store, const std::string& name, std::size_t dim, std::uint64_t permutation_seed)
    : store_(store),
      lower_(store.reserve(name + ".lower", {dim, dim}, Initializer::zeros())),
      upper_(store.reserve(name + ".upper", {dim, dim}, Initializer::zeros())),
      log_diag_(store.reserve(name + ".log_diag", {dim}, Initializer::zeros())),
      bias_(store.reserve(name + ".bias", {dim}, Initializer::zeros())),
      dim_(dim),
      perm_("tractable::LuLinear::perm", dim) {
  std::vector<int> p(dim);
  std::iota(p.begin(), p.end(), 0);
  RandomStream stream(permutation_seed, 0, Stream::init);
  for (std::size_t j = dim; j > 1; --j) std::swap(p[j - 1], p[stream.below(j)]);
  auto host = Kokkos::create_mirror_view(perm_);
  for (std::size_t j = 0; j < dim; ++j) host(j) = p[j];
  Kokkos::deep_copy(perm_, host);
  for (Matrix* m : {&L_, &U_, &M_, &W_, &V_, &dM_, &dL_, &dU_, &scratch_})
    *m = Matrix("tractable::LuLinear::square", dim, dim);
}

void LuLinear::build_weight() {
  const std::size_t d = dim_;
  const Matrix lower = store_.matrix(lower_), upper = store_.matrix(upper_), L = L_, U = U_, M = M_, W = W_;
  const Vector s = store_.vector(log_diag_);
  const auto perm = perm_;
  for_each_element(
      "tractable::LuLinear::triangles", d, d, KOKKOS_LAMBDA(const std::size_t a, const std::size_t b) {
        L(a, b) = a == b ? Real(1) : (a > b ? lower(a, b) : Real(0));
        U(a, b) = a == b ? kmath::exp(s(a)) : (a < b ? upper(a, b) : Real(0));
      });
  gemm("N", "N", Real(1), L, U, Real(0), M);
  for_each_element(
      "tractable::LuLinear::permute_rows", d, d,
      KOKKOS_LAMBDA(const std::size_t a, const std::size_t b) { W(a, b) = M(perm(a), b); });
}

void LuLinear::build_inverse() {
  // Column k of W^{-1} = U^{-1} L^{-1} Pᵀ e_k, and Pᵀ e_k = e_{perm[k]}.
  const std::size_t d = dim_;
  const Matrix L = L_, U = U_, V = V_;
  const auto perm = perm_;
  // direct launch: one work item per column, each two triangular solves of d² multiply-adds, worth
  // splitting at any d (the helpers would count d elements and keep a large d on one thread).
  Kokkos::parallel_for(
      "tractable::LuLinear::inverse_columns", RangePolicy(0, d), KOKKOS_LAMBDA(const std::size_t k) {
        for (std::size_t a = 0; a < d; ++a) {  // L t = e_perm[k] (unit diagonal)
          Real t = a == std::size_t(perm(k)) ? Real(1) : Real(0);
          for (std::size_t c = 0; c < a; ++c) t -= L(a, c) * V(c, k);
          V(a, k) = t;
        }
        for (std::size_t a = d; a-- > 0;) {  // U v = t
          Real t = V(a, k);
          for (std::size_t c = a + 1; c < d; ++c) t -= U(a, c) * V(c, k);
          V(a, k) = t / U(a, a);
        }
      });
}

void LuLinear::add_logdet(const Vector& logdet, Real sign) {
  const Vector s = store_.vector(log_diag_);
  const std::size_t d = dim_;
  // log|det W| = Σ_j s_j, summed in each row's work item: no scalar comes back to the host.
  for_each_row_sum("tractable::LuLinear::add_logdet", logdet.extent(0), d, logdet, true,
                   KOKKOS_LAMBDA(std::size_t, std::size_t j) { return sign * s(j); });
}

void LuLinear::backpropagate_weight(const Matrix& dW) {
  // W = P M: dM(perm[a], b) = dW(a, b). M = L U: dL = dM Uᵀ, dU = Lᵀ dM.
  const std::size_t d = dim_;
  const Matrix dM = dM_;
  const auto perm = perm_;
  // Row a of dW goes to row perm[a] of dM: each element is still written once.
  for_each_element(
      "tractable::LuLinear::unpermute_rows", d, d,
      KOKKOS_LAMBDA(const std::size_t a, const std::size_t b) { dM(perm(a), b) = dW(a, b); });
  gemm("N", "T", Real(1), dM_, U_, Real(0), dL_);
  gemm("T", "N", Real(1), L_, dM_, Real(0), dU_);
  const Matrix dL = dL_, dU = dU_, U = U_, glower = store_.gradient_matrix(lower_), gupper = store_.gradient_matrix(upper_);
  const Vector gs = store_.gradient_vector(log_diag_);
  for_each_element(
      "tractable::LuLinear::triangle_gradients", d, d, KOKKOS_LAMBDA(const std::size_t a, const std::size_t b) {
        if (a > b) glower(a, b) += dL(a, b);
        if (a < b) gupper(a, b) += dU(a, b);
        if (a == b) gs(a) += dU(a, a) * U(a, a);  // U(a, a) = exp(s_a)
      });
}

void LuLinear::add_log_diag_gradient(const Vector& dlogdet, Real sign) {
  // ∂/∂s_j of Σ_i dlogdet_i · sign · Σ_j s_j: the same column sum for every j, on the device.
  const Vector gs = store_.gradient_vector(log_diag_);
  for_each_column_sum("tractable::LuLinear::log_diag_gradient", dlogdet.extent(0), dim_, gs, true,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t) { return sign * dlogdet(i); });
}

// ---- forward: y = x Wᵀ + b ------------------------------------------------

const Matrix& LuLinear::forward(const Matrix& x, const Vector& logdet) {
  const std::size_t batch = x.extent(0), d = dim_;
  require(x.extent(1) == d, "LuLinear::forward: input has the wrong number of columns");
  build_weight();
  input_ = x;
  ensure_shape(output_, batch, d, "tractable::LuLinear::output");
  const Vector b = store_.vector(bias_);
  const Matrix y = output_;
  for_each_element("tractable::LuLinear::broadcast_bias", batch, d,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) { y(i, j) = b(j); });
  if (batch > 0) gemm("N", "T", Real(1), x, W_, Real(1), y);
  add_logdet(logdet, Real(1));
  return output_;
}

const Matrix& LuLinear::forward_backward(const Matrix& dy, const Vector& dlogdet) {
  const std::size_t batch = input_.extent(0), d = dim_;
  require(dy.extent(0) == batch && dy.extent(1) == d, "LuLinear::forward_backward: dy shape mismatch");
  ensure_shape(input_gradient_, batch, d, "tractable::LuLinear::input_gradient");
  gemm("T", "N", Real(1), dy, input_, Real(0), scratch_);  // dW = dyᵀ x
  backpropagate_weight(scratch_);
  add_log_diag_gradient(dlogdet, Real(1));
  accumulate_column_sums(dy, store_.gradient_vector(bias_));
  gemm("N", "N", Real(1), dy, W_, Real(0), input_gradient_);
  return input_gradient_;
}

// ---- inverse: x = (y − b) W^{-T} --------------------------------------------

const Matrix& LuLinear::inverse(const Matrix& y, const Vector& logdet) {
  const std::size_t batch = y.extent(0), d = dim_;
  require(y.extent(1) == d, "LuLinear::inverse: input has the wrong number of columns");
  build_weight();
  build_inverse();
  ensure_shape(centered_, batch, d, "tractable::LuLinear::centered");
  ensure_shape(output_, batch, d, "tractable::LuLinear::output");
  const Vector b = store_.vector(bias_);
  const Matrix centered = centered_;
  for_each_element("tractable::LuLinear::center", batch, d,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) { centered(i, j) = y(i, j) - b(j); });
  if (batch > 0) gemm("N", "T", Real(1), centered_, V_, Real(0), output_);
  add_logdet(logdet, Real(-1));
  input_ = y;
  return output_;
}

const Matrix& LuLinear::inverse_backward(const Matrix& dx, const Vector& dlogdet) {
  const std::size_t batch = input_.extent(0), d = dim_;
  require(dx.extent(0) == batch && dx.extent(1) == d, "LuLinear::inverse_backward: dx shape mismatch");
  ensure_shape(input_gradient_, batch, d, "tractable::LuLinear::input_gradient");
  // x = c Vᵀ with c = y − b: dV = dxᵀ c, dW = −Vᵀ dV Vᵀ, dc = dx V.
  gemm("T", "N", Real(1), dx, centered_, Real(0), dM_);       // dV (dM_ as scratch)
  gemm("T", "N", Real(1), V_, dM_, Real(0), dL_);             // Vᵀ dV (dL_ as scratch)
  gemm("N", "T", Real(-1), dL_, V_, Real(0), scratch_);       // −Vᵀ dV Vᵀ
  backpropagate_weight(scratch_);
  add_log_diag_gradient(dlogdet, Real(-1));
  gemm("N", "N", Real(1), dx, V_, Real(0), input_gradient_);  // dy = dx V
  accumulate_column_sums(input_gradient_, store_.gradient_vector(bias_), Real(-1));  // b enters as y − b
  return input_gradient_;
}

}  // namespace tractable
