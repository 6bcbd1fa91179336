#include "experiment/model_queries.hpp"

#include "core/error.hpp"
#include "data/dataset.hpp"
#include "data/mnist.hpp"
#include "experiment/problem_from_spec.hpp"
#include "problems/evaluation.hpp"
#include "problems/vae_evaluation.hpp"

namespace tractable {

namespace {
Matrix on_device(const HostMatrix& rows, const char* label) {
  const Matrix device(std::string(label), rows.extent(0), rows.extent(1));
  Kokkos::deep_copy(device, rows);
  return device;
}
}  // namespace

void check_data_rows(const ModelSession& session, const HostMatrix& rows, const std::string& where) {
  check_model_rows(session.spec, rows, where);
}

void check_contexts(const ModelSession& session, const HostMatrix* context, const std::string& where,
                    const std::string& option) {
  if (session.context_dim == 0) {
    if (context)
      throw UsageError(option + ": the run's model is unconditional (its data had no context); leave " + option +
                       " out");
    return;
  }
  if (!context)
    throw UsageError(option + " is required: the run's flow is conditional, p(x | c) with " +
                     std::to_string(session.context_dim) + " context columns");
  if (context->extent(1) != session.context_dim)
    throw DataError(where + ": " + std::to_string(context->extent(1)) + " columns, but the run's flow takes " +
                    std::to_string(session.context_dim) + " context columns");
  check_finite(*context, where);
}

HostMatrix rows_with_context(const HostMatrix& x, const HostMatrix* context, const std::string& x_where,
                             const std::string& context_where) {
  return context ? join_context(*context, x, context_where, x_where) : x;
}

ContextSamples sample_at_contexts(Flow& flow, RandomStream& stream, const HostMatrix& contexts, std::size_t n,
                                  std::size_t first, std::size_t count, std::size_t batch) {
  const std::size_t C = flow.context_dim(), D = flow.dim();
  ContextSamples out{HostMatrix("tractable::context_samples", count, D), std::vector<double>(count)};
  Vector log_q;
  for (std::size_t start = 0; start < count; start += batch) {
    const std::size_t stop = std::min(count, start + batch);
    HostMatrix c("tractable::sample_at_contexts::c", stop - start, C);
    for (std::size_t k = start; k < stop; ++k)
      for (std::size_t j = 0; j < C; ++j) c(k - start, j) = contexts((first + k) / n, j);
    Matrix z("tractable::sample_at_contexts::z", stop - start, D);
    flow.base().sample(stream, z);
    const auto x = Kokkos::create_mirror_view_and_copy(
        Kokkos::HostSpace(), flow.sample_from_base(z, log_q, on_device(c, "tractable::sample_at_contexts::context")));
    const auto lq = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), log_q);
    for (std::size_t k = start; k < stop; ++k) {
      for (std::size_t j = 0; j < D; ++j) out.samples(k, j) = x(k - start, j);
      out.log_q[k] = lq(k - start);
    }
  }
  return out;
}

RowLogProb log_prob_of_rows(ModelSession& session, const HostMatrix& rows, std::size_t k, std::size_t batch,
                            const Communicator& comm) {
  RowLogProb r;
  if (session.vae) {
    require(k > 0 || session.spec.eval_importance_samples.has_value(),
            "log_prob_of_rows: the run's objective names no importance samples");
    r.importance_samples = k > 0 ? k : *session.spec.eval_importance_samples;
    const RandomStream stream(session.spec.seed, 0, Stream::eval);
    auto evaluation = evaluate_vae(*session.vae, rows, r.importance_samples, {1}, stream, batch, comm);
    r.log_prob = std::move(evaluation.local_log_likelihood);
    r.elbo = std::move(evaluation.local_elbo);
  } else {
    evaluate_nll(*session.flow, rows, batch, comm, &r.log_prob);
  }
  return r;
}

std::pair<HostMatrix, HostMatrix> encode_rows(LatentVariableModel& vae, const HostMatrix& rows) {
  const std::size_t n = rows.extent(0), L = vae.latent();
  const auto posterior =
      Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), vae.encode(on_device(rows, "tractable::encode_rows")));
  HostMatrix mean("tractable::encode_rows::mean", n, L), log_variance("tractable::encode_rows::log_variance", n, L);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t l = 0; l < L; ++l) {
      mean(i, l) = posterior(i, l);
      log_variance(i, l) = posterior(i, L + l);
    }
  return {mean, log_variance};
}

HostMatrix decode_rows(LatentVariableModel& vae, const HostMatrix& z) {
  return vae.decode(on_device(z, "tractable::decode_rows"));
}

}  // namespace tractable
