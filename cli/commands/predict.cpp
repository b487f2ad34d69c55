// strata predict MODEL INPUT [-o predictions.tsv]: classify documents with a
// model written by strata ssnmf (or strata hnmf with labels).
#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands.hpp"
#include "common.hpp"
#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"
#include "strata/io/predict_model.hpp"
#include "strata/parallel/threads.hpp"

namespace strata::cli {

void register_predict(CLI::App& app) {
  struct Args {
    std::string dir, input, output;
    CommonOptions common;
    InputOptions reading;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "predict", "Classify documents with a model from strata ssnmf (or strata hnmf with labels): one line per "
                 "document, id<TAB>label<TAB>score");
  cmd->add_option("MODEL", a->dir, "Model directory written by strata ssnmf or strata hnmf --labels")->required();
  cmd->add_option("INPUT", a->input, "Corpus file, matrix file, or text (with the reading options)")->required();
  cmd->add_option("-o,--output", a->output, "Predictions file (TSV: id, predicted label, its score); default stdout");
  add_input_options(*cmd, a->reading);
  add_common_options(*cmd, a->common);
  cmd->callback([a] {
    const PredictionModel m = load_prediction_model(a->dir);
    LoadOptions lo = a->reading.to_load_options();
    const InputFormat format = lo.format == InputFormat::Auto ? detect_input_format(a->input) : lo.format;
    Corpus corpus;
    if (format == InputFormat::Text) {
      // Text is vectorized with the model's own vocabulary, weighting and idf.
      if (m.text.vocabulary.empty())
        throw InputError(a->dir, "has no vocabulary: give a corpus or matrix file in the model's columns");
      if (m.kind == "hnmf")
        throw InputError(a->dir, "a hierarchical model keeps no weighting or idf: vectorize the text as for the fit "
                                 "(a .strata corpus file with the same vocabulary) and give that file");
      Corpus fitted;
      fitted.vocabulary = m.text.vocabulary;
      fitted.idf = m.text.idf;
      fitted.weighting = m.text.weighting;
      corpus = transform_file(a->input, lo.text, fitted, m.text.vectorizer);
    } else {
      corpus = load_input(a->input, a->reading, a->common);
    }
    const SparseMatrix X = align_to_model(corpus, m.text, a->input);
    require_nonnegative_finite(X.view(), a->input);
    const Predictions p = predict_documents(X.view(), m, resolve_threads(a->common.threads));

    std::ostringstream out;
    Index correct = 0, known = 0;
    for (Index i = 0; i < X.rows; ++i) {
      const std::int32_t code = p.codes[static_cast<size_t>(i)];
      const std::string id = corpus.doc_ids.size() == static_cast<size_t>(X.rows)
                                 ? corpus.doc_ids[static_cast<size_t>(i)]
                                 : std::to_string(i);
      char score[32];
      std::snprintf(score, sizeof score, "%.6g", p.scores(i, code));
      out << id << '\t' << m.classes[static_cast<size_t>(code)] << '\t' << score << '\n';
      if (corpus.labels.size() == static_cast<size_t>(X.rows) && !corpus.labels[static_cast<size_t>(i)].empty()) {
        ++known;
        correct += corpus.labels[static_cast<size_t>(i)] == m.classes[static_cast<size_t>(code)];
      }
    }
    if (a->output.empty() || a->output == "-") {
      std::fputs(out.str().c_str(), stdout);
    } else {
      write_file_atomically(a->output, [&](std::ostream& os) { os << out.str(); });
    }
    if (a->common.quiet) return;
    std::FILE* info = a->output.empty() || a->output == "-" ? stderr : stdout;
    std::fprintf(info, "%s: %lld documents classified by %s model %s (%zu classes)\n",
                 a->output.empty() ? "stdout" : a->output.c_str(), static_cast<long long>(X.rows),
                 m.kind.c_str(), a->dir.c_str(), m.classes.size());
    if (known > 0)
      std::fprintf(info, "accuracy on the %lld documents the input labels: %.4f\n", static_cast<long long>(known),
                   static_cast<double>(correct) / static_cast<double>(known));
  });
}

}  // namespace strata::cli
