#include "strata/io/model_dir.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"
#include "strata/io/npy.hpp"
#include "strata/version.hpp"

namespace strata {
namespace {
nlohmann::ordered_json parse_object(const std::string& text, const char* what) {
  auto j = nlohmann::ordered_json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw ArgumentError(std::string(what) + " must be a JSON object");
  return j;
}
}  // namespace

ModelDirectoryWriter::ModelDirectoryWriter(std::string dir, std::string kind)
    : dir_(std::move(dir)), kind_(std::move(kind)) {
  ensure_directory(dir_);
  std::error_code ec;
  std::filesystem::remove(path("model.json"), ec);
}

std::string ModelDirectoryWriter::path(const std::string& file) const {
  return (std::filesystem::path(dir_) / file).string();
}

void ModelDirectoryWriter::write_matrix(const std::string& name, const double* data, Index rows, Index cols) {
  write_npy(path(name + ".npy"), data, {rows, cols});
  shapes_.emplace_back(name, std::vector<Index>{rows, cols});
}

void ModelDirectoryWriter::write_vector(const std::string& name, const double* data, Index size) {
  write_npy(path(name + ".npy"), data, {size});
  shapes_.emplace_back(name, std::vector<Index>{size});
}

void ModelDirectoryWriter::write_lines(const std::string& file, const std::vector<std::string>& lines) {
  write_file_atomically(path(file), [&](std::ostream& out) {
    for (const auto& l : lines) out << l << '\n';
  });
}

void ModelDirectoryWriter::write_vocabulary(const std::vector<std::string>& vocabulary) {
  write_lines("vocabulary.txt", vocabulary);
  has_vocabulary_ = true;
}

void ModelDirectoryWriter::write_metrics(const std::string& summary_json, const std::vector<HistoryEntry>& history) {
  auto j = parse_object(summary_json, "metrics summary");
  auto h = nlohmann::ordered_json::array();
  for (const auto& e : history) {
    nlohmann::ordered_json row;
    row["iteration"] = e.iteration;
    row["seconds"] = e.seconds;
    row["loss"] = e.loss;
    // JSON has no NaN: an error that was not computed is null.
    row["relative_error"] = std::isfinite(e.relative_error) ? nlohmann::ordered_json(e.relative_error) : nullptr;
    h.push_back(row);
  }
  j["history"] = h;
  const std::string text = j.dump(2);
  write_file_atomically(path("metrics.json"), [&](std::ostream& out) { out << text << '\n'; });
}

void ModelDirectoryWriter::commit(const std::string& parameters_json, const std::string& extra_json) {
  nlohmann::ordered_json j;
  j["kind"] = kind_;
  j["version"] = STRATA_VERSION;
  j["parameters"] = parse_object(parameters_json, "parameters");
  j["shapes"] = nlohmann::ordered_json::object();
  for (const auto& [name, shape] : shapes_) j["shapes"][name] = shape;
  j["vocabulary"] = has_vocabulary_ ? nlohmann::ordered_json("vocabulary.txt") : nlohmann::ordered_json(nullptr);
  const auto extra = parse_object(extra_json, "model extra");
  for (const auto& [k, v] : extra.items()) j[k] = v;
  const std::string text = j.dump(2);
  write_file_atomically(path("model.json"), [&](std::ostream& out) { out << text << '\n'; });
}

std::string read_model_json(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw InputError(dir, "not a model directory (no such directory)");
  const std::string file = (std::filesystem::path(dir) / "model.json").string();
  if (!std::filesystem::exists(file, ec))
    throw InputError(file, "missing: the model directory is incomplete (was the fit interrupted?)");
  return read_text_file(file);
}

}  // namespace strata
