#pragma once
/// @file Model directories (`-o DIR` of every fitting command; docs/formats.md):
/// `model.json`, factor matrices as `.npy`, `vocabulary.txt`, `metrics.json`.
///
/// Each file is written atomically; `model.json` is written by `commit()`,
/// last, so a directory holding a `model.json` is complete.
#include <string>
#include <vector>

#include "strata/core/sparse.hpp"

namespace strata {

/// One entry of a convergence history.
struct HistoryEntry {
  long long iteration = 0;
  double seconds = 0.0;         ///< since the start of fitting
  double loss = 0.0;            ///< the objective without regularization
  double relative_error = 0.0;  ///< ||X - WH||_F / ||X||_F, or NaN when not computed
};

class ModelDirectoryWriter {
 public:
  /// Creates `dir` if needed; removes a stale `model.json` so that an
  /// interrupted run never leaves a directory that looks complete.
  ModelDirectoryWriter(std::string dir, std::string kind);

  /// Writes NAME.npy from a row-major rows x cols array.
  void write_matrix(const std::string& name, const double* data, Index rows, Index cols);
  void write_vector(const std::string& name, const double* data, Index size);
  /// Writes vocabulary.txt (one term per line) and records it in model.json.
  void write_vocabulary(const std::vector<std::string>& vocabulary);
  /// Writes a text file, one line per entry.
  void write_lines(const std::string& file, const std::vector<std::string>& lines);
  /// Writes metrics.json: `summary_json` (a JSON object as text) plus "history".
  void write_metrics(const std::string& summary_json, const std::vector<HistoryEntry>& history);
  /// Writes model.json: kind, version, `parameters_json` (object as text),
  /// shapes of the matrices written, vocabulary file, `extra_json` merged in.
  void commit(const std::string& parameters_json, const std::string& extra_json = "{}");

  const std::string& dir() const { return dir_; }
  std::string path(const std::string& file) const;

 private:
  std::string dir_, kind_;
  std::vector<std::pair<std::string, std::vector<Index>>> shapes_;
  bool has_vocabulary_ = false;
};

/// Reads a model directory's model.json as text; throws InputError naming the
/// file if the directory or model.json is missing (an incomplete directory).
std::string read_model_json(const std::string& dir);

}  // namespace strata
