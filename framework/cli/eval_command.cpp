#include "cli/options.hpp"
#include "experiment/build_from_spec.hpp"
#include "problems/evaluation.hpp"
#include "experiment/model_session.hpp"
#include "problems/vae_evaluation.hpp"

#include <cmath>
#include <cstdio>

namespace tractable::cli {

int eval_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable eval");
  std::string path, split = "test";
  std::size_t batch = 4096, importance_samples = 0, points = 0;
  options.add_options()
      ("run", po::value(&path)->required(), "run file")
      ("split", po::value(&split)->default_value("test"), "test or train")
      ("batch", po::value(&batch)->default_value(4096), "rows per evaluation pass")
      ("importance-samples,k", po::value(&importance_samples)->default_value(0),
       "VAE: importance samples K per example for log p(x) (default: the spec's objective.eval_importance_samples)")
      ("points", po::value(&points)->default_value(0), "VAE: evaluate the first N examples of the split (default: all)");
  po::positional_options_description positional;
  positional.add("run", 1);
  po::variables_map vm;
  if (!parse_options(args, "tractable eval RUN.h5 [--split test|train]", options, positional, vm, comm)) return 0;
  if (split != "test" && split != "train") throw UsageError("--split must be 'test' or 'train', got '" + split + "'");
  if (batch == 0) throw UsageError("--batch must be positive");
  auto session = load_model_session(path);
  const auto& objective = session->spec.at("objective");
  if (objective.at("type") == "reverse_kl") {
    // Variational runs: importance sampling with the flow as proposal.
    const auto target = build_target(objective.at("target"));
    double reference = target->log_normalizer();
    if (std::isnan(reference) && target->dim() == 2) reference = quadrature_log_normalizer(*target, -8, 8, 1600);
    const RandomStream stream(session->spec.at("training").at("seed"), 0, Stream::eval);
    const std::size_t n = objective.at("eval_samples");
    const auto r = evaluate_importance(*session->flow, *target, stream, n, batch, comm, reference);
    if (comm.is_root())
      std::printf("{\"run\": \"%s\", \"elbo\": %.6f, \"log_z\": %.6f, \"ess_fraction\": %.6f, \"kl\": %.6f, "
                  "\"reference_log_z\": %.6f, \"n\": %zu}\n",
                  path.c_str(), r.elbo, r.log_z, r.ess_fraction, r.kl, reference, n);
    return 0;
  }
  const Dataset data = load_dataset(session->spec.at("data"));
  if (data.dim() != session->dim)
    throw DataError(data.origin + ": has " + std::to_string(data.dim()) + " columns, but " + path +
                    " was trained on " + std::to_string(session->dim));
  if (session->vae) {
    // log p(x) by importance sampling with K samples per example, and the bounds L_k from the same samples.
    const std::size_t K = importance_samples > 0 ? importance_samples : objective.at("eval_importance_samples").get<std::size_t>();
    const HostMatrix& all = split == "test" ? data.test : data.train;
    const HostMatrix rows = points > 0 ? gather_rows(all, points) : all;
    std::vector<std::size_t> ks;
    for (std::size_t k = 1; k <= K; k *= 10) ks.push_back(k);
    for (std::size_t k = 5; k <= K; k *= 10) ks.push_back(k);
    const RandomStream stream(session->spec.at("training").at("seed"), 0, Stream::eval);
    const auto r = evaluate_vae(*session->vae, rows, K, ks, stream, batch, comm);
    if (comm.is_root()) {
      std::string bounds;
      for (const auto& [k, value] : r.bounds) bounds += (bounds.empty() ? "" : ", ") + ("\"" + std::to_string(k) + "\": ") + std::to_string(value);
      std::printf("{\"run\": \"%s\", \"split\": \"%s\", \"nll\": %.6f, \"bits_per_dim\": %.6f, \"elbo\": %.6f, "
                  "\"importance_samples\": %zu, \"active_units\": %zu, \"bounds\": {%s}, \"n\": %zu}\n",
                  path.c_str(), split.c_str(), r.nll, r.bits_per_dim, r.elbo, K, r.active_units, bounds.c_str(),
                  rows.extent(0));
    }
    return 0;
  }
  const auto r = evaluate_nll(require_flow(*session, "eval"), split == "test" ? data.test : data.train, batch, comm);
  if (comm.is_root())
    std::printf("{\"run\": \"%s\", \"split\": \"%s\", \"nll\": %.6f, \"bits_per_dim\": %.6f, \"n\": %zu}\n",
                path.c_str(), split.c_str(), r.nll, r.bits_per_dim,
                (split == "test" ? data.test : data.train).extent(0));
  return 0;
}

}  // namespace tractable::cli
