#pragma once
/// @file The vectorizer: raw text -> document-term matrix (+ optional
/// word-context co-occurrence counts). Equal to scikit-learn's CountVectorizer /
/// TfidfVectorizer with the same settings (vocabulary sorted, same pruning,
/// smooth idf, sublinear tf, row normalization), but streaming and native.
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/corpus.hpp"
#include "strata/core/progress.hpp"
#include "strata/text/document_reader.hpp"

namespace strata {

enum class Weighting { Count, Binary, Tf, TfIdf };
enum class Norm { Default, None, L1, L2 };

Weighting parse_weighting(const std::string& name);  ///< count|binary|tf|tfidf
Norm parse_norm(const std::string& name);            ///< l2|l1|none
std::string to_string(Weighting w);

/// A document-frequency bound, as scikit-learn's min_df / max_df: an absolute
/// count of documents, or a fraction of the number of documents.
struct DocumentFrequency {
  double value = 1.0;
  bool is_fraction = false;
  /// Parses "5" (a count) or "0.5" / "1.0" (a fraction in [0, 1]).
  static DocumentFrequency parse(const std::string& text, const std::string& name);
};

struct VectorizerOptions {
  /// "english" (scikit-learn's list), "none", or a file with one word per line.
  std::string stop_words = "none";
  /// Ignore terms in fewer documents than this (scikit-learn min_df).
  DocumentFrequency min_df{1.0, false};
  /// Ignore terms in more documents than this (scikit-learn max_df).
  DocumentFrequency max_df{1.0, true};
  /// Keep only the most frequent terms (by total count over the corpus; ties
  /// broken alphabetically); 0 keeps all.
  long long max_features = 0;
  /// Value stored per (document, term).
  Weighting weighting = Weighting::TfIdf;
  /// Replace a count c by 1 + log(c) (tf and tfidf only).
  bool sublinear_tf = false;
  /// Row normalization; Default is l2 for tf/tfidf and none for count/binary.
  Norm norm = Norm::Default;
  /// idf = log((1 + n) / (1 + df)) + 1 when true, log(n / df) + 1 otherwise.
  bool smooth_idf = true;
  /// Co-occurrence window half-width W: pairs of tokens at distance 1..W in a
  /// document's token stream (after stop-word removal) are counted, both
  /// orders. 0 disables co-occurrence counting.
  int window = 0;
};

/// Streaming vectorizer. Add documents one by one, then `finish()`.
/// Memory grows with the vocabulary and the output, not with the raw text.
class Vectorizer {
 public:
  explicit Vectorizer(VectorizerOptions options);
  /// A vectorizer with a fixed vocabulary (column order as given) and, for
  /// tf-idf, fixed idf weights (one per term): vectorizes new documents exactly
  /// as the corpus they came from. Unknown tokens are ignored; no pruning.
  Vectorizer(VectorizerOptions options, const std::vector<std::string>& vocabulary,
             const std::vector<double>& idf);
  ~Vectorizer();
  Vectorizer(Vectorizer&&) noexcept;
  Vectorizer& operator=(Vectorizer&&) noexcept;

  void add(std::string_view text, std::string_view label = {}, std::string_view id = {});
  long long documents() const;
  /// Prunes, sorts the vocabulary, weights and normalizes. Throws ArgumentError
  /// when max_df and min_df leave no valid range, and InputError (source
  /// `source`) when no terms remain.
  Corpus finish(const std::string& source = "<documents>");

 private:
  struct Impl;
  Impl* impl_;
};

/// Vectorizes an in-memory list of documents.
Corpus vectorize(const std::vector<std::string>& documents, const VectorizerOptions& options);

/// Vectorizes new documents with the vocabulary (and idf) of `fitted`, using
/// the weighting recorded in it and the other `options`.
Corpus transform_documents(const std::vector<std::string>& documents, const Corpus& fitted,
                           VectorizerOptions options);

/// As transform_documents, for a text collection on disk (labels and ids kept).
Corpus transform_file(const std::string& path, const TextSourceOptions& source, const Corpus& fitted,
                      VectorizerOptions options);

/// Vectorizes a text collection on disk (see document_reader.hpp).
Corpus vectorize_file(const std::string& path, const TextSourceOptions& source,
                      const VectorizerOptions& options, const ProgressCallback& progress = {});

}  // namespace strata
