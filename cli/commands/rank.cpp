// strata rank INPUT --k A:B[:STEP] -o DIR: choose the number of topics by
// NMFk (or SeNMFk with --semantic) and write the selected model.
#include <cstdio>

#include "commands.hpp"
#include "common.hpp"
#include "strata/core/error.hpp"
#include "strata/io/corpus_file.hpp"
#include "strata/io/load.hpp"
#include "strata/io/rank_report.hpp"
#include "strata/parallel/threads.hpp"

namespace strata::cli {

void register_rank(CLI::App& app) {
  struct Args {
    std::string input, output, k_range = "2:10", perturbation = "uniform", init = "random", solver = "hals",
                                    loss = "frobenius";
    NmfkOptions nmfk;
    bool no_refit = false;
    CommonOptions common;
    InputOptions reading;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("rank", "How many topics: NMFk / SeNMFk rank selection by stability under perturbation");
  cmd->add_option("INPUT", a->input, "Corpus file, matrix file, or text (with the reading options)")->required();
  cmd->add_option("-o,--output", a->output, "Directory for the selected model, metrics.json and curve.svg")->required();
  cmd->add_option("--k", a->k_range, "Ranks to try: A:B or A:B:STEP (A >= 2)")->capture_default_str();
  cmd->add_option("--perturbations", a->nmfk.perturbations, "Perturbed copies fit per k")->capture_default_str();
  cmd->add_option("--epsilon", a->nmfk.epsilon, "Uniform noise amplitude: values times (1 +- eps)")
      ->capture_default_str();
  cmd->add_option("--perturbation", a->perturbation, "uniform|poisson (poisson resamples counts)")
      ->capture_default_str();
  cmd->add_option("--threshold", a->nmfk.threshold, "Minimum topic silhouette a rank needs")->capture_default_str();
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
    NmfkOptions o = a->nmfk;
    parse_k_range(a->k_range, o.k_min, o.k_max, o.k_step);
    o.perturbation = parse_perturbation(a->perturbation);
    o.init = parse_nmfk_init(a->init);
    o.nmf.loss = parse_nmf_loss(a->loss);
    o.nmf.solver = parse_nmf_solver(a->solver);
    o.fit_model = !a->no_refit;
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
    save_rank_model(a->output, r, o, input.corpus, X, a->input, a->reading.to_load_options().vectorizer);
    if (a->common.quiet) return;
    std::printf("%5s %9s %9s %9s %9s %9s %8s\n", "k", "sil_min_H", "sil_avg_H", "sil_min_W", "sil_avg_W", "rel_error",
                "seconds");
    for (const RankPoint& p : r.curve)
      std::printf("%5d %9.4f %9.4f %9.4f %9.4f %9.5f %8.2f%s\n", p.k, p.silhouette_min_H, p.silhouette_mean_H,
                  p.silhouette_min_W, p.silhouette_mean_W, p.relative_error, p.seconds,
                  p.k == r.selected_k ? "  <- selected" : "");
    std::printf("%s: selected k=%d (%s), %.2fs; relative error of the selected model %.6f\n", a->output.c_str(),
                r.selected_k, to_string(r.status).c_str(), r.seconds, r.model.relative_error);
  });
}

}  // namespace strata::cli
