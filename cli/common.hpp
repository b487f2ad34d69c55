#pragma once
// Shared option groups of the strata CLI: every subcommand gets the common
// flags, and every subcommand that needs a matrix gets the reading options.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "strata/core/progress.hpp"
#include "strata/io/load.hpp"

namespace strata::cli {

struct CommonOptions {
  int threads = 0;          // 0 = all cores
  std::uint64_t seed = 0;
  bool verbose = false;
  bool quiet = false;
};

/// --threads, --seed, --verbose, --quiet.
void add_common_options(CLI::App& cmd, CommonOptions& options);

/// --overwrite, for the commands that write a model directory (-o DIR): DIR is
/// replaced as a whole even when it holds another kind of model or files that
/// are not a model's (ModelOutput; docs/reliability.md).
void add_overwrite_option(CLI::App& cmd, bool& overwrite);

/// SIGINT and SIGTERM: while a model directory is being written, the writer
/// is asked to stop and removes its temporary (the command then fails with
/// "interrupted"); at any other time the signal ends the process at once, as
/// without a handler, after a one-line message.
void install_interrupt_handlers();

/// The shared reading options (--format, --text-column, --label-column,
/// --id-column, --header, --stop-words, --min-df, --max-df, --max-features,
/// --weighting, --sublinear-tf, --norm, --no-smooth-idf, --window).
struct InputOptions {
  std::string format = "auto";
  int text_column = 0, label_column = 0, id_column = 0;
  bool header = false;
  std::string stop_words = "none";
  std::string min_df = "1", max_df = "1.0";
  long long max_features = 0;
  std::string weighting = "tfidf";
  bool sublinear_tf = false;
  std::string norm = "default";
  bool no_smooth_idf = false;
  int window = 0;
  /// Converts the flags into the library's options (throws ArgumentError).
  LoadOptions to_load_options() const;
};
void add_input_options(CLI::App& cmd, InputOptions& options);

/// A progress line on stderr when it is a terminal (unless --quiet), one line
/// per report with --verbose, silent otherwise.
ProgressCallback make_progress(const CommonOptions& options);

/// Loads INPUT with the reading options, reporting progress.
Corpus load_input(const std::string& path, const InputOptions& input, const CommonOptions& common);

}  // namespace strata::cli
