#include "sweep/sweep_summary.hpp"

#include "core/durable_file.hpp"

#include "core/error.hpp"
#include "io/hdf5_file.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <set>
#include <sstream>

namespace tractable {

using nlohmann::json;

namespace {

bool numeric_column(const SummaryTable& table, std::size_t c) {
  for (const auto& row : table.rows)
    if (!row[c].is_null() && !row[c].is_number()) return false;
  return true;
}

std::string cell_text(const json& value) { return format_cell(value, 10, ""); }

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string format_cell(const json& value, int digits, const std::string& missing) {
  if (value.is_null()) return missing;
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*g", digits, value.get<double>());
    return text;
  }
  return value.dump();
}

SummaryTable summarise_sweep(const json& manifest, const std::vector<RunStatus>& statuses) {
  SummaryTable table;
  table.columns = {"index", "id", "state", "step", "total_steps"};
  const auto axes = manifest.at("axes").get<std::vector<std::string>>();
  table.columns.insert(table.columns.end(), axes.begin(), axes.end());
  std::set<std::string> eval_columns;
  for (const auto& s : statuses)
    if (s.progress)
      for (const auto& [name, value] : s.progress->final_eval) eval_columns.insert(name);
  for (const auto& name : eval_columns) table.columns.push_back("eval." + name);
  table.columns.push_back("metrics.loss");
  table.columns.push_back("metrics.wall_time");
  // What each run trained on: SHA-256 of its data files and of its train/validation/test rows (JSON text).
  table.columns.push_back("data.files_sha256");
  table.columns.push_back("data.rows_sha256");

  for (const auto& s : statuses) {
    std::vector<json> row = {s.index, s.id, to_string(s.state)};
    row.push_back(s.progress ? json(s.progress->step) : json());
    row.push_back(s.progress ? json(s.progress->total_steps) : json());
    for (const auto& key : axes) row.push_back(s.axes.contains(key) ? s.axes.at(key) : json());
    for (const auto& name : eval_columns) {
      const bool has = s.progress && s.progress->final_eval.count(name);
      row.push_back(has ? json(s.progress->final_eval.at(name)) : json());
    }
    for (const char* name : {"loss", "wall_time"}) {
      const bool has = s.progress && s.progress->last_metrics.count(name);
      row.push_back(has ? json(s.progress->last_metrics.at(name)) : json());
    }
    for (const std::string* text : {s.progress ? &s.progress->data_files : nullptr,
                                    s.progress ? &s.progress->data_rows : nullptr})
      row.push_back(text && !text->empty() ? json(*text) : json());
    table.rows.push_back(row);
  }
  return table;
}

void write_summary_csv(const SummaryTable& table, const std::string& path) {
  std::ostringstream out;
  for (std::size_t c = 0; c < table.columns.size(); ++c) out << (c ? "," : "") << csv_field(table.columns[c]);
  out << "\n";
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) out << (c ? "," : "") << csv_field(cell_text(row[c]));
    out << "\n";
  }
  replace_file_durably(path, out.str(), path + ".partial." + std::to_string(::getpid()));  // one partial per process
}

void write_summary_hdf5(const SummaryTable& table, const std::string& path) {
  const std::string partial = path + ".partial." + std::to_string(::getpid());  // one per process
  write_hdf5_durably(path, [&](Hdf5File& file) {
    file.create_group("/summary");
    file.write_strings("/summary/columns", table.columns);
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      const std::string object = "/summary/" + table.columns[c];
      if (numeric_column(table, c)) {
        std::vector<double> values;
        for (const auto& row : table.rows) values.push_back(row[c].is_null() ? std::nan("") : row[c].get<double>());
        file.write(object, values, {values.size()});
      } else {
        std::vector<std::string> values;
        for (const auto& row : table.rows) values.push_back(cell_text(row[c]));
        file.write_strings(object, values);
      }
    }
  }, partial);
}

}  // namespace tractable
