#pragma once
/// @file A corpus: a document-term matrix with the names of its rows and columns.
///
/// Every matrix input (a vectorized text, a corpus file, Matrix Market,
/// svmlight, UCI bag-of-words) is loaded into this one type, so that commands
/// need not care where the matrix came from.
#include <optional>
#include <string>
#include <vector>

#include "strata/core/sparse.hpp"

namespace strata {

struct Corpus {
  /// documents x terms. Values are counts or weights, depending on `weighting`.
  SparseMatrix matrix;
  /// Column names (terms) in column order; empty when the source has none.
  std::vector<std::string> vocabulary;
  /// Row names (document ids); empty when the source has none.
  std::vector<std::string> doc_ids;
  /// One label per row ("" = unlabeled) or empty when the source has none.
  std::vector<std::string> labels;
  /// Optional terms x terms word-context co-occurrence counts (symmetric),
  /// counted within a sliding window over each document's token stream.
  std::optional<SparseMatrix> cooccurrence;
  /// The co-occurrence window half-width W (0 when there is no co-occurrence).
  int window = 0;
  /// Inverse document frequencies per term when `weighting` is "tfidf" (empty
  /// otherwise): what new documents need to be vectorized the same way.
  std::vector<double> idf;
  /// How `matrix` values were produced: "count", "binary", "tf", "tfidf" or
  /// "unknown" (a matrix read from a file that does not say).
  std::string weighting = "unknown";
  /// Free-form JSON object (as text) describing how the corpus was made
  /// (vectorizer options, source path); "{}" when unknown.
  std::string provenance_json = "{}";

  bool has_labels() const { return !labels.empty(); }
};

/// Checks the corpus's internal consistency (matrix structure, name counts);
/// throws InputError naming `source`.
void validate_corpus(const Corpus& corpus, const std::string& source);

}  // namespace strata

namespace strata {

/// What `strata info` reports about a corpus.
struct CorpusSummary {
  Index rows = 0, cols = 0, nnz = 0;
  double density = 0.0;          ///< nnz / (rows * cols)
  Index empty_rows = 0, empty_cols = 0;
  double min_value = 0.0, max_value = 0.0, sum = 0.0;
  bool has_vocabulary = false;
  /// The most frequent terms by document frequency: (term, documents).
  std::vector<std::pair<std::string, Index>> top_terms;
  /// Label counts in order of first appearance ("" counts unlabeled rows).
  std::vector<std::pair<std::string, Index>> label_counts;
  Index cooccurrence_nnz = -1;   ///< -1 when absent
  int window = 0;
  std::string weighting;
};

/// Summarizes a corpus; `top` bounds the number of top terms. O(nnz + cols log cols).
CorpusSummary summarize(const Corpus& corpus, int top = 10);

}  // namespace strata
