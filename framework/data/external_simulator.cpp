#include "data/external_simulator.hpp"

#include "core/error.hpp"
#include "io/hdf5_file.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

extern char** environ;

namespace tractable {

void ExternalPrior::sample(RandomStream& r, double* theta) const {
  for (std::size_t j = 0; j < dim(); ++j)
    theta[j] = kind == Kind::uniform ? first[j] + (second[j] - first[j]) * r.uniform() : first[j] + second[j] * r.normal();
}

std::string ExternalPrior::describe() const {
  auto shortest = [](double v) {  // the shortest text that reads back as v
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, v).ptr;
    return std::string(text, end);
  };
  std::string out = kind == Kind::uniform ? "uniform low" : "normal mean";
  for (const double v : first) out += ' ' + shortest(v);
  out += kind == Kind::uniform ? " high" : " sd";
  for (const double v : second) out += ' ' + shortest(v);
  return out;
}

const char* simulation_block_name(SimulationBlock block) {
  switch (block) {
    case SimulationBlock::training: return "training";
    case SimulationBlock::test: return "test";
    case SimulationBlock::observations: return "observations";
  }
  return "?";
}

namespace {
std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// The simulator in words: the command, or the in-process function's name.
std::string simulator_name(const ExternalSimulatorSettings& s) {
  return s.function ? "function " + s.function_name : joined(s.command);
}

}  // namespace

std::string not_finite_message(const ExternalSimulatorSettings& s, std::size_t row) {
  return "row " + std::to_string(row) + ": '" + simulator_name(s) + "' returned NaN or infinity";
}

std::string simulation_cache_identity(const ExternalSimulatorSettings& s, std::uint64_t seed) {
  return "command: " + simulator_name(s) + "\nprior: " + s.prior.describe() +
         "\nobservation_dim: " + std::to_string(s.observation_dim) + "\nseed: " + std::to_string(seed) + "\n";
}

namespace {

void write_input(const std::string& path, const std::vector<double>& theta, std::size_t b, std::size_t D,
                 const std::string& format) {
  if (format == "hdf5") {
    Hdf5File f(path, Hdf5File::Mode::create_truncate);
    f.write<double>("/parameters", theta, {b, D});
    return;
  }
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw IoError(path + ": cannot write: " + std::strerror(errno));
  for (std::size_t i = 0; i < b; ++i)
    for (std::size_t j = 0; j < D; ++j) std::fprintf(f, "%.17g%c", theta[i * D + j], j + 1 == D ? '\n' : ',');
  if (std::fclose(f) != 0) throw IoError(path + ": cannot write: " + std::strerror(errno));
}

// The output's rows [b, C], or the reason it cannot be read.
std::string read_output(const std::string& path, std::size_t b, std::size_t C, const std::string& format,
                        std::vector<double>& x) {
  if (!std::filesystem::exists(path)) return "wrote no output file";
  x.assign(b * C, std::numeric_limits<double>::quiet_NaN());
  if (format == "hdf5") {
    try {
      std::vector<std::uint64_t> dims;
      const auto values = Hdf5File(path, Hdf5File::Mode::read_only).read<double>("/observations", &dims);
      if (dims.size() != 2 || dims[0] != b || dims[1] != C)
        return "/observations has shape [" + (dims.empty() ? std::string() : std::to_string(dims[0])) +
               (dims.size() > 1 ? ", " + std::to_string(dims[1]) : std::string()) + "], expected [" +
               std::to_string(b) + ", " + std::to_string(C) + "]";
      x = values;
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  std::ifstream in(path);
  std::string line;
  std::size_t row = 0;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (row == b) return "more than the " + std::to_string(b) + " rows it was given";
    std::stringstream cells(line);
    std::string cell;
    std::size_t column = 0;
    while (std::getline(cells, cell, ',')) {
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      if (end == cell.c_str() || cell.find_first_not_of(" \t\r", std::size_t(end - cell.c_str())) != std::string::npos)
        return "line " + std::to_string(row + 1) + ", column " + std::to_string(column + 1) + ": '" + cell +
               "' is not a number";
      if (column < C) x[row * C + column] = v;
      ++column;
    }
    if (column != C)
      return "line " + std::to_string(row + 1) + " has " + std::to_string(column) + " values, expected " +
             std::to_string(C);
    ++row;
  }
  if (row != b) return std::to_string(row) + " rows for " + std::to_string(b) + " parameter rows";
  return "";
}

SimulationBatch call_function(const ExternalSimulatorSettings& s, const std::vector<double>& theta, std::size_t b,
                          std::size_t first_row) {
  const std::size_t C = s.observation_dim;
  const std::string rows = "rows " + std::to_string(first_row) + "–" + std::to_string(first_row + b - 1);
  SimulationBatch result;
  try {
    result.x = (*s.function)(theta, b, s.prior.dim());
    if (result.x.size() != b * C)
      result.failure = rows + ": " + s.function_name + " returned " + std::to_string(result.x.size()) +
                       " values for " + std::to_string(b) + " rows of " + std::to_string(C);
  } catch (const std::exception& e) {
    const std::string what = e.what();  // Python's error, without the traceback pybind11 appends
    result.failure = rows + ": " + s.function_name + " raised " + what.substr(0, what.find('\n'));
  }
  if (!result.failure.empty()) result.x.assign(b * C, std::numeric_limits<double>::quiet_NaN());
  return result;
}

}  // namespace

SimulationBatch simulate_batch(const ExternalSimulatorSettings& s, const std::vector<double>& theta, std::size_t b,
                               std::size_t first_row) {
  if (s.function) return call_function(s, theta, b, first_row);
  const std::size_t D = s.prior.dim(), C = s.observation_dim;
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/tractable-simulation-XXXXXX";
  if (!mkdtemp(dir.data())) throw IoError(dir + ": cannot create a temporary directory: " + std::strerror(errno));
  const std::string ext = s.format == "hdf5" ? ".h5" : ".csv";
  const std::string input = dir + "/parameters" + ext, output = dir + "/observations" + ext;
  SimulationBatch result;
  try {
    write_input(input, theta, b, D, s.format);
    std::vector<std::string> words = s.command;
    words.push_back(input);
    words.push_back(output);
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
    const std::string rows = "rows " + std::to_string(first_row) + "–" + std::to_string(first_row + b - 1);
    if (spawned != 0) {
      result.failure = rows + ": cannot run '" + s.command[0] + "': " + std::strerror(spawned);
    } else {
      int status = 0;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        result.failure = rows + ": '" + joined(s.command) + "' exited with status " + std::to_string(WEXITSTATUS(status));
      else if (WIFSIGNALED(status))
        result.failure = rows + ": '" + joined(s.command) + "' was killed by signal " + std::to_string(WTERMSIG(status));
      else if (const std::string bad = read_output(output, b, C, s.format, result.x); !bad.empty())
        result.failure = rows + ": the output of '" + joined(s.command) + "': " + bad;
    }
  } catch (...) {
    std::filesystem::remove_all(dir);
    throw;
  }
  std::filesystem::remove_all(dir);
  if (!result.failure.empty()) result.x.assign(b * C, std::numeric_limits<double>::quiet_NaN());
  return result;
}

std::vector<double> SimulationBatch::statuses(std::size_t C) const {
  const std::size_t b = x.size() / C;
  std::vector<double> out(b);
  for (std::size_t i = 0; i < b; ++i) {
    bool finite = true;
    for (std::size_t j = 0; j < C; ++j) finite = finite && std::isfinite(x[i * C + j]);
    out[i] = double(static_cast<int>(!failure.empty() ? SimulationStatus::command_failed
                                     : finite         ? SimulationStatus::ok
                                                      : SimulationStatus::not_finite));
  }
  return out;
}

CachedSimulations read_simulation_cache(const ExternalSimulatorSettings& s, std::uint64_t seed, SimulationBlock block) {
  CachedSimulations out;
  if (s.cache.empty() || !std::filesystem::exists(s.cache)) return out;
  try {
    Hdf5File f(s.cache, Hdf5File::Mode::read_only);
    const std::string made_by = f.exists("/settings") ? f.read_string("/settings") : "";
    const std::string wanted = simulation_cache_identity(s, seed);
    if (made_by != wanted) {
      auto one_line = [](std::string text) {
        for (std::size_t at; (at = text.find('\n')) != std::string::npos;) text.replace(at, 1, at + 1 == text.size() ? "" : "; ");
        return text;
      };
      throw DataError(s.cache + ": a simulation cache made with other settings (it records " + one_line(made_by) +
                      "; this run needs " + one_line(wanted) + "); choose another data.cache");
    }
    const std::string g = std::string("/") + simulation_block_name(block);
    if (!f.exists(g + "/status")) return out;
    out.theta = f.read<double>(g + "/parameters");
    out.x = f.read<double>(g + "/observations");
    out.status = f.read<double>(g + "/status");
    if (f.exists(g + "/first_failure")) out.first_failure = f.read_string(g + "/first_failure");
  } catch (const IoError& e) {
    throw DataError(std::string(e.what()) + " (data.cache)");
  }
  const std::size_t D = s.prior.dim(), C = s.observation_dim;
  if (out.theta.size() != out.rows() * D || out.x.size() != out.rows() * C)
    throw DataError(s.cache + ": /" + simulation_block_name(block) + " has datasets of different lengths (a damaged cache)");
  return out;
}

void write_simulation_cache(const ExternalSimulatorSettings& s, std::uint64_t seed, SimulationBlock block,
                            const CachedSimulations& c) {
  const bool exists = std::filesystem::exists(s.cache);
  write_hdf5_durably(
      s.cache,
      [&](Hdf5File& f) {
        if (f.exists("/settings")) f.remove("/settings");
        f.write_string("/settings", simulation_cache_identity(s, seed));
        const std::string g = std::string("/") + simulation_block_name(block);
        if (f.exists(g)) f.remove(g);
        f.create_group(g);
        const std::uint64_t M = c.rows();
        f.write<double>(g + "/parameters", c.theta, {M, s.prior.dim()});
        f.write<double>(g + "/observations", c.x, {M, s.observation_dim});
        f.write<double>(g + "/status", c.status, {M});
        if (!c.first_failure.empty()) f.write_string(g + "/first_failure", c.first_failure);
      },
      "", exists ? s.cache : "");
}

void draw_prior_rows(const ExternalPrior& prior, std::uint64_t seed, SimulationBlock block, std::size_t first,
                     std::size_t count, double* theta) {
  for (std::size_t i = 0; i < count; ++i) {
    RandomStream r = simulation_row_stream(seed, block, first + i, 64);
    prior.sample(r, theta + i * prior.dim());
  }
}

ExternalSimulations external_simulations(const ExternalSimulatorSettings& s, std::size_t n, std::uint64_t seed,
                                         SimulationBlock block, const Communicator& comm) {
  const std::size_t D = s.prior.dim(), C = s.observation_dim;
  // θ of every row, as every rank draws them (row i from its own stream: any prefix is the same rows).
  std::vector<double> theta(n * D);
  draw_prior_rows(s.prior, seed, block, 0, n, theta.data());
  CachedSimulations c = read_simulation_cache(s, seed, block);
  const std::size_t reused = std::min(c.rows(), n);
  for (std::size_t k = 0; k < reused * D; ++k)
    if (c.theta[k] != theta[k])
      throw DataError(s.cache + ": row " + std::to_string(k / D) + " of /" + simulation_block_name(block) +
                      " holds other parameters than this prior draws (a damaged or foreign cache)");
  // The missing rows in batches, one batch per rank per round; the cache rewritten after each round.
  std::size_t next = c.rows();
  while (next < n) {
    const std::size_t round_rows = std::min(n - next, s.batch * std::size_t(comm.size()));
    const std::size_t mine_begin = std::min(round_rows, s.batch * std::size_t(comm.rank()));
    const std::size_t mine_end = std::min(round_rows, mine_begin + s.batch);
    std::vector<double> mine;  // [rows: x (C values), status]
    std::string failure;
    if (mine_end > mine_begin) {
      const std::size_t b = mine_end - mine_begin, first = next + mine_begin;
      const std::vector<double> t(theta.begin() + first * D, theta.begin() + (first + b) * D);
      SimulationBatch r;
      try {
        r = simulate_batch(s, t, b, first);
      } catch (const Error& e) {  // this rank's temporary files: the batch fails, named; the ranks stay in step
        r.failure = "rows " + std::to_string(first) + "–" + std::to_string(first + b - 1) + ": " + e.what();
        r.x.assign(b * C, std::numeric_limits<double>::quiet_NaN());
      }
      failure = r.failure;
      const std::vector<double> status = r.statuses(C);
      for (std::size_t i = 0; i < b; ++i) {
        mine.insert(mine.end(), r.x.begin() + i * C, r.x.begin() + (i + 1) * C);
        mine.push_back(status[i]);
      }
    }
    const std::vector<double> all = comm.all_gather(mine);  // in rank order: the round's rows in order
    for (std::size_t i = 0; i < round_rows; ++i) {
      c.theta.insert(c.theta.end(), theta.begin() + (next + i) * D, theta.begin() + (next + i + 1) * D);
      c.x.insert(c.x.end(), all.begin() + i * (C + 1), all.begin() + i * (C + 1) + C);
      c.status.push_back(all[i * (C + 1) + C]);
    }
    if (c.first_failure.empty()) {
      // The rank whose batch holds the round's first failed row tells everyone what it said.
      std::size_t first_bad = round_rows;
      for (std::size_t i = 0; i < round_rows && first_bad == round_rows; ++i)
        if (all[i * (C + 1) + C] != double(static_cast<int>(SimulationStatus::ok))) first_bad = i;
      if (first_bad < round_rows) {
        std::string said = failure;
        comm.broadcast(said, int(first_bad / s.batch));
        c.first_failure = !said.empty() ? said
                                        : not_finite_message(s, next + first_bad);
      }
    }
    next += round_rows;
    if (!s.cache.empty()) comm.write_on_root([&] { write_simulation_cache(s, seed, block, c); });
  }
  ExternalSimulations out;
  out.reused = reused;
  out.first_failure = c.first_failure;
  std::size_t ok = 0;
  for (std::size_t i = 0; i < n; ++i) ok += c.status[i] == double(static_cast<int>(SimulationStatus::ok));
  out.failed = n - ok;
  out.rows = HostMatrix("tractable::external_simulations", ok, C + D);
  std::size_t row = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (c.status[i] != double(static_cast<int>(SimulationStatus::ok))) continue;
    for (std::size_t j = 0; j < C; ++j) out.rows(row, j) = static_cast<Real>(c.x[i * C + j]);
    for (std::size_t j = 0; j < D; ++j) out.rows(row, C + j) = static_cast<Real>(theta[i * D + j]);
    ++row;
  }
  return out;
}

}  // namespace tractable
