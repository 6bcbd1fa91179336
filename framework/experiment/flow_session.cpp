#include "experiment/flow_session.hpp"

#include "core/error.hpp"
#include "experiment/build_from_spec.hpp"

namespace tractable {

std::unique_ptr<FlowSession> build_flow_session(const nlohmann::json& spec, std::size_t dim) {
  auto s = std::make_unique<FlowSession>();
  s->spec = spec;
  s->dim = dim;
  const std::uint64_t seed = spec.at("training").at("seed");
  s->flow = build_flow(spec.at("model"), dim, s->store, seed);
  s->store.allocate();
  RandomStream init(seed, 0, Stream::init);
  s->store.initialize(init);
  return s;
}

void restore_parameters(ParameterStore& store, const Checkpoint& c, const std::string& where) {
  const auto& table = store.table();
  bool same = table.size() == c.table.size() && c.parameters.size() == store.size();
  for (std::size_t k = 0; same && k < table.size(); ++k)
    same = table[k].name == c.table[k].name && table[k].offset == c.table[k].offset && table[k].shape == c.table[k].shape;
  if (!same)
    throw IoError(where + ": the checkpoint's parameter table (" + std::to_string(c.table.size()) + " tensors, " +
                  std::to_string(c.parameters.size()) + " values) does not match the model built from its spec (" +
                  std::to_string(table.size()) + " tensors, " + std::to_string(store.size()) + " values)");
  HostVector host("tractable::restore_parameters", c.parameters.size());
  for (std::size_t i = 0; i < c.parameters.size(); ++i) host(i) = c.parameters[i];
  Kokkos::deep_copy(store.values(), host);
}

std::unique_ptr<FlowSession> load_flow_session(const std::string& run_path) {
  const auto spec = RunFile::read_spec(run_path);
  auto session = build_flow_session(spec, RunFile::read_data_dim(run_path));
  restore_parameters(session->store, RunFile::read_checkpoint(run_path), run_path);
  return session;
}

}  // namespace tractable
