// strata transform DIR INPUT -o OUT.npy: fold new documents into a fitted model
// (NMF: topic weights; SVD / PCA: latent coordinates).
#include <cstdio>

#include "commands.hpp"
#include "common.hpp"
#include "strata/io/nmf_model.hpp"
#include "strata/io/npy.hpp"
#include "strata/parallel/threads.hpp"

namespace strata::cli {

void register_transform(CLI::App& app) {
  struct Args {
    std::string dir, input, output;
    CommonOptions common;
    InputOptions reading;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("transform", "Fold new documents into a model: NMF topic weights (W with H fixed) or SVD/PCA coordinates, as .npy");
  cmd->add_option("DIR", a->dir, "Model directory written by strata nmf or strata svd")->required();
  cmd->add_option("INPUT", a->input, "Corpus file, matrix file, or text")->required();
  cmd->add_option("-o,--output", a->output, "Output .npy file (documents x k)")->required();
  add_input_options(*cmd, a->reading);
  add_common_options(*cmd, a->common);
  cmd->callback([a] {
    const NmfModel m = load_nmf_model(a->dir);
    LoadOptions lo = a->reading.to_load_options();
    const InputFormat format = lo.format == InputFormat::Auto ? detect_input_format(a->input) : lo.format;
    Corpus corpus;
    if (format == InputFormat::Text && !m.vocabulary.empty()) {
      // Text is vectorized with the model's own vocabulary, weighting and idf.
      Corpus fitted;
      fitted.vocabulary = m.vocabulary;
      fitted.idf = m.idf;
      fitted.weighting = m.weighting;
      corpus = transform_file(a->input, lo.text, fitted, m.vectorizer);
    } else {
      corpus = load_input(a->input, a->reading, a->common);
    }
    const SparseMatrix X = align_to_model(corpus, m, a->input);
    if (!m.is_projection()) require_nonnegative_finite(X.view(), a->input);
    const DenseMatrix W = fold_in(X.view(), m, resolve_threads(a->common.threads));
    write_npy(a->output, W.data(), {W.rows(), W.cols()});
    if (!a->common.quiet)
      std::printf("%s: %lld documents x %lld components\n", a->output.c_str(), static_cast<long long>(W.rows()),
                  static_cast<long long>(W.cols()));
  });
}

}  // namespace strata::cli
