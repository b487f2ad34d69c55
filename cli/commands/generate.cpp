// strata generate topics|hierarchy|lowrank|zipf: synthetic data with known
// ground truth (the models are in strata/synth/generators.hpp and
// docs/synthetic.md). Matrix generators write a directory: corpus.strata plus
// the true factors as .npy and the labels as text; zipf writes a text file.
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "common.hpp"
#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"
#include "strata/io/corpus_file.hpp"
#include "strata/io/npy.hpp"
#include "strata/synth/generators.hpp"

namespace strata::cli {
namespace {

std::string in_dir(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

void write_dense(const std::string& path, const synth::DenseMatrix& m) {
  write_npy(path, m.values.data(), {m.rows, m.cols});
}

void write_labels(const std::string& path, const std::vector<std::int32_t>& labels) {
  write_file_atomically(path, [&](std::ostream& out) {
    for (std::int32_t t : labels) out << t << '\n';
  });
}

void report(const CommonOptions& common, const std::string& dir, const SparseMatrix& X, const std::string& what) {
  if (!common.quiet)
    std::printf("%s: %lld x %lld, %lld stored entries (%s)\n", dir.c_str(), static_cast<long long>(X.rows),
                static_cast<long long>(X.cols), static_cast<long long>(X.nnz()), what.c_str());
}

/// "0,0,0,1,1,2,2,3,3/0,0,1,1": one comma-separated list per layer, layers separated by '/'.
std::vector<std::vector<int>> parse_parents(const std::string& text) {
  std::vector<std::vector<int>> parents;
  if (text.empty()) return parents;
  std::stringstream layers(text);
  std::string layer;
  while (std::getline(layers, layer, '/')) {
    std::vector<int> p;
    std::stringstream items(layer);
    std::string item;
    while (std::getline(items, item, ',')) {
      try {
        std::size_t used = 0;
        p.push_back(std::stoi(item, &used));
        if (used != item.size()) throw std::invalid_argument(item);
      } catch (const std::exception&) {
        throw ArgumentError("--parents must be comma-separated integers, layers separated by '/' (got " + text + ")");
      }
    }
    parents.push_back(std::move(p));
  }
  return parents;
}

void add_length_options(CLI::App& cmd, double& doc_length, double& length_cv) {
  cmd.add_option("--doc-length", doc_length, "Mean expected tokens per document")->capture_default_str();
  cmd.add_option("--length-cv", length_cv, "Coefficient of variation of document lengths (0 = all equal)")
      ->capture_default_str();
}

void register_generate_topics(CLI::App& gen) {
  struct Args {
    std::string output, noise = "poisson";
    CommonOptions common;
    synth::TopicsOptions opt;
  };
  auto args = std::make_shared<Args>();
  auto& o = args->opt;
  auto* cmd = gen.add_subcommand("topics", "Planted topics: X = Poisson(W H) with known W, H and labels");
  cmd->add_option("-o,--output", args->output, "Output directory (corpus.strata, W_true.npy, H_true.npy, labels.txt)")
      ->required();
  cmd->add_option("--documents", o.n_documents, "Number of documents n")->capture_default_str();
  cmd->add_option("--terms", o.n_terms, "Number of terms m (>= topics)")->capture_default_str();
  cmd->add_option("--topics", o.n_topics, "Number of topics k")->capture_default_str();
  cmd->add_option("--overlap", o.overlap, "Topic mass shared over all terms, in [0, 1] (0 = disjoint anchor blocks)")
      ->capture_default_str();
  cmd->add_option("--alpha", o.alpha, "Document-topic Dirichlet concentration")->capture_default_str();
  cmd->add_option("--term-concentration", o.term_concentration, "Dirichlet concentration within an anchor block")
      ->capture_default_str();
  cmd->add_option("--shared-concentration", o.shared_concentration,
                  "Dirichlet concentration of the shared (overlap) component")
      ->capture_default_str();
  add_length_options(*cmd, o.doc_length, o.length_cv);
  cmd->add_option("--noise", args->noise, "poisson (counts) | none (X = W H exactly)")->capture_default_str();
  add_common_options(*cmd, args->common);
  cmd->callback([args] {
    args->opt.seed = args->common.seed;
    args->opt.noise = synth::parse_noise(args->noise);
    const synth::TopicsResult r = synth::make_topics(args->opt);
    const std::string& dir = args->output;
    ensure_directory(dir);
    write_corpus_file(in_dir(dir, "corpus.strata"), synth::to_corpus(r, args->opt));
    write_dense(in_dir(dir, "W_true.npy"), r.W);
    write_dense(in_dir(dir, "H_true.npy"), r.H);
    write_labels(in_dir(dir, "labels.txt"), r.labels);
    report(args->common, dir, r.X, "documents x terms, " + std::to_string(args->opt.n_topics) + " planted topics");
  });
}

void register_generate_hierarchy(CLI::App& gen) {
  struct Args {
    std::string output, noise = "none", parents;
    CommonOptions common;
    synth::HierarchyOptions opt;
  };
  auto args = std::make_shared<Args>();
  auto& o = args->opt;
  auto* cmd = gen.add_subcommand("hierarchy", "Planted topic hierarchy (default 9 -> 4 -> 2) with per-layer truth");
  cmd->add_option("-o,--output", args->output,
                  "Output directory (corpus.strata, W_true_layerL.npy, H_true_layerL.npy, mixing_layerL.npy, "
                  "labels_layerL.txt, hierarchy.json)")
      ->required();
  cmd->add_option("--documents", o.n_documents, "Number of documents n")->capture_default_str();
  cmd->add_option("--terms", o.n_terms, "Number of terms m (>= sum of ranks)")->capture_default_str();
  cmd->add_option("--ranks", o.ranks, "Topics per layer, leaves first, non-increasing")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--parents", args->parents,
                  "Explicit grouping, e.g. 0,0,0,1,1,2,2,3,3/0,0,1,1 (default: contiguous, larger groups first)");
  cmd->add_option("--alpha", o.alpha, "Dirichlet concentration on a document's own leaf")->capture_default_str();
  cmd->add_option("--decay", o.decay, "Concentration factor per layer of tree distance, in (0, 1]")
      ->capture_default_str();
  cmd->add_option("--term-sharing", o.term_sharing, "Leaf mass on the ancestor at layer d ~ term_sharing^d, in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--term-concentration", o.term_concentration, "Dirichlet concentration within each term block")
      ->capture_default_str();
  add_length_options(*cmd, o.doc_length, o.length_cv);
  cmd->add_option("--noise", args->noise, "none (X = W H exactly) | poisson (counts)")->capture_default_str();
  add_common_options(*cmd, args->common);
  cmd->callback([args] {
    args->opt.seed = args->common.seed;
    args->opt.noise = synth::parse_noise(args->noise);
    args->opt.parents = parse_parents(args->parents);
    const synth::HierarchyResult r = synth::make_hierarchy(args->opt);
    const std::string& dir = args->output;
    ensure_directory(dir);
    write_corpus_file(in_dir(dir, "corpus.strata"), synth::to_corpus(r, args->opt));
    for (std::size_t l = 0; l < r.ranks.size(); ++l) {
      const std::string layer = std::to_string(l);
      write_dense(in_dir(dir, "W_true_layer" + layer + ".npy"), r.W[l]);
      write_dense(in_dir(dir, "H_true_layer" + layer + ".npy"), r.H[l]);
      if (l > 0) write_dense(in_dir(dir, "mixing_layer" + layer + ".npy"), r.mixing[l]);
      write_labels(in_dir(dir, "labels_layer" + layer + ".txt"), r.labels[l]);
    }
    const nlohmann::json tree = {{"ranks", r.ranks}, {"parents", r.parents}};
    write_file_atomically(in_dir(dir, "hierarchy.json"), [&](std::ostream& out) { out << tree.dump(2) << '\n'; });
    std::string shape;
    for (int k : r.ranks) shape += (shape.empty() ? "" : " -> ") + std::to_string(k);
    report(args->common, dir, r.X, "documents x terms, hierarchy " + shape);
  });
}

void register_generate_lowrank(CLI::App& gen) {
  struct Args {
    std::string output;
    CommonOptions common;
    synth::LowRankOptions opt;
  };
  auto args = std::make_shared<Args>();
  auto& o = args->opt;
  auto* cmd = gen.add_subcommand("lowrank", "Low-rank nonnegative matrix with missing entries (for masked NMF)");
  cmd->add_option("-o,--output", args->output,
                  "Output directory (corpus.strata = observed entries, zeros stored explicitly; W_true.npy, "
                  "H_true.npy, held_out.npy = rows of (row, col, value))")
      ->required();
  cmd->add_option("--rows", o.n_rows, "Number of rows n")->capture_default_str();
  cmd->add_option("--cols", o.n_cols, "Number of columns m")->capture_default_str();
  cmd->add_option("--rank", o.rank, "Rank r")->capture_default_str();
  cmd->add_option("--observed", o.observed, "Probability that an entry is observed, in (0, 1]")->capture_default_str();
  cmd->add_option("--noise-sigma", o.noise_sigma, "Standard deviation of additive Gaussian noise (clipped at 0)")
      ->capture_default_str();
  cmd->add_option("--scale", o.scale, "Mean entry of W H")->capture_default_str();
  cmd->add_option("--factor-density", o.factor_density, "Fraction of nonzero entries in W and H, in (0, 1]")
      ->capture_default_str();
  cmd->add_option("--held-out", o.held_out, "Fraction of the unobserved entries written to held_out.npy")
      ->capture_default_str();
  add_common_options(*cmd, args->common);
  cmd->callback([args] {
    args->opt.seed = args->common.seed;
    const synth::LowRankResult r = synth::make_lowrank(args->opt);
    const std::string& dir = args->output;
    ensure_directory(dir);
    write_corpus_file(in_dir(dir, "corpus.strata"), synth::to_corpus(r, args->opt));
    write_dense(in_dir(dir, "W_true.npy"), r.W);
    write_dense(in_dir(dir, "H_true.npy"), r.H);
    std::vector<double> held(r.held_out.size() * 3);
    for (std::size_t p = 0; p < r.held_out.size(); ++p) {
      held[3 * p] = static_cast<double>(r.held_out[p].row);
      held[3 * p + 1] = static_cast<double>(r.held_out[p].col);
      held[3 * p + 2] = r.held_out[p].value;
    }
    write_npy(in_dir(dir, "held_out.npy"), held.data(), {static_cast<Index>(r.held_out.size()), 3});
    report(args->common, dir, r.X,
           "rank " + std::to_string(args->opt.rank) + ", " + std::to_string(r.held_out.size()) + " held out");
  });
}

void register_generate_zipf(CLI::App& gen) {
  struct Args {
    std::string output, format = "auto", words = "pronounceable";
    std::uint64_t bytes = 0;
    CommonOptions common;
    synth::ZipfOptions opt;
  };
  auto args = std::make_shared<Args>();
  auto& o = args->opt;
  auto* cmd = gen.add_subcommand("zipf", "Zipfian text corpus of any size (streamed to a file)");
  cmd->add_option("-o,--output", args->output, "Output text file (.tsv: id<TAB>label<TAB>text; else one document per line)")
      ->required();
  cmd->add_option("--documents", o.n_documents, "Number of documents (unless --bytes)")->capture_default_str();
  cmd->add_option("--bytes", args->bytes, "Generate until the file holds this many bytes, e.g. 100M (k = 1000)")
      ->transform(CLI::AsSizeValue(true));
  cmd->add_option("--vocabulary", o.vocabulary_size, "Vocabulary size V")->capture_default_str();
  cmd->add_option("--exponent", o.exponent, "Zipf exponent s: frequency of rank r ~ r^-s")->capture_default_str();
  add_length_options(*cmd, o.doc_length, o.length_cv);
  cmd->add_option("--topics", o.n_topics, "Planted topics k (0 = none; labels are empty)")->capture_default_str();
  cmd->add_option("--topic-weight", o.topic_weight, "Fraction of tokens drawn from topics, in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--topic-alpha", o.topic_alpha, "Document-topic Dirichlet concentration")->capture_default_str();
  cmd->add_option("--words", args->words, "pronounceable | numbered (w0, w1, ...)")->capture_default_str();
  cmd->add_option("--format", args->format, "auto (by extension) | lines | tsv")->capture_default_str();
  add_common_options(*cmd, args->common);
  cmd->callback([args] {
    synth::ZipfOptions opt = args->opt;
    opt.seed = args->common.seed;
    opt.word_style = synth::parse_word_style(args->words);
    if (args->bytes > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw ArgumentError("--bytes is too large");
    opt.target_bytes = static_cast<std::int64_t>(args->bytes);
    synth::ZipfFileFormat format;
    if (args->format == "auto")
      format = synth::zipf_format_for_path(args->output);
    else if (args->format == "lines")
      format = synth::ZipfFileFormat::Lines;
    else if (args->format == "tsv")
      format = synth::ZipfFileFormat::Tsv;
    else
      throw ArgumentError("--format must be one of auto|lines|tsv (got " + args->format + ")");
    const synth::ZipfWriteSummary s = synth::write_zipf_corpus(args->output, opt, format, make_progress(args->common));
    if (!args->common.quiet)
      std::printf("%s: %lld documents, %lld tokens, %lld bytes\n", args->output.c_str(),
                  static_cast<long long>(s.documents), static_cast<long long>(s.tokens),
                  static_cast<long long>(s.bytes));
  });
}

}  // namespace

void register_generate(CLI::App& app) {
  auto* gen = app.add_subcommand("generate", "Synthetic data with known ground truth (topics, hierarchy, lowrank, zipf)");
  gen->require_subcommand(1);
  register_generate_topics(*gen);
  register_generate_hierarchy(*gen);
  register_generate_lowrank(*gen);
  register_generate_zipf(*gen);
}

}  // namespace strata::cli
