// strata nmf INPUT -k K -o DIR: fit an NMF and write the model directory.
#include <cstdio>

#include "commands.hpp"
#include "common.hpp"
#include "strata/core/error.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/io/load.hpp"
#include "strata/io/nmf_model.hpp"
#include "strata/io/npy.hpp"
#include "strata/parallel/threads.hpp"

namespace strata::cli {

void register_nmf(CLI::App& app) {
  struct Args {
    bool overwrite = false;
    std::string input, output, solver = "hals", loss = "frobenius", init = "nndsvda", observed = "all", mask, warm;
    NmfOptions nmf;
    int top = 10;
    CommonOptions common;
    InputOptions reading;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("nmf", "Nonnegative matrix factorization X ~ W H (topics)");
  cmd->add_option("INPUT", a->input, "Corpus file, matrix file, or text (with the reading options)")->required();
  cmd->add_option("-k,--components", a->nmf.k, "Number of components (topics)")->required()->check(CLI::PositiveNumber);
  cmd->add_option("-o,--output", a->output, "Model directory to write")->required();
  add_overwrite_option(*cmd, a->overwrite);
  cmd->add_option("--solver", a->solver, "hals|mu|bpp")->capture_default_str();
  cmd->add_option("--loss", a->loss, "frobenius|kl|itakura-saito|beta (itakura-saito and beta: --solver mu)")
      ->capture_default_str();
  cmd->add_option("--beta", a->nmf.beta, "The beta of --loss beta (0: Itakura-Saito, 1: KL, 2: Frobenius)");
  cmd->add_option("--init", a->init, "random|nndsvd|nndsvda|nndsvdar")->capture_default_str();
  cmd->add_option("--warm-start", a->warm, "Start from the W.npy and H.npy of a model directory (same data, same k)");
  cmd->add_option("--max-iter", a->nmf.max_iter, "Maximum iterations")->capture_default_str();
  cmd->add_option("--tol", a->nmf.tol, "Stop when the relative loss change is below (0: run all iterations)")
      ->capture_default_str();
  cmd->add_option("--time-limit", a->nmf.time_limit, "Stop after this many seconds of fitting (0: none)");
  cmd->add_option("--l1-w", a->nmf.l1_W, "L1 penalty on W");
  cmd->add_option("--l2-w", a->nmf.l2_W, "L2 penalty on W");
  cmd->add_option("--l1-h", a->nmf.l1_H, "L1 penalty on H");
  cmd->add_option("--l2-h", a->nmf.l2_H, "L2 penalty on H");
  cmd->add_option("--inner-sweeps", a->nmf.inner_sweeps, "HALS sweeps per product (0: automatic)");
  cmd->add_flag("--extrapolate,!--no-extrapolate", a->nmf.extrapolate,
                "Extrapolate each factor before the other's update (Frobenius HALS/BPP; default on)");
  cmd->add_option("--observed", a->observed, "all|stored: which entries of X count in the loss")->capture_default_str();
  cmd->add_option("--mask", a->mask, "Matrix file of observed positions (zeros included)");
  cmd->add_option("--top", a->top, "Top terms per topic to print")->capture_default_str();
  add_input_options(*cmd, a->reading);
  add_common_options(*cmd, a->common);
  cmd->callback([a] {
    check_model_output(ModelOutput(a->output, a->overwrite), "nmf");  // refused before any work
    NmfOptions o = a->nmf;
    o.solver = parse_nmf_solver(a->solver);
    if (a->loss == "itakura-saito" || a->loss == "is") {
      o.loss = NmfLoss::Beta;
      o.beta = 0.0;
    } else {
      o.loss = parse_nmf_loss(a->loss);
    }
    o.init = parse_nmf_init(a->init);
    o.seed = a->common.seed;
    o.threads = resolve_threads(a->common.threads);
    o.progress = make_progress(a->common);
    if (a->observed == "stored") o.observed = Observed::Stored;
    else if (a->observed != "all") throw ArgumentError("observed must be all or stored (got '" + a->observed + "')");
    const InputMatrix input = open_input(a->input, a->reading.to_load_options(), make_progress(a->common));
    const Corpus& corpus = input.corpus;
    const SparseView X = input.matrix();
    require_nonnegative_finite(X, a->input);  // named after the file, before any work
    Corpus mask;
    SparseView mask_view;
    if (!a->mask.empty()) {
      mask = load_corpus(a->mask);
      mask_view = mask.matrix.view();
      o.observed = Observed::Mask;
      o.mask = &mask_view;
    }
    DenseMatrix W0, H0;
    if (!a->warm.empty()) {
      auto load = [&](const char* name) {
        const std::string path = a->warm + "/" + name;
        const NpyArray arr = read_npy(path);
        if (arr.shape.size() != 2) throw InputError(path, "expected a 2-D array");
        return DenseMatrix(Eigen::Map<const DenseMatrix>(arr.values.data(), arr.rows(), arr.cols()));
      };
      W0 = load("W.npy");
      H0 = load("H.npy");
      o.init = NmfInit::Custom;
    }
    const NmfResult r = nmf(X, o, a->warm.empty() ? nullptr : &W0, a->warm.empty() ? nullptr : &H0);
    save_nmf_model(ModelOutput(a->output, a->overwrite), r, o, corpus, X, a->input, a->reading.to_load_options().vectorizer);
    if (a->common.quiet) return;
    std::printf("%s: k=%d, %d iterations (%s), %.3fs, relative error %.6f\n", a->output.c_str(), o.k, r.iterations,
                to_string(r.status).c_str(), r.seconds, r.relative_error);
    const auto topics = top_terms(r.H, corpus.vocabulary, a->top);
    for (size_t t = 0; t < topics.size(); ++t) {
      std::printf("topic %2zu:", t);
      for (const auto& [term, w] : topics[t].terms) std::printf(" %s", term.c_str());
      std::printf("\n");
    }
  });
}

}  // namespace strata::cli
