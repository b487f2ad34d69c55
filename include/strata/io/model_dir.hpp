#pragma once
/// @file Model directories (`-o DIR` of every fitting command; docs/formats.md):
/// `model.json`, factor matrices as `.npy`, `vocabulary.txt`, `metrics.json`.
///
/// A model directory is replaced as a whole (docs/reliability.md). The writer
/// fills a sibling temporary directory, `.NAME.strata-tmp-PID-HEX` beside
/// DIR; `commit()` writes `model.json` last, fsyncs every file and the
/// temporary directory, then renames it to DIR (when DIR exists, the two are
/// exchanged atomically and the old one removed), and fsyncs the parent. At
/// every instant DIR is absent, the old model or the new one: never partial,
/// never a mix of two models. A writer destroyed before `commit()` (an
/// exception, an interrupt) removes its temporary; one a killed process left
/// is removed by the next writer in the same parent (remove_stale_temporaries).
#include <string>
#include <vector>

#include "strata/core/interrupt.hpp"
#include "strata/core/sparse.hpp"

namespace strata {

/// One entry of a convergence history.
struct HistoryEntry {
  long long iteration = 0;
  double seconds = 0.0;         ///< since the start of fitting
  double loss = 0.0;            ///< the objective without regularization
  double relative_error = 0.0;  ///< ||X - WH||_F / ||X||_F, or NaN when not computed
};

/// Where a model directory goes, and what may be replaced there.
///
/// Without `overwrite`, DIR may be absent, an empty directory, or a model
/// directory of the same kind (what the same command writes: "svd" and
/// "pca" count as one) holding only files strata writes; anything else (a
/// model of another kind, a directory without model.json, files strata did
/// not write, a file) is refused with an InputError naming DIR. With
/// `overwrite`, whatever DIR is gets replaced as a whole.
struct ModelOutput {
  std::string dir;
  bool overwrite = false;
  ModelOutput(std::string d, bool replace_anything = false) : dir(std::move(d)), overwrite(replace_anything) {}
  ModelOutput(const char* d) : dir(d) {}
};

/// Throws InputError unless a model of `kind` may be written to `output`
/// (the rules of ModelOutput); commands call it before fitting so that a
/// refusal comes first. ModelDirectoryWriter checks again.
void check_model_output(const ModelOutput& output, const std::string& kind);

class ModelDirectoryWriter {
 public:
  /// Checks `output` (check_model_output), removes stale temporaries beside
  /// it, and creates the temporary directory (and DIR's parents if missing).
  ModelDirectoryWriter(const ModelOutput& output, std::string kind);
  /// Without commit(), removes the temporary: DIR stays as it was.
  ~ModelDirectoryWriter();
  ModelDirectoryWriter(const ModelDirectoryWriter&) = delete;
  ModelDirectoryWriter& operator=(const ModelDirectoryWriter&) = delete;

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
  /// shapes of the matrices written, vocabulary file, the list of files,
  /// `extra_json` merged in; then puts the directory in place (see the file
  /// comment). Throws Interrupted if an interrupt is pending before the swap.
  void commit(const std::string& parameters_json, const std::string& extra_json = "{}");

  /// The final directory (DIR).
  const std::string& dir() const { return dir_; }
  /// Where FILE is written now: inside the temporary directory until commit().
  std::string path(const std::string& file) const;
  /// The temporary directory.
  const std::string& temporary_dir() const { return tmp_; }

  /// Test hook: called with a step name ("temporary synced", "exchanged",
  /// "renamed aside", "renamed in", "old removed") during commit(); throwing
  /// from it simulates a failure at that point.
  static void (*commit_step_hook)(const char* step);
  /// Test hook: false makes commit() take the path of file systems without
  /// RENAME_EXCHANGE (rename the old model aside, rename the new one in).
  static bool use_exchange;

 private:
  InterruptDeferral defer_;  // a signal while the temporary exists is handled by unwinding
  std::string dir_, kind_, tmp_;
  std::vector<std::pair<std::string, std::vector<Index>>> shapes_;
  bool has_vocabulary_ = false;
  bool committed_ = false;
};

/// Reads a model directory's model.json as text; throws InputError naming the
/// file if the directory or model.json is missing (an incomplete directory).
std::string read_model_json(const std::string& dir);

}  // namespace strata
