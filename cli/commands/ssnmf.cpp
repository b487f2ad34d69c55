// strata ssnmf INPUT [-k K] [--labels FILE] -o DIR: semi-supervised NMF, topics
// that also classify the unlabeled documents. Reports the cross-validated
// accuracy over the labeled documents (each scored by a fit that did not see
// its label).
#include <cstdio>
#include <numeric>

#include "commands.hpp"
#include "common.hpp"
#include "strata/core/error.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/core/random.hpp"
#include "strata/io/labels.hpp"
#include "strata/io/load.hpp"
#include "strata/io/nmf_model.hpp"
#include "strata/io/ssnmf_model.hpp"
#include "strata/parallel/threads.hpp"

namespace strata::cli {

void register_ssnmf(CLI::App& app) {
  struct Args {
    bool overwrite = false;
    std::string input, output, labels, solver = "hals", loss = "frobenius", label_loss = "frobenius",
                                       init = "nndsvda", classifier = "fold-in";
    SsnmfOptions ssnmf;
    double holdout = 0.0;
    int top = 10;
    CommonOptions common;
    InputOptions reading;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("ssnmf", "Semi-supervised NMF: X ~ W H and labels Y ~ W B (topics that classify)");
  cmd->add_option("INPUT", a->input, "Corpus file, matrix file, or text (with the reading options)")->required();
  cmd->add_option("-k,--components", a->ssnmf.k,
                  "Number of components (topics); 0: chosen by validation among c, 4c, 16c (c classes)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-o,--output", a->output, "Model directory to write")->required();
  add_overwrite_option(*cmd, a->overwrite);
  cmd->add_option("--labels", a->labels,
                  "Labels file: one line per document, the label or an empty line (unlabeled). "
                  "Default: the labels the input carries (a TSV label column, the Brown genres)");
  cmd->add_option("--lambda", a->ssnmf.lambda,
                  "Weight of the label term (0: chosen by validation among 0.1, 1, 10 x ||X||^2 / n_labeled)")
      ->capture_default_str();
  cmd->add_option("--folds", a->ssnmf.folds,
                  "Cross-validation folds over the labeled documents (stratified): each candidate k, lambda is fit "
                  "once per fold with its labels hidden, scored by the pooled accuracy; chooses k and lambda and "
                  "gives the reported accuracy (1: one split of --validation)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--validation", a->ssnmf.validation,
                  "0: no validation; with --folds 1, the fraction of the labeled documents (per class) hidden from "
                  "the candidate fits")
      ->capture_default_str();
  cmd->add_option("--classifier", a->classifier,
                  "fold-in: classify every document from its fold-in codes, B refit on the labeled ones; joint: the "
                  "fitted W and B (the papers' rule)")
      ->capture_default_str();
  cmd->add_option("--loss", a->loss, "Data term: frobenius|kl")->capture_default_str();
  cmd->add_option("--label-loss", a->label_loss, "Label term: frobenius|kl")->capture_default_str();
  cmd->add_option("--solver", a->solver, "hals|bpp|mu")->capture_default_str();
  cmd->add_option("--init", a->init, "random|nndsvd|nndsvda|nndsvdar")->capture_default_str();
  cmd->add_option("--max-iter", a->ssnmf.max_iter, "Maximum iterations")->capture_default_str();
  cmd->add_option("--tol", a->ssnmf.tol, "Stop when the relative objective change is below (0: run all iterations)")
      ->capture_default_str();
  cmd->add_option("--inner-sweeps", a->ssnmf.inner_sweeps, "HALS sweeps per product (0: automatic)");
  cmd->add_option("--holdout", a->holdout,
                  "Hide this fraction of the labeled documents from the fit (chosen with --seed) and report the "
                  "accuracy on them")
      ->capture_default_str();
  cmd->add_option("--top", a->top, "Top terms per topic to print")->capture_default_str();
  add_input_options(*cmd, a->reading);
  add_common_options(*cmd, a->common);
  cmd->callback([a] {
    check_model_output(ModelOutput(a->output, a->overwrite), "ssnmf");  // refused before any work
    SsnmfOptions o = a->ssnmf;
    o.solver = parse_nmf_solver(a->solver);
    o.loss = parse_nmf_loss(a->loss);
    o.label_loss = parse_nmf_loss(a->label_loss);
    o.init = parse_nmf_init(a->init);
    o.classifier = parse_ssnmf_classifier(a->classifier);
    require_argument(o.init != NmfInit::Custom, "--init", "random, nndsvd, nndsvda or nndsvdar", "custom");
    require_argument(a->holdout >= 0 && a->holdout < 1, "--holdout", "in [0, 1)", std::to_string(a->holdout));
    o.seed = a->common.seed;
    o.threads = resolve_threads(a->common.threads);
    o.progress = make_progress(a->common);
    const InputMatrix input = open_input(a->input, a->reading.to_load_options(), make_progress(a->common));
    const Corpus& corpus = input.corpus;
    const SparseView X = input.matrix();
    require_nonnegative_finite(X, a->input);  // named after the file, before any work
    std::vector<std::string> label_text;
    if (!a->labels.empty()) {
      label_text = read_labels_file(a->labels, X.rows);
    } else if (corpus.has_labels()) {
      label_text = corpus.labels;
    } else {
      throw ArgumentError("--labels is required: " + a->input +
                          " carries no labels (give a labels file, one line per document)");
    }
    const std::string label_source = a->labels.empty() ? a->input : a->labels;
    LabelEncoding truth = encode_labels(label_text);
    if (truth.n_labeled() == 0) throw InputError(label_source, "no document is labeled (every line is empty)");

    // --holdout: hide a random fraction of the labeled documents from the fit.
    LabelEncoding seen = truth;
    std::vector<Index> hidden;
    if (a->holdout > 0) {
      std::vector<Index> labeled;
      for (Index i = 0; i < truth.n_documents(); ++i)
        if (truth.codes[static_cast<size_t>(i)] >= 0) labeled.push_back(i);
      Random rng(a->common.seed ^ 0x5bd1e995ULL);
      rng.shuffle(labeled);
      hidden.assign(labeled.begin(), labeled.begin() + static_cast<std::ptrdiff_t>(a->holdout * labeled.size()));
      for (Index i : hidden) seen.codes[static_cast<size_t>(i)] = -1;
      if (seen.n_labeled() == 0)
        throw ArgumentError("--holdout " + std::to_string(a->holdout) + " leaves no labeled document");
    }
    const SsnmfResult r = ssnmf(X, seen, o);
    std::optional<HeldOutAccuracy> held_out;
    if (!hidden.empty()) {
      Index correct = 0;
      for (Index i : hidden) correct += r.predicted[static_cast<size_t>(i)] == truth.codes[static_cast<size_t>(i)];
      held_out = HeldOutAccuracy{static_cast<Index>(hidden.size()),
                                 static_cast<double>(correct) / static_cast<double>(hidden.size())};
    }
    save_ssnmf_model(ModelOutput(a->output, a->overwrite), r, o, seen, corpus, X, a->input, a->reading.to_load_options().vectorizer, held_out);
    if (a->common.quiet) return;
    std::printf("%s: k=%d, %lld classes, %lld of %lld documents labeled, lambda %.6g, %d iterations (%s), %.3fs, "
                "relative error %.6f\n",
                a->output.c_str(), r.k, static_cast<long long>(seen.n_classes()),
                static_cast<long long>(seen.n_labeled()), static_cast<long long>(X.rows), r.lambda, r.iterations,
                to_string(r.status).c_str(), r.seconds, r.relative_error);
    if (r.validation_documents > 0)
      std::printf("validation accuracy: %.4f (%lld labeled documents, each scored by a fit that did not see its "
                  "label%s)\n",
                  r.validation_accuracy, static_cast<long long>(r.validation_documents),
                  o.folds >= 2 ? ("; " + std::to_string(o.folds) + "-fold cross-validation").c_str() : "");
    else
      std::printf("validation accuracy: none (--validation 0 or too few labeled documents)\n");
    if (r.selection.size() > 1) {
      std::printf("chosen by validation accuracy:");
      for (const SsnmfCandidate& c : r.selection)
        std::printf(" k=%d,lambda=%.3gx:%.3f", c.k, c.lambda_multiple, c.accuracy);
      std::printf("\n");
    }
    if (held_out)
      std::printf("accuracy on the %lld held-out documents: %.4f\n", static_cast<long long>(held_out->documents),
                  held_out->accuracy);
    const auto topics = top_terms(r.H, corpus.vocabulary, a->top);
    for (size_t t = 0; t < topics.size(); ++t) {
      // The class each topic votes for most: the largest entry of its row of B.
      Index best = 0;
      for (Index c = 1; c < r.B.cols(); ++c)
        if (r.B(static_cast<Index>(t), c) > r.B(static_cast<Index>(t), best)) best = c;
      std::printf("topic %2zu [%s]:", t, seen.classes[static_cast<size_t>(best)].c_str());
      for (const auto& [term, w] : topics[t].terms) std::printf(" %s", term.c_str());
      std::printf("\n");
    }
  });
}

}  // namespace strata::cli
