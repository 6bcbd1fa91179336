#pragma once
// The simulator registry (`data.simulator`, `tractable simulate NAME`): each
// simulator registers once with its prior and simulator (the class in
// sbi/tasks/), what it is in words, and how its reference posterior is drawn
// — or that it has none, which is then known here, not discovered at run
// time. The spec's choices, the spec reference's table and the simulator harness
// (tests/unit/test_simulators.cpp) come from this one list.
#include "sbi/reference_posterior.hpp"
#include "sbi/simulators.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tractable {

struct SimulatorType {
  std::string name;
  std::string parameters;    // θ: its dimension D and prior, in words
  std::string observations;  // x: its dimension C and how it is simulated, in words
  std::function<std::unique_ptr<Simulator>()> make;
  ReferenceSampler reference;  // null: no reference posterior
  std::string reference_method;  // how the reference is drawn, in words
  // sbibm's task of the same definition, whose official observations and reference posterior samples
  // (cluster/fetch-sbibm.sh: data/sbibm/sbibm_<task>.h5) the tests and the benchmark suite use ("": none).
  std::string benchmark;
  // The prefix of its observations' datasets in that file (obs_<n>; bernoulli_glm_raw: the spike trains,
  // obs_raw_<n>).
  std::string benchmark_observations = "obs_";
};

class SimulatorRegistry {
 public:
  explicit SimulatorRegistry(std::vector<SimulatorType> types);
  // A SpecError naming `where` (and the closest name) for an unknown simulator.
  const SimulatorType& at(const std::string& name, const std::string& where) const;
  std::vector<std::string> names() const;
  const std::vector<SimulatorType>& types() const { return types_; }
  std::string family() const { return "data.simulator"; }
  // | data.simulator | θ (D) and prior | x (C) | reference posterior |
  std::string markdown_table() const;

 private:
  std::vector<SimulatorType> types_;
};

const SimulatorRegistry& simulator_registry();

// simulator_registry().at(name, where).make()
std::unique_ptr<Simulator> make_simulator(const std::string& name, const std::string& where = "simulator");

}  // namespace tractable
