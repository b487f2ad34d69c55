#pragma once
/// @file Embeddings as low-rank factorizations of co-occurrence statistics
/// (SPEC 3.3): word vectors from a word-context count matrix, and the pieces
/// shared with node embeddings (graph_embedding.hpp) and SeNMFk.
///
/// Pointwise mutual information with context-distribution smoothing (Levy,
/// Goldberg & Dagan 2015, "Improving distributional similarity with lessons
/// learned from word embeddings"): for counts #(w, c), row sums #(w) and
/// smoothed context probabilities P_a(c) = #(c)^a / sum_c' #(c')^a,
///     PMI(w, c)   = log( #(w, c) / (#(w) P_a(c)) )
///     SPPMI(w, c) = max(PMI(w, c) - log(shift), 0).
/// shift = 1 is positive PMI; shift = k is the matrix word2vec's skip-gram
/// with k negative samples factorizes implicitly (Levy & Goldberg 2014).
/// Zero counts give PMI = -inf and stay zero, so the result is sparse with at
/// most the counts' nonzeros.
///
/// The embedding is a truncated SVD of the (S)PPMI matrix, M ~ U S V^T, with
/// word vectors U S^p (`eig` = p; p = 1 is the textbook choice, p = 0.5 or 0
/// are often better) plus, optionally, the context vectors V S^p (w + c); or
/// an NMF of M (vectors = W, nonnegative and interpretable).
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/sparse.hpp"
#include "strata/linalg/dense.hpp"

namespace strata {

struct PmiOptions {
  double smoothing = 0.75;  ///< context-distribution exponent a in (0, 1]; 1 = none
  double shift = 1.0;       ///< k >= 1: subtract log k (1 = plain positive PMI)
};

/// Positive (shifted) PMI of a nonnegative count matrix (rows: words, columns:
/// contexts). Rows or columns without counts stay empty. Throws ArgumentError
/// for options out of range and InputError for negative or non-finite counts.
SparseMatrix positive_pmi(const SparseView& counts, const PmiOptions& options, int threads = 0);

enum class EmbeddingMethod { Svd, Nmf };
EmbeddingMethod parse_embedding_method(const std::string& name);  ///< svd|nmf
std::string to_string(EmbeddingMethod m);

struct EmbeddingOptions {
  int dim = 100;                 ///< embedding dimension, 1 <= dim < number of rows
  PmiOptions pmi;                ///< weighting of the counts
  EmbeddingMethod method = EmbeddingMethod::Svd;
  double eig = 0.5;              ///< SVD: singular-value exponent p in U S^p (0 <= p <= 1)
  bool add_context = true;       ///< SVD, square symmetric counts: vectors U S^p + V S^p (w + c)
  double tol = 1e-6;             ///< SVD: Lanczos tolerance (embeddings need few digits)
  int nmf_iterations = 100;      ///< NMF: maximum iterations
  std::uint64_t seed = 0;
  int threads = 0;               ///< 0 = all cores
};

struct EmbeddingResult {
  DenseMatrix vectors;           ///< rows x dim, one vector per row of the counts
  DenseVector singular_values;   ///< SVD: dim singular values of the PMI matrix; NMF: empty
  Index pmi_nnz = 0;             ///< stored entries of the PMI matrix
  double seconds = 0.0;          ///< PMI + factorization
};

/// Embeds the rows of a co-occurrence count matrix. `add_context` applies only
/// when the counts are square (words = contexts), where row i of V is word i's
/// context vector. Throws ArgumentError when dim is out of range.
EmbeddingResult embed_cooccurrence(const SparseView& counts, const EmbeddingOptions& options);

/// Cosine similarity of rows a and b (0 when either row is zero).
double cosine_similarity(const DenseMatrix& vectors, Index a, Index b);

/// One human judgement: similarity `score` of words `a` and `b`.
struct SimilarityJudgement {
  std::string a, b;
  double score = 0.0;
};

/// Reads lines "word1 word2 score" (whitespace-separated; blank lines and lines
/// starting with '#' skipped). Throws InputError naming the file and line.
std::vector<SimilarityJudgement> read_similarity_file(const std::string& path);

struct SimilarityEvaluation {
  double spearman = 0.0;   ///< rank correlation of cosines with the scores (NaN when < 2 pairs)
  Index pairs_used = 0;    ///< judgements whose two words are in the vocabulary
  Index pairs_total = 0;
};

/// Spearman correlation between the cosine similarities of judged word pairs
/// and the judgements, over the pairs whose words are both in `vocabulary`
/// (row i of `vectors` is vocabulary[i]).
SimilarityEvaluation evaluate_similarity(const DenseMatrix& vectors, const std::vector<std::string>& vocabulary,
                                         const std::vector<SimilarityJudgement>& judgements);

/// Spearman's rank correlation (Pearson correlation of average ranks, so ties
/// are handled as scipy.stats.spearmanr does). NaN when fewer than two values
/// or a constant input.
double spearman_correlation(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace strata
