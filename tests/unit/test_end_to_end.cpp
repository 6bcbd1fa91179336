// Ground truth for the whole spine: the quickstart flow trained on 8gaussians
// reaches a test NLL within 0.25 nats of the mixture's true entropy, computed
// here by Monte Carlo from its exact density.
#include "gradient_check.hpp"

#include "data/toy_2d.hpp"
#include "experiment/runner.hpp"

#include <filesystem>

using namespace tractable;

TEST_CASE("quickstart: test NLL on 8gaussians is within 0.25 nats of the true entropy", "[end-to-end]") {
  // H = −E_p[log p(x)], by Monte Carlo over 400k exact samples (standard error < 0.003 nats).
  const std::size_t n = 400000;
  const auto x = generate_toy_2d("8gaussians", n, 12345);
  double entropy = 0;
  for (std::size_t i = 0; i < n; ++i) entropy -= eight_gaussians_log_density(x(i, 0), x(i, 1)) / double(n);

  const std::string path = "quickstart_e2e.h5";
  std::filesystem::remove(path);
  RunOptions o;
  o.spec_path = std::string(TRACTABLE_SOURCE_DIR) + "/experiments/quickstart.json";
  o.out = path;
  o.quiet = true;
  o.overrides = {"output.n_samples=0", "output.density_grid=0"};
  Communicator comm;
  const auto summary = run_experiment(o, comm);
  INFO("true entropy " << entropy << " nats, test NLL " << summary.result("test_nll") << " nats");
  CHECK(summary.result("test_nll") < entropy + 0.25);
  // No model beats the entropy by more than the test set's sampling noise.
  CHECK(summary.result("test_nll") > entropy - 0.05);
  std::filesystem::remove(path);
}
