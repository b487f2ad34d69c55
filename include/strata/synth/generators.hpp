#pragma once
/// @file Synthetic data with known ground truth (SPEC 6): planted topics,
/// planted topic hierarchies (the 9 -> 4 -> 2 structure of the Neural NMF
/// slides), low-rank matrices with missing entries, and Zipfian text corpora
/// of any size for scale tests.
///
/// Every generator takes an options struct (all fields defaulted) holding a
/// `seed`, and returns a result struct. Output is a pure function of the
/// options: the same seed gives bit-identical output on every platform and
/// standard library, because all randomness comes from `std::mt19937_64`
/// (whose output sequence the C++ standard fixes) through the distributions
/// of `Random` below, written here from uniform draws (the std::
/// distributions are implementation-defined and differ between libstdc++ and
/// libc++). Generation is single-threaded.
///
/// Orientation is strata's (SPEC 2.1): rows are documents, columns are terms,
/// X (n x m) ~ W (n x k) H (k x m). The seeds' X (terms x documents) ~ A S
/// maps as A = H^T, S = W^T. docs/synthetic.md describes each model in full.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "strata/core/corpus.hpp"
#include "strata/core/random.hpp"
#include "strata/core/progress.hpp"
#include "strata/core/sparse.hpp"

namespace strata::synth {

// ---------------------------------------------------------------------------
// Portable random variates
// ---------------------------------------------------------------------------

/// strata's portable random numbers (core/random.hpp), used by every generator.
using strata::Random;

/// Walker's alias table (Vose's construction): O(k) set-up, O(1) per draw
/// from a discrete distribution given by nonnegative weights.
class AliasTable {
 public:
  AliasTable() = default;
  /// weights: nonnegative, finite, not all zero (throws ArgumentError otherwise).
  explicit AliasTable(const std::vector<double>& weights);
  /// Draws an index in [0, size()) with probability weight / sum(weights).
  std::int32_t sample(Random& rng) const;
  std::int32_t size() const { return static_cast<std::int32_t>(alias_.size()); }

 private:
  std::vector<double> threshold_;
  std::vector<std::int32_t> alias_;
};

// ---------------------------------------------------------------------------
// Shared result pieces
// ---------------------------------------------------------------------------

/// A dense row-major matrix: element (i, j) is values[i * cols + j].
struct DenseMatrix {
  Index rows = 0;
  Index cols = 0;
  std::vector<double> values;

  DenseMatrix() = default;
  DenseMatrix(Index r, Index c) : rows(r), cols(c), values(static_cast<std::size_t>(r * c), 0.0) {}
  double& operator()(Index i, Index j) { return values[static_cast<std::size_t>(i * cols + j)]; }
  double operator()(Index i, Index j) const { return values[static_cast<std::size_t>(i * cols + j)]; }
  double* row(Index i) { return values.data() + i * cols; }
  const double* row(Index i) const { return values.data() + i * cols; }
};

/// How counts are drawn from the expected matrix W H.
enum class Noise {
  None,     ///< X = W H exactly (real values; entries that are exactly 0 are not stored)
  Poisson,  ///< X_ij ~ Poisson((W H)_ij), integer counts; only nonzero samples are stored
};
Noise parse_noise(const std::string& name);  ///< "none" | "poisson"
std::string to_string(Noise noise);

/// Synthetic term names "t0000", "t0001", ... (at least 4 digits, zero-padded
/// to the width of m - 1 so that alphabetical order is column order).
std::vector<std::string> numbered_names(const std::string& prefix, Index count);

/// "topic0".."topic9" (k <= 10), "topic00".."topic99" (k <= 100), ...: the
/// label string of topic `t`, zero-padded so that sorting the label strings
/// gives topic order.
std::string topic_label(int t, int k);

// ---------------------------------------------------------------------------
// 1. Planted topics
// ---------------------------------------------------------------------------

/// Planted topic model (an LDA-like generative model with known factors).
///   H (k x m): topic t = (1 - overlap) * Dirichlet(term_concentration) over
///     its own anchor block of about m / k contiguous terms
///     + overlap * Dirichlet(shared_concentration) over all m terms.
///     Rows of H sum to 1.
///   W (n x k): W_i = L_i * theta_i with theta_i ~ Dirichlet(alpha) and the
///     document length L_i ~ Gamma with mean `doc_length` and coefficient of
///     variation `length_cv` (L_i = doc_length when length_cv = 0).
///   X = Poisson(W H) entrywise (sampled token by token: row i gets
///     Poisson(L_i) tokens, each from topic t ~ theta_i then term j ~ H_t,
///     which is the same distribution), or W H exactly with Noise::None.
/// So E[row sum of X] = L_i. Cost O(n k + k m + number of tokens).
struct TopicsOptions {
  Index n_documents = 1000;           ///< n, >= 1
  Index n_terms = 2000;               ///< m, >= n_topics (each topic needs an anchor term)
  int n_topics = 10;                  ///< k, >= 1
  double overlap = 0.0;               ///< in [0, 1]: topic mass outside the anchor block
  double alpha = 0.1;                 ///< > 0: document-topic Dirichlet concentration (small = one dominant topic)
  double term_concentration = 0.5;    ///< > 0: Dirichlet concentration within an anchor block (small = sparse topics)
  double shared_concentration = 1.0;  ///< > 0: Dirichlet concentration of the shared (overlap) component
  double doc_length = 100.0;          ///< > 0: mean expected tokens per document
  double length_cv = 0.5;             ///< >= 0: coefficient of variation of document lengths
  Noise noise = Noise::Poisson;       ///< how X is drawn from W H
  std::uint64_t seed = 0;             ///< random seed
};

struct TopicsResult {
  SparseMatrix X;                       ///< n x m, documents x terms; rows sorted, no duplicates
  DenseMatrix W;                        ///< n x k true document-topic weights (row sums = L_i)
  DenseMatrix H;                        ///< k x m true topic-term distributions (row sums = 1)
  std::vector<std::int32_t> labels;     ///< per document: argmax_t W_it (lowest index on ties)
  std::vector<double> doc_lengths;      ///< per document: L_i = expected row sum of X
  std::vector<std::string> vocabulary;  ///< m names "t0000", ...
  /// Anchor blocks: topic t owns terms [anchor_begin[t], anchor_begin[t + 1]).
  std::vector<Index> anchor_begin;
};

/// Generates a planted-topic corpus; throws ArgumentError on invalid options.
TopicsResult make_topics(const TopicsOptions& options);

// ---------------------------------------------------------------------------
// 2. Planted hierarchy
// ---------------------------------------------------------------------------

/// A planted topic hierarchy with ranks k_0 >= k_1 >= ... >= k_L (default
/// 9 -> 4 -> 2, SPEC 3.4). Layer l + 1 groups the topics of layer l:
/// `parents[l][t]` is the layer-(l+1) parent of layer-l topic t; by default a
/// contiguous partition with the larger groups first (9 -> 4 gives
/// {0,1,2},{3,4},{5,6},{7,8}; 4 -> 2 gives {0,1},{2,3}).
///
/// Terms: the vocabulary is cut into one contiguous block per node of the
/// tree (k_0 + k_1 + ... + k_L blocks); each node draws a Dirichlet
/// (term_concentration) distribution over its block. A leaf topic puts mass
/// proportional to term_sharing^d on the block of its ancestor at layer d
/// (d = 0 is its own block), so siblings share their parent's terms.
///
/// Documents: each draws a leaf uniformly; its leaf weights
/// are theta_i ~ Dirichlet(beta) with beta_t = alpha * decay^d(t), where d(t)
/// is the lowest layer at which leaf t and the document's leaf share an
/// ancestor (0 for the leaf itself, L + 1 when none), times a length L_i as
/// in make_topics. X = W_0 H_0 (the default, Noise::None: real values, dense
/// where leaf topics overlap) or Poisson(W_0 H_0) counts.
///
/// True factors per layer l (strata orientation; the seeds' A_l, S_l are
/// transposes, X ~ A_0 A_1 ... A_l S_l):
///   W[l] (n x k_l) = W[l-1] aggregated over children (W[l] = W[l-1] G_l with
///     G_l the 0/1 grouping); the seeds' S_l = W[l]^T.
///   mixing[l] (k_l x k_{l-1}, l >= 1): row g is uniform over g's children;
///     the seeds' A_l = mixing[l]^T.
///   H[l] (k_l x m) = mixing[l] H[l-1] (H[0] = the leaf topics); rows sum to 1.
/// X ~ W[l] H[l] holds exactly at l = 0 (up to noise) and approximately above,
/// with an error that grows with l, as in the slides' table.
struct HierarchyOptions {
  Index n_documents = 1000;       ///< n, >= 1
  Index n_terms = 1500;           ///< m, >= the number of tree nodes (sum of ranks)
  std::vector<int> ranks{9, 4, 2};  ///< k_0 >= k_1 >= ... >= k_L >= 1, at least one entry
  /// Optional explicit grouping: parents[l] has k_l entries in [0, k_{l+1}),
  /// every parent used. Empty = the contiguous partition.
  std::vector<std::vector<int>> parents;
  double alpha = 1.0;             ///< > 0: Dirichlet concentration on a document's own leaf
  double decay = 0.2;             ///< in (0, 1]: concentration factor per layer of tree distance
  double term_sharing = 0.5;      ///< in [0, 1]: leaf mass on the ancestor at layer d is ~ term_sharing^d
  double term_concentration = 0.5;  ///< > 0: Dirichlet concentration within each node's term block
  double doc_length = 100.0;      ///< > 0: mean expected tokens per document
  double length_cv = 0.5;         ///< >= 0: coefficient of variation of document lengths
  /// How X is drawn from W[0] H[0]. Exact by default: the slides' table
  /// (relative errors 0.05 / 0.40 / 0.86 at 1 / 2 / 3 layers) needs data close
  /// to rank k_0, which Poisson counts of short documents are not.
  Noise noise = Noise::None;
  std::uint64_t seed = 0;         ///< random seed
};

struct HierarchyResult {
  SparseMatrix X;                          ///< n x m, documents x terms
  std::vector<int> ranks;                  ///< k_0, ..., k_L
  std::vector<std::vector<int>> parents;   ///< L vectors: parents[l][t] for layer-l topic t
  std::vector<DenseMatrix> W;              ///< L + 1 matrices, n x k_l
  std::vector<DenseMatrix> H;              ///< L + 1 matrices, k_l x m
  std::vector<DenseMatrix> mixing;         ///< L + 1 entries; mixing[0] is empty, mixing[l] is k_l x k_{l-1}
  /// labels[0][i]: document i's dominant leaf (argmax of its leaf weights,
  /// nearly always the leaf it was drawn for); labels[l][i] for l >= 1: that
  /// leaf's layer-l ancestor, so labels[l + 1][i] == parents[l][labels[l][i]].
  /// (The dominant leaf's ancestor need not be the argmax of W[l] row i.)
  std::vector<std::vector<std::int32_t>> labels;
  std::vector<double> doc_lengths;         ///< per document L_i
  std::vector<std::string> vocabulary;     ///< m names "t0000", ...
  /// Term blocks per tree node: block_begin[l][t] .. block_begin[l][t + 1] are
  /// the terms owned by layer-l topic t (k_l + 1 entries per layer).
  std::vector<std::vector<Index>> block_begin;
};

/// Contiguous partition of k_from topics into k_to groups, larger groups first.
std::vector<int> contiguous_parents(int k_from, int k_to);

/// Generates a planted hierarchy; throws ArgumentError on invalid options.
HierarchyResult make_hierarchy(const HierarchyOptions& options);

// ---------------------------------------------------------------------------
// 3. Low rank with missing entries
// ---------------------------------------------------------------------------

/// Y = max(0, W H + noise_sigma * N(0, 1)) with W (n x r), H (r x m) >= 0;
/// entries of W and H are Uniform(0, 1) scaled by 2 sqrt(scale / r) (so that
/// E[(W H)_ij] = scale), each kept with probability factor_density (else 0).
/// Every entry of Y is observed independently with probability `observed`.
///
/// The observed entries are returned as a CSR matrix that stores *every*
/// observed entry, observed zeros included, as explicit stored values: the
/// stored pattern is the mask ("only the stored entries are observed" mode of
/// the masked NMF). Of the unobserved entries, a fraction `held_out` is
/// returned as (row, col, value) triplets for evaluation, in row-major order.
/// Cost O(n m + (n m observed) r).
struct LowRankOptions {
  Index n_rows = 500;           ///< n, >= 1
  Index n_cols = 400;           ///< m, >= 1
  int rank = 5;                 ///< r, >= 1
  double observed = 0.3;        ///< in (0, 1]: probability that an entry is observed
  double noise_sigma = 0.0;     ///< >= 0: standard deviation of the additive Gaussian noise
  double scale = 1.0;           ///< > 0: mean entry of W H
  double factor_density = 1.0;  ///< in (0, 1]: fraction of nonzero entries in W and H
  double held_out = 1.0;        ///< in [0, 1]: fraction of the unobserved entries returned
  std::uint64_t seed = 0;       ///< random seed
};

struct LowRankResult {
  SparseMatrix X;                  ///< n x m observed entries (explicit zeros kept)
  SparseMatrix mask;               ///< same pattern as X, every stored value 1
  DenseMatrix W;                   ///< n x r true factor
  DenseMatrix H;                   ///< r x m true factor
  std::vector<Triplet> held_out;   ///< unobserved entries (noisy value, as X would hold)
};

/// Generates a masked low-rank matrix; throws ArgumentError on invalid options.
LowRankResult make_lowrank(const LowRankOptions& options);

// ---------------------------------------------------------------------------
// 4. Zipfian corpus
// ---------------------------------------------------------------------------

enum class WordStyle {
  Pronounceable,  ///< consonant-vowel syllables: "ba", "be", ..., "baba", ... (frequent words are short)
  Numbered,       ///< "w0", "w1", ... (the rank in the background distribution)
};
WordStyle parse_word_style(const std::string& name);  ///< "pronounceable" | "numbered"

/// Text documents whose word frequencies follow Zipf's law:
/// P(word of background rank r) ~ 1 / (r + 1)^exponent, r = 0..V-1.
/// Document lengths (tokens) are 1 + Poisson(lambda), lambda ~ Gamma with
/// mean doc_length - 1 and coefficient of variation length_cv.
/// With n_topics = k > 0, every topic t has its own Zipf(exponent)
/// distribution over a topic-specific random permutation of the vocabulary;
/// a document draws topic weights theta ~ Dirichlet(topic_alpha) (its label
/// is argmax theta) and each token comes, with probability topic_weight,
/// from a topic t ~ theta, otherwise from the background distribution.
/// Documents are a pure function of (options, document index), whatever the
/// stopping rule or output format.
struct ZipfOptions {
  Index vocabulary_size = 10000;  ///< V, >= 1
  double exponent = 1.07;         ///< s > 0
  Index n_documents = 1000;       ///< documents to generate (used when target_bytes == 0)
  /// When > 0: generate documents until the output holds at least this many
  /// bytes (the file for write_zipf_corpus; sum of text sizes + 1 per
  /// document for make_zipf_corpus). n_documents is then ignored.
  std::int64_t target_bytes = 0;
  double doc_length = 100.0;      ///< >= 1: mean tokens per document
  double length_cv = 0.5;         ///< >= 0: coefficient of variation of document lengths
  int n_topics = 0;               ///< k >= 0; 0 = background only (all labels "")
  double topic_weight = 0.5;      ///< in [0, 1]: fraction of tokens drawn from topics
  double topic_alpha = 0.1;       ///< > 0: Dirichlet concentration of document-topic weights
  WordStyle word_style = WordStyle::Pronounceable;
  std::uint64_t seed = 0;         ///< random seed
};

/// One generated document.
struct ZipfDocument {
  Index index = 0;       ///< 0-based position in the stream
  std::string id;        ///< "doc<index>"
  std::string label;     ///< topic_label(argmax theta) or "" without topics
  std::int32_t topic = -1;  ///< argmax theta, or -1 without topics
  std::string text;      ///< words separated by single spaces
};

/// The Zipf vocabulary: word(r) for background ranks r = 0..V-1 (all
/// distinct, lowercase ASCII letters and digits, >= 2 characters, matched
/// whole by the tokenizer's (?u)\b\w\w+\b).
std::vector<std::string> zipf_vocabulary(Index vocabulary_size, WordStyle style);

/// Streaming generator: memory O(V k), independent of the corpus size.
class ZipfGenerator {
 public:
  /// Throws ArgumentError on invalid options.
  explicit ZipfGenerator(const ZipfOptions& options);
  ~ZipfGenerator();
  ZipfGenerator(ZipfGenerator&&) noexcept;
  ZipfGenerator& operator=(ZipfGenerator&&) noexcept;

  /// Fills `doc` with the next document (reusing its buffers). Never runs out:
  /// the caller applies the stopping rule.
  void next(ZipfDocument& doc);
  /// Background rank order: vocabulary()[r] is the word of rank r.
  const std::vector<std::string>& vocabulary() const;
  const ZipfOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// An in-memory Zipf corpus.
struct ZipfCorpus {
  std::vector<std::string> documents;
  std::vector<std::string> labels;      ///< one per document ("" without topics)
  std::vector<std::int32_t> topics;     ///< argmax theta per document (-1 without topics)
  std::vector<std::string> vocabulary;  ///< background rank order
};

/// Generates a whole corpus in memory (mind target_bytes).
ZipfCorpus make_zipf_corpus(const ZipfOptions& options);

enum class ZipfFileFormat {
  Lines,  ///< one document per line (text only)
  Tsv,    ///< "id\tlabel\ttext" per line, no header
};
/// ".tsv" (any case) -> Tsv, anything else -> Lines.
ZipfFileFormat zipf_format_for_path(const std::string& path);

struct ZipfWriteSummary {
  Index documents = 0;
  std::int64_t bytes = 0;
  std::int64_t tokens = 0;
  bool interrupted = false;  ///< the progress callback asked to stop
};

/// Streams a corpus to `path` (written atomically: a temporary file renamed
/// at the end) without holding it in memory. Reports progress in bytes (or
/// documents when target_bytes == 0) through `progress`; stops early when the
/// callback returns false (then nothing is written and the summary is as far
/// as it got). Roughly 100-200 MB/s on one core.
ZipfWriteSummary write_zipf_corpus(const std::string& path, const ZipfOptions& options, ZipfFileFormat format,
                                   const ProgressCallback& progress = {});

/// Writes to a stream instead (no atomicity); same stopping rule.
ZipfWriteSummary write_zipf_corpus(std::ostream& out, const ZipfOptions& options, ZipfFileFormat format,
                                   const ProgressCallback& progress = {});

// ---------------------------------------------------------------------------
// To a corpus
// ---------------------------------------------------------------------------

/// The generated matrix as a Corpus: vocabulary, doc ids "d0000", ... and
/// labels topic_label(labels[i]) (the leaf labels for a hierarchy; none for
/// low rank). weighting is "count" (Poisson noise) or "unknown"; provenance
/// records the generator and its options as JSON. The matrix is copied.
Corpus to_corpus(const TopicsResult& result, const TopicsOptions& options);
Corpus to_corpus(const HierarchyResult& result, const HierarchyOptions& options);
Corpus to_corpus(const LowRankResult& result, const LowRankOptions& options);

}  // namespace strata::synth
