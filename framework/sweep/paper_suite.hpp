#pragma once
// A paper reproduction suite: experiments/papers/<NAME>/suite.json names the
// sweeps to run under each budget and the file of published numbers the report
// sets ours beside (docs/tutorials/reproducing-papers.md):
//
//   { "suite": "phi4",                            = the directory's name
//     "title": "Albergo, Kanwar & Shanahan 2019 ...",
//     "description": "...",                       free text
//     "published": "published.json",              machine-readable published numbers
//     "budgets": {
//       "small": {"sweeps": ["small.sweep.json"], "note": "minutes on a laptop"},
//       "paper": {"sweeps": ["paper.sweep.json"], "note": "the published protocol"} } }
//
// Sweep and published paths are relative to the suite file and must stay inside its directory.
#include <map>
#include <string>
#include <vector>

namespace tractable {

struct PaperSuite {
  std::string name, title, description;
  std::string directory;        // absolute
  std::string published_path;   // absolute
  struct Budget {
    std::vector<std::string> sweeps;  // absolute paths of sweep files
    std::string note;
  };
  std::map<std::string, Budget> budgets;
};

// Reads and checks <suites_root>/<name>/suite.json; every problem is a SpecError naming the file and key.
PaperSuite read_paper_suite(const std::string& suites_root, const std::string& name);

// The suite names under `suites_root` (directories holding a suite.json), sorted.
std::vector<std::string> list_paper_suites(const std::string& suites_root);

}  // namespace tractable
