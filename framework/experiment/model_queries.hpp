#pragma once
// Questions asked of a trained model from outside a run, shared by the CLI
// (log-prob, encode, decode) and the Python module, so both compute the same
// numbers by construction: the rows' checks, log p of rows, q(z|x), E[x|z].
#include "experiment/model_session.hpp"

#include <string>
#include <utility>
#include <vector>

namespace tractable {

// Data rows from outside: finite, and in [0, 1] where the model's decoder needs it; `where` names them.
void check_data_rows(const ModelSession& session, const HostMatrix& rows /*[N, D]*/, const std::string& where);

// A query's contexts: a conditional flow needs them ([N, C], finite; `where` names them in errors), an
// unconditional model refuses them (context null: none given). UsageError or DataError otherwise.
void check_contexts(const ModelSession& session, const HostMatrix* context /*[N, C] or null*/, const std::string& where,
                    const std::string& option);
// The rows a conditional flow reads, [c | x] [N, C + D], from x [N, D] and c [N, C] (as many rows: a DataError
// naming both otherwise); x itself when `context` is null.
HostMatrix rows_with_context(const HostMatrix& x, const HostMatrix* context, const std::string& x_where,
                             const std::string& context_where);

struct ContextSamples {
  HostMatrix samples;         // [count, D]: draw k at context row (first + k) / n
  std::vector<double> log_q;  // [count] log q(x | c) the sampler reports
};
// Draws first .. first + count − 1 of a conditional flow's rows · n draws, n per context row
// ([R, C]), base noise from `stream` in draw order.
ContextSamples sample_at_contexts(Flow& flow, RandomStream& stream, const HostMatrix& contexts /*[R, C]*/,
                                  std::size_t n, std::size_t first, std::size_t count, std::size_t batch);

struct RowLogProb {
  std::vector<double> log_prob;  // this rank's shard of the rows, in order
  std::vector<double> elbo;      // VAEs: the mean of the same K log-weights
  std::size_t importance_samples = 0;  // VAEs: K
};
// Flows: exact log p. VAEs: log (1/K) Σ w_k with z_k from q(z|x), drawn from the run's evaluation stream
// keyed on the row's position (K = k, or objective.eval_importance_samples when k is 0).
RowLogProb log_prob_of_rows(ModelSession& session, const HostMatrix& rows /*[N, D]*/, std::size_t k,
                            std::size_t batch, const Communicator& comm);

// VAEs: q(z|x)'s mean and log-variance [N, L] each (the first stochastic layer's).
std::pair<HostMatrix, HostMatrix> encode_rows(LatentVariableModel& vae, const HostMatrix& rows /*[N, D]*/);
// VAEs: the decoder means E[x|z] [N, D] of latent rows z [N, L].
HostMatrix decode_rows(LatentVariableModel& vae, const HostMatrix& z /*[N, L]*/);

}  // namespace tractable
