#include "common.hpp"

#include "strata/core/interrupt.hpp"
#include "strata/version.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

namespace strata::cli {

void add_common_options(CLI::App& cmd, CommonOptions& o) {
  cmd.set_version_flag("--version", std::string("strata ") + STRATA_VERSION);
  cmd.add_option("--threads", o.threads, "Worker threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  cmd.add_option("--seed", o.seed, "Random seed (results are deterministic for a seed and thread count)");
  cmd.add_flag("--verbose,-v", o.verbose, "Report progress line by line even when not on a terminal");
  cmd.add_flag("--quiet,-q", o.quiet, "No progress output");
}

void add_overwrite_option(CLI::App& cmd, bool& overwrite) {
  cmd.add_flag("--overwrite", overwrite,
               "Replace the output directory as a whole even if it holds another kind of model or other files "
               "(a model of the same kind is replaced without it)");
}

namespace {
void write_stderr(const char* text) {
  size_t n = 0;
  while (text[n]) ++n;
  [[maybe_unused]] const ssize_t w = ::write(2, text, n);
}

extern "C" void on_interrupt(int signal) {
  // Async-signal-safe only: atomics, write(2), sigaction, raise.
  if (strata::interrupt_deferred() && strata::interrupt_requested() == 0) {
    strata::request_interrupt(signal);
    write_stderr("strata: interrupted: removing the unfinished model directory\n");
    return;
  }
  write_stderr(signal == SIGTERM ? "strata: terminated (SIGTERM)\n" : "strata: interrupted (SIGINT)\n");
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(signal, &dfl, nullptr);
  ::raise(signal);
}
}  // namespace

void install_interrupt_handlers() {
  for (int s : {SIGINT, SIGTERM}) {
    struct sigaction old {};
    ::sigaction(s, nullptr, &old);
    if (old.sa_handler == SIG_IGN) continue;  // nohup and friends: keep ignoring
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(s, &sa, nullptr);
  }
}

void add_input_options(CLI::App& cmd, InputOptions& o) {
  const char* g = "Reading options (text or matrix input)";
  cmd.add_option("--format", o.format, "Input format: auto|corpus|mtx|svmlight|uci|lines|tsv|dir|brown")
      ->group(g)->capture_default_str();
  cmd.add_option("--text-column", o.text_column, "TSV: 1-based text column (default: last)")->group(g);
  cmd.add_option("--label-column", o.label_column, "TSV: 1-based label column")->group(g);
  cmd.add_option("--id-column", o.id_column, "TSV: 1-based document-id column")->group(g);
  cmd.add_flag("--header", o.header, "TSV: skip the first line")->group(g);
  cmd.add_option("--stop-words", o.stop_words, "english|none|FILE (one word per line)")->group(g)->capture_default_str();
  cmd.add_option("--min-df", o.min_df, "Drop terms in fewer documents (count, or fraction if it has a '.')")
      ->group(g)->capture_default_str();
  cmd.add_option("--max-df", o.max_df, "Drop terms in more documents (count, or fraction if it has a '.')")
      ->group(g)->capture_default_str();
  cmd.add_option("--max-features", o.max_features, "Keep the N most frequent terms (0 = all)")->group(g);
  cmd.add_option("--weighting", o.weighting, "count|binary|tf|tfidf")->group(g)->capture_default_str();
  cmd.add_flag("--sublinear-tf", o.sublinear_tf, "Use 1 + log(count) as term frequency")->group(g);
  cmd.add_option("--norm", o.norm, "Row normalization l2|l1|none (default: l2 for tf/tfidf, none otherwise)")->group(g);
  cmd.add_flag("--no-smooth-idf", o.no_smooth_idf, "idf = log(n/df) + 1 instead of log((1+n)/(1+df)) + 1")->group(g);
  cmd.add_option("--window", o.window, "Also count word-context co-occurrences within +-W tokens (0 = off)")
      ->group(g)->check(CLI::NonNegativeNumber);
}

LoadOptions InputOptions::to_load_options() const {
  LoadOptions l;
  TextFormat text_format = TextFormat::Auto;
  l.format = parse_input_format(format, text_format);
  l.text.format = text_format;
  l.text.text_column = text_column;
  l.text.label_column = label_column;
  l.text.id_column = id_column;
  l.text.header = header;
  l.vectorizer.stop_words = stop_words;
  l.vectorizer.min_df = DocumentFrequency::parse(min_df, "min_df");
  l.vectorizer.max_df = DocumentFrequency::parse(max_df, "max_df");
  l.vectorizer.max_features = max_features;
  l.vectorizer.weighting = parse_weighting(weighting);
  l.vectorizer.sublinear_tf = sublinear_tf;
  l.vectorizer.norm = parse_norm(norm);
  l.vectorizer.smooth_idf = !no_smooth_idf;
  l.vectorizer.window = window;
  return l;
}

ProgressCallback make_progress(const CommonOptions& o) {
  const bool tty = ::isatty(2) != 0;
  if (o.quiet || (!tty && !o.verbose)) return {};
  const auto start = std::chrono::steady_clock::now();
  return [tty, start](const ProgressEvent& e) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char line[256];
    int n = std::snprintf(line, sizeof line, "%s: %lld", e.stage.c_str(), e.done);
    if (e.total > 0) n += std::snprintf(line + n, sizeof line - n, "/%lld", e.total);
    if (e.has_loss) n += std::snprintf(line + n, sizeof line - n, "  loss %.6g", e.loss);
    n += std::snprintf(line + n, sizeof line - n, "  %.1fs", elapsed);
    if (e.total > 0 && e.done > 0 && e.done < e.total)
      std::snprintf(line + n, sizeof line - n, "  eta %.1fs", elapsed * (e.total - e.done) / e.done);
    std::fprintf(stderr, tty ? "\r\033[K%s" : "%s\n", line);
    if (tty && e.total > 0 && e.done >= e.total) std::fputc('\n', stderr);
    std::fflush(stderr);
    return true;
  };
}

Corpus load_input(const std::string& path, const InputOptions& input, const CommonOptions& common) {
  const bool tty = ::isatty(2) != 0 && !common.quiet;
  Corpus c = load_corpus(path, input.to_load_options(), make_progress(common));
  if (tty) std::fputs("\r\033[K", stderr);  // clear a progress line left without a newline
  return c;
}

}  // namespace strata::cli
