// strata hnmf INPUT --ranks 9,4,2|auto --method neural -o DIR: a hierarchical NMF
// (sequential, Deep or Neural NMF) and its topic tree; with --ranks auto the
// ranks are chosen per layer by NMFk first.
#include <cstdio>
#include <sstream>

#include "commands.hpp"
#include "common.hpp"
#include "strata/core/error.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/io/hnmf_model.hpp"
#include "strata/io/labels.hpp"
#include "strata/io/load.hpp"
#include "strata/parallel/threads.hpp"

namespace strata::cli {

namespace {
std::vector<int> parse_ranks(const std::string& text) {
  if (text.find("auto") != std::string::npos)
    throw ArgumentError("--ranks takes either 'auto' alone or a comma-separated list of integers such as 9,4,2 (got '" +
                        text + "')");
  std::vector<int> ranks;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      const int k = std::stoi(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
      ranks.push_back(k);
    } catch (const std::exception&) {
      throw ArgumentError("ranks must be a comma-separated list of integers such as 9,4,2 (got '" + text + "')");
    }
  }
  if (ranks.empty()) throw ArgumentError("ranks must list at least one rank (got '" + text + "')");
  return ranks;
}
}  // namespace

void register_hnmf(CLI::App& app) {
  struct Args {
    bool overwrite = false;
    std::string input, output, ranks, method = "neural", loss = "reconstruction", optimizer = "pgd", labels,
        perturbation = "uniform", init = "random", coefficients = "proportions", criterion = "mean-silhouette";
    bool supervised = false;
    HnmfOptions hnmf;
    int top = 10;
    CommonOptions common;
    InputOptions reading;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("hnmf", "Hierarchical NMF: sequential, Deep or Neural NMF, and the topic tree");
  cmd->add_option("INPUT", a->input, "Corpus file, matrix file, or text (with the reading options)")->required();
  cmd->add_option("--ranks", a->ranks, "Ranks per layer, k_0 >= k_1 >= ..., e.g. 9,4,2; or auto (NMFk per layer)")
      ->required();
  // Ranks auto (docs/hnmf.md): the selection options, named as in `strata rank`.
  HnmfRankSelection& sel = a->hnmf.selection;
  cmd->add_option("--k-min", sel.k_min, "ranks auto: smallest rank tried at every layer (>= 2)")->capture_default_str();
  cmd->add_option("--k-max", sel.k_max, "ranks auto: largest rank tried at layer 0 (deeper: previous rank - 1)")
      ->capture_default_str();
  cmd->add_option("--max-layers", sel.max_layers, "ranks auto: at most this many layers")->capture_default_str();
  cmd->add_option("--perturbations", sel.perturbations, "ranks auto: perturbed copies fit per rank")
      ->capture_default_str();
  cmd->add_option("--epsilon", sel.epsilon, "ranks auto: uniform noise amplitude, values times (1 +- eps)")
      ->capture_default_str();
  cmd->add_option("--perturbation", a->perturbation, "ranks auto: uniform|poisson")->capture_default_str();
  cmd->add_option("--init", a->init, "ranks auto: random|shared starts of the perturbed fits")->capture_default_str();
  cmd->add_option("--criterion", a->criterion,
                  "ranks auto: what chooses layer 0's rank, as in strata rank (deeper layers: min-silhouette)")
      ->capture_default_str();
  cmd->add_option("--mean-threshold", sel.mean_threshold, "ranks auto: layer 0's mean topic silhouette (mean-silhouette)")
      ->capture_default_str();
  cmd->add_option("--threshold", sel.threshold, "ranks auto: minimum topic silhouette a rank needs (min-silhouette)")
      ->capture_default_str();
  cmd->add_option("--min-error-gain", sel.min_error_gain,
                  "ranks auto: a larger passing rank must lower the relative error by this fraction")
      ->capture_default_str();
  cmd->add_option("--selection-coefficients", a->coefficients,
                  "ranks auto: what layers >= 1 cluster: proportions (rows of W summing to 1) | raw")
      ->capture_default_str();
  cmd->add_option("-o,--output", a->output, "Model directory to write")->required();
  add_overwrite_option(*cmd, a->overwrite);
  cmd->add_option("--method", a->method, "sequential|deep|neural")->capture_default_str();
  cmd->add_option("--loss", a->loss, "Neural NMF cost: energy|reconstruction")->capture_default_str();
  cmd->add_option("--labels", a->labels, "Labels file: one line per document, empty = unlabeled");
  cmd->add_flag("--supervised", a->supervised, "Use the labels stored in the corpus (ignored unless given)");
  cmd->add_option("--lambda", a->hnmf.lambda, "Weight of the supervised term (default: ||X||^2 / labeled documents)");
  cmd->add_option("--epochs", a->hnmf.epochs, "Deep / Neural NMF epochs after the sequential fit")->capture_default_str();
  cmd->add_option("--learning-rate", a->hnmf.learning_rate, "Relative step size")->capture_default_str();
  cmd->add_option("--optimizer", a->optimizer, "pgd|adam")->capture_default_str();
  cmd->add_option("--layer-iter", a->hnmf.layer_iter, "NMF iterations per layer of the sequential fit")
      ->capture_default_str();
  cmd->add_option("--tol", a->hnmf.tol, "Layer NMF tolerance (refinement stops at tol / 100)")->capture_default_str();
  cmd->add_option("--top", a->top, "Top terms per topic (printed and stored in tree.json)")->capture_default_str();
  add_input_options(*cmd, a->reading);
  add_common_options(*cmd, a->common);
  cmd->callback([a] {
    check_model_output(ModelOutput(a->output, a->overwrite), "hnmf");  // refused before any work
    HnmfOptions o = a->hnmf;
    o.auto_ranks = a->ranks == "auto";
    if (!o.auto_ranks) o.ranks = parse_ranks(a->ranks);
    o.selection.perturbation = parse_perturbation(a->perturbation);
    o.selection.criterion = parse_rank_criterion(a->criterion);
    o.selection.init = parse_nmfk_init(a->init);
    o.selection.coefficients = parse_selection_coefficients(a->coefficients);
    o.method = parse_hnmf_method(a->method);
    o.loss = parse_hnmf_loss(a->loss);
    o.optimizer = parse_hnmf_optimizer(a->optimizer);
    o.seed = a->common.seed;
    o.threads = resolve_threads(a->common.threads);
    o.progress = make_progress(a->common);
    if (!a->labels.empty() && a->supervised)
      throw ArgumentError("give either --labels FILE or --supervised (the corpus's labels), not both");
    const InputMatrix input = open_input(a->input, a->reading.to_load_options(), make_progress(a->common));
    const Corpus& corpus = input.corpus;
    const SparseView X = input.matrix();
    require_nonnegative_finite(X, a->input);
    LabelEncoding labels;
    if (!a->labels.empty()) {
      labels = encode_labels(read_labels_file(a->labels, X.rows));
    } else if (a->supervised) {
      if (!corpus.has_labels()) throw InputError(a->input, "--supervised needs a corpus with labels (it has none)");
      labels = encode_labels(corpus.labels);
    }
    const bool supervised = labels.n_documents() > 0;
    if (supervised) o.labels = &labels;
    const HnmfResult r = hierarchical_nmf(X, o);
    save_hnmf_model(ModelOutput(a->output, a->overwrite), r, o, corpus, X, a->input, supervised ? &labels : nullptr, std::max(a->top, 1));
    if (a->common.quiet) return;
    std::string ranks = o.auto_ranks ? "" : a->ranks;
    for (size_t l = 0; o.auto_ranks && l < r.ranks.size(); ++l) ranks += (l ? "," : "") + std::to_string(r.ranks[l]);
    for (const HnmfLayerSelection& s : r.rank_selection) {
      // Layer 0 is chosen by the mean topic silhouette (by default), deeper layers by the minimum.
      const bool by_mean = s.layer == 0 && o.selection.criterion == RankCriterion::MeanSilhouette;
      std::printf("layer %d rank selection (k %d..%d, %s topic silhouette):", s.layer, s.k_min, s.k_max,
                  by_mean ? "mean" : "minimum");
      for (const RankPoint& p : s.curve) std::printf(" %d:%.3f", p.k, by_mean ? p.silhouette_mean_H : p.silhouette_min_H);
      std::printf("  -> k=%d (%s)%s\n", s.selected_k, to_string(s.status).c_str(), s.added ? "" : ", layer not added");
    }
    if (o.auto_ranks) std::printf("selected ranks %s (stopped: %s)\n", ranks.c_str(), to_string(r.selection_stop).c_str());
    std::printf("%s: %s, ranks %s, %d epochs (%s), %.3fs\n", a->output.c_str(), to_string(o.method).c_str(),
                ranks.c_str(), r.epochs, to_string(r.status).c_str(), r.seconds);
    for (size_t l = 0; l < r.layers.size(); ++l) {
      std::printf("layer %zu: rank %d, relative error %.6f", l, r.layers[l].rank, r.layers[l].relative_error);
      if (supervised) std::printf(", accuracy on labeled %.4f", r.layers[l].accuracy);
      std::printf("\n");
    }
    std::printf("%s", format_topic_tree(a->output, a->top).c_str());
  });
}

}  // namespace strata::cli
