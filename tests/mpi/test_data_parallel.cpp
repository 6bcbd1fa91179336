// Run under `mpirun -np 2`: training on 2 ranks with global batch B gives the
// parameters one rank gets with the same B (fp64, to summation-order
// rounding), including a batch that does not split evenly.
#include "gradient_check.hpp"

#include "experiment/runner.hpp"
#include "io/run_file.hpp"

#include <filesystem>

using namespace tractable;

namespace {
RunOptions options(const std::string& out, std::size_t batch, const std::string& layers) {
  RunOptions o;
  o.spec_path = std::string(TRACTABLE_SOURCE_DIR) + "/experiments/quickstart.json";
  o.out = out;
  o.force = true;
  o.quiet = true;
  o.overrides = {"training.steps=50", "training.batch_size=" + std::to_string(batch), "training.eval_every=0",
                 "training.checkpoint_every=25", "model.repeat=4", "model.hidden=32", "data.n_train=3000",
                 "data.n_test=1000", "output.n_samples=10", "output.density_grid=0", "model.layers=" + layers};
  return o;
}
}  // namespace

TEST_CASE("data parallel: 2 ranks match 1 rank with the same global batch", "[mpi]") {
  Communicator world;
  REQUIRE(world.size() == 2);
  const std::string coupling = R"([{"type":"affine_coupling"}])";
  // ActNorm's data-dependent initialisation must use the global batch to match.
  const std::string autoregressive = R"([{"type":"actnorm"},{"type":"maf","hidden":16},{"type":"reverse"}])";
  for (auto [batch, layers] : {std::pair<std::size_t, std::string>{64, coupling}, {63, coupling}, {63, autoregressive}}) {
    SECTION("global batch " + std::to_string(batch) + ", layers " + layers) {
      const std::string parallel = "dp_two_ranks.h5", single = "dp_one_rank.h5";
      const auto two = run_experiment(options(parallel, batch, layers), world);
      if (world.rank() == 0) {
        Communicator self(MPI_COMM_SELF);
        const auto one = run_experiment(options(single, batch, layers), self);
        CHECK(two.result("test_nll") == Approx(one.result("test_nll")).epsilon(1e-9));
        const auto a = RunFile::read_checkpoint(parallel), b = RunFile::read_checkpoint(single);
        REQUIRE(a.parameters.size() == b.parameters.size());
        double worst = 0;
        for (std::size_t k = 0; k < a.parameters.size(); ++k)
          worst = std::max(worst, std::abs(a.parameters[k] - b.parameters[k]) / std::max(1.0, std::abs(b.parameters[k])));
        INFO("largest relative parameter difference after 50 steps: " << worst);
        CHECK(worst < 1e-9);
        CHECK(std::isfinite(worst));
        std::filesystem::remove(parallel);
        std::filesystem::remove(single);
      }
      world.barrier();
    }
  }
}
