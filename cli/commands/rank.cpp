// strata rank INPUT --k A:B[:STEP] -o DIR: choose the number of topics by
// NMFk (or SeNMFk with --semantic) and write the selected model.
#include <cstdio>

#include "commands.hpp"
#include "common.hpp"
#include "strata/core/error.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/io/corpus_file.hpp"
#include "strata/io/load.hpp"
#include "strata/io/rank_report.hpp"
#include "strata/parallel/threads.hpp"

namespace strata::cli {

void register_rank(CLI::App& app) {
  struct Args {
    bool overwrite = false;
    std::string input, output, k_range = "2:10", perturbation = "uniform", init = "random", solver = "hals",
                                    loss = "frobenius", criterion = "mean-silhouette";
    NmfkOptions nmfk;
    bool no_refit = false, no_cross_validation = false;
    CommonOptions common;
    InputOptions reading;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("rank", "How many topics: NMFk / SeNMFk rank selection by stability under perturbation");
  cmd->add_option("INPUT", a->input, "Corpus file, matrix file, or text (with the reading options)")->required();
  cmd->add_option("-o,--output", a->output, "Directory for the selected model, metrics.json and curve.svg")->required();
  add_overwrite_option(*cmd, a->overwrite);
  cmd->add_option("-k,--k", a->k_range, "Ranks to try: A:B or A:B:STEP (A >= 2)")->capture_default_str();
  cmd->add_option("--criterion", a->criterion,
                  "What chooses k: mean-silhouette (the largest k whose topics are stable on average) | "
                  "min-silhouette (NMFk: every topic stable) | cophenetic | cross-validation | coherence; all are "
                  "reported")
      ->capture_default_str();
  cmd->add_option("--perturbations", a->nmfk.perturbations, "Perturbed copies fit per k")->capture_default_str();
  cmd->add_option("--epsilon", a->nmfk.epsilon, "Uniform noise amplitude: values times (1 +- eps)")
      ->capture_default_str();
  cmd->add_option("--perturbation", a->perturbation, "uniform|poisson (poisson resamples counts)")
      ->capture_default_str();
  cmd->add_option("--mean-threshold", a->nmfk.mean_threshold,
                  "Mean topic silhouette a rank needs (mean-silhouette; then 0.05 and 0.10 lower if no rank above "
                  "the smallest passes)")
      ->capture_default_str();
  cmd->add_option("--threshold", a->nmfk.threshold,
                  "Silhouette that makes a topic stable (min-silhouette asks it of every topic)")
      ->capture_default_str();
  cmd->add_option("--coherence-terms", a->nmfk.coherence_terms, "Top terms per topic in the NPMI coherence")
      ->capture_default_str();
  cmd->add_option("--consensus-documents", a->nmfk.consensus_documents,
                  "Documents in the consensus matrix (a seeded sample above this)")
      ->capture_default_str();
  cmd->add_flag("--no-cross-validation", a->no_cross_validation, "Skip the bi-cross-validation error (saves 4 fits per k)");
  cmd->add_option("--min-error-gain", a->nmfk.min_error_gain,
                  "A larger passing k must lower the relative error by this fraction")
      ->capture_default_str();
  cmd->add_option("--init", a->init, "random (an independent start per perturbation) | shared (one NNDSVDa warm start per k)")
      ->capture_default_str();
  cmd->add_flag("--semantic", a->nmfk.semantic,
                "SeNMFk: factor jointly with the shifted-PPMI word-context matrix (needs --window or a corpus with "
                "co-occurrences)");
  cmd->add_option("--semantic-weight", a->nmfk.semantic_weight, "Weight of the PPMI block relative to X")
      ->capture_default_str();
  cmd->add_option("--pmi-shift", a->nmfk.pmi.shift, "SeNMFk: subtract log(shift) from the PMI")->capture_default_str();
  cmd->add_option("--loss", a->loss, "frobenius|kl")->capture_default_str();
  cmd->add_option("--solver", a->solver, "hals|mu|bpp for the inner fits")->capture_default_str();
  cmd->add_option("--max-iter", a->nmfk.nmf.max_iter, "Maximum iterations of each fit")->capture_default_str();
  cmd->add_option("--tol", a->nmfk.nmf.tol, "Relative loss change that stops each fit")->capture_default_str();
  cmd->add_flag("--no-refit", a->no_refit, "Keep the centroid model of the selected k (no final NMF from it)");
  add_input_options(*cmd, a->reading);
  add_common_options(*cmd, a->common);
  cmd->callback([a] {
    check_model_output(ModelOutput(a->output, a->overwrite), "nmf");  // refused before any work
    NmfkOptions o = a->nmfk;
    parse_k_range(a->k_range, o.k_min, o.k_max, o.k_step);
    o.perturbation = parse_perturbation(a->perturbation);
    o.init = parse_nmfk_init(a->init);
    o.nmf.loss = parse_nmf_loss(a->loss);
    o.nmf.solver = parse_nmf_solver(a->solver);
    o.fit_model = !a->no_refit;
    o.cross_validation = !a->no_cross_validation;
    o.criterion = parse_rank_criterion(a->criterion);
    o.seed = a->common.seed;
    o.threads = resolve_threads(a->common.threads);
    o.progress = make_progress(a->common);
    const InputMatrix input = open_input(a->input, a->reading.to_load_options(), make_progress(a->common));
    const SparseView X = input.matrix();
    require_nonnegative_finite(X, a->input);  // named after the file, before any work
    SparseView counts;
    const SparseView* cooccurrence = nullptr;
    if (o.semantic) {
      if (input.mapped && input.mapped->has_cooccurrence()) counts = input.mapped->cooccurrence();
      else if (input.corpus.cooccurrence) counts = input.corpus.cooccurrence->view();
      else
        throw InputError(a->input, "--semantic needs word-context co-occurrence counts: vectorize with --window W");
      cooccurrence = &counts;
    }
    const NmfkResult r = nmfk(X, o, cooccurrence);
    save_rank_model(ModelOutput(a->output, a->overwrite), r, o, input.corpus, X, a->input, a->reading.to_load_options().vectorizer);
    if (a->common.quiet) return;
    std::printf("%4s %7s %9s %9s %9s %9s %9s %9s %8s\n", "k", "stable", "sil_min_H", "sil_avg_H", "cophenet",
                "npmi", "cv_error", "rel_error", "seconds");
    for (const RankPoint& p : r.curve)
      std::printf("%4d %3d/%-3d %9.4f %9.4f %9.4f %9.4f %9.5f %9.5f %8.2f%s\n", p.k, p.stable_topics, p.k,
                  p.silhouette_min_H, p.silhouette_mean_H, p.cophenetic, p.coherence, p.cv_error, p.relative_error,
                  p.seconds, p.k == r.selected_k ? "  <- selected" : "");
    std::printf("%s: selected k=%d by %s (%s): %s\n", a->output.c_str(), r.selected_k,
                to_string(r.selection.criterion).c_str(), to_string(r.status).c_str(), r.selection.reason.c_str());
    if (!r.selection.runners_up.empty()) {
      std::printf("runners-up:");
      for (int k : r.selection.runners_up) std::printf(" %d", k);
      std::printf("\n");
    }
    std::printf("by criterion:");
    for (const RankSelection& s : r.by_criterion) std::printf(" %s=%d", to_string(s.criterion).c_str(), s.k);
    std::printf("\nrelative error of the selected model %.6f, %.2fs\n", r.model.relative_error, r.seconds);
  });
}

}  // namespace strata::cli
