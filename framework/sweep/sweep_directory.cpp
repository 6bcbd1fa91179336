#include "sweep/sweep_directory.hpp"
#include "core/whole_file.hpp"

#include "core/durable_file.hpp"

#include "core/error.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace tractable {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string read_text(const std::string& path) {
  std::string text;
  read_whole_file(path, text);
  return text;
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& text) {
  // One partial file per process: two sweeps preparing the same directory at once each write
  // their own (identical) text and rename it into place; a shared name let one rename the other's away.
  replace_file_durably(path, text, path + ".partial." + std::to_string(::getpid()));
}

SweepDirectory::SweepDirectory(std::string root) : root_(fs::absolute(fs::path(root)).lexically_normal().string()) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

void SweepDirectory::prepare(const SweepSpec& sweep, const std::vector<SweepRun>& runs) const {
  std::error_code ec;
  for (const char* sub : {"specs", "runs", "logs", "attempts", "slurm"}) {
    fs::create_directories(root_ + "/" + sub, ec);
    if (ec) throw IoError(root_ + "/" + sub + ": cannot create the directory: " + ec.message());
  }
  if (fs::exists(manifest_path())) {
    const json previous = read_manifest();
    if (previous.at("sweep") != sweep.name)
      throw IoError(root_ + ": holds sweep '" + previous.at("sweep").get<std::string>() + "', not '" + sweep.name +
                    "'; choose another --dir");
  }
  json manifest = {{"format", "tractable-sweep"}, {"format_version", 1},   {"sweep", sweep.name},
                   {"source", sweep.origin},      {"axes", axis_keys(sweep)}, {"ranks", sweep.ranks},
                   {"runs", json::array()}};
  for (const auto& run : runs) {
    manifest["runs"].push_back({{"index", run.index}, {"id", run.id}, {"axes", run.axes}});
    const std::string path = spec_path(run.id);
    const std::string text = run.spec.dump(2) + "\n";
    if (fs::exists(path)) {
      if (read_text(path) != text)
        throw IoError(path + ": differs from run " + std::to_string(run.index) +
                      "'s resolved spec although its id (the spec's hash) matches; it was edited by hand. "
                      "Move it away to regenerate it");
      continue;
    }
    write_file_atomically(path, text);
  }
  write_file_atomically(manifest_path(), manifest.dump(2) + "\n");
}

json SweepDirectory::read_manifest() const {
  const std::string path = manifest_path();
  if (!fs::exists(path))
    throw IoError(path + ": not found; is '" + root_ + "' a sweep directory (made by `tractable sweep`)?");
  json manifest;
  try {
    manifest = json::parse(read_text(path));
  } catch (const json::exception& e) {  // malformed, or a number out of range
    throw IoError(path + ": corrupt manifest: " + e.what());
  }
  try {
    if (manifest.at("format") != "tractable-sweep") throw IoError(path + ": not a Tractable sweep manifest");
    for (const auto& run : manifest.at("runs")) {
      const std::string id = run.at("id");
      if (id.empty() || id.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw IoError(path + ": run id '" + id + "' is not hexadecimal");
      run.at("index").get<std::size_t>();
      if (!run.at("axes").is_object()) throw IoError(path + ": run " + id + " has no axes object");
    }
    manifest.at("sweep").get<std::string>();
    manifest.at("axes").get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    throw IoError(path + ": malformed manifest: " + e.what());
  }
  return manifest;
}

void SweepDirectory::record_attempt(const std::string& id, int exit_code, const std::string& where) const {
  std::ofstream out(attempts_path(id), std::ios::app);
  out << exit_code << " " << where << " " << utc_now() << "\n";
}

std::vector<Attempt> SweepDirectory::attempts(const std::string& id) const {
  std::vector<Attempt> list;
  std::ifstream in(attempts_path(id));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Attempt a;
    if (fields >> a.exit_code >> a.where >> a.time) list.push_back(a);
  }
  return list;
}

}  // namespace tractable
