#include "experiment/flow_session.hpp"

#include "core/error.hpp"
#include "experiment/build_from_spec.hpp"

namespace tractable {

std::unique_ptr<FlowSession> build_flow_session(const nlohmann::json& spec, std::size_t dim, const Communicator& comm) {
  auto s = std::make_unique<FlowSession>();
  s->spec = spec;
  s->dim = dim;
  const std::uint64_t seed = spec.at("training").at("seed");
  s->flow = build_flow(spec.at("model"), dim, s->store, seed, comm);
  s->store.allocate();
  RandomStream init(seed, 0, Stream::init);
  s->store.initialize(init);
  return s;
}

namespace {
void restore_flat(const std::vector<ParameterInfo>& table, const std::vector<ParameterInfo>& stored,
                  const std::vector<Real>& values, const Vector& destination, const std::string& what,
                  const std::string& where) {
  bool same = table.size() == stored.size() && values.size() == destination.extent(0);
  for (std::size_t k = 0; same && k < table.size(); ++k)
    same = table[k].name == stored[k].name && table[k].offset == stored[k].offset && table[k].shape == stored[k].shape;
  if (!same)
    throw IoError(where + ": the checkpoint's " + what + " table (" + std::to_string(stored.size()) + " tensors, " +
                  std::to_string(values.size()) + " values) does not match the model built from its spec (" +
                  std::to_string(table.size()) + " tensors, " + std::to_string(destination.extent(0)) + " values)");
  HostVector host("tractable::restore", values.size());
  for (std::size_t i = 0; i < values.size(); ++i) host(i) = values[i];
  Kokkos::deep_copy(destination, host);
}
}  // namespace

void restore_parameters(ParameterStore& store, const Checkpoint& c, const std::string& where) {
  restore_flat(store.table(), c.table, c.parameters, store.values(), "parameter", where);
  restore_flat(store.buffer_table(), c.buffer_table, c.buffers, store.buffers(), "buffer", where);
}

std::unique_ptr<FlowSession> load_flow_session(const std::string& run_path) {
  const auto spec = RunFile::read_spec(run_path);
  auto session = build_flow_session(spec, RunFile::read_data_dim(run_path));
  restore_parameters(session->store, RunFile::read_checkpoint(run_path), run_path);
  session->flow->set_training(false);
  return session;
}

}  // namespace tractable
