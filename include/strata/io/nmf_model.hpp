#pragma once
/// @file Saving and loading NMF model directories (docs/formats.md), and the
/// topic summaries printed by `strata topics`.
///
/// A model keeps what is needed to fold in new documents: H, the vocabulary,
/// and, when it was fit on text, the weighting and idf used to vectorize it.
/// SVD and PCA directories (`strata svd`) keep the same text metadata and load
/// through the same function (their components play the part of H), so
/// `strata transform` folds new documents into either.
#include <string>
#include <vector>

#include "strata/core/corpus.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/solvers/nmf.hpp"
#include "strata/text/vectorizer.hpp"

namespace strata {

/// Writes W.npy, H.npy, vocabulary.txt, idf.npy (tf-idf corpora), labels.txt
/// (labeled corpora), metrics.json and, last, model.json.
/// `corpus` supplies the names, labels and idf; `X` is the matrix that was fit.
/// `extra_metrics_json` (a JSON object as text) is merged into metrics.json.
void save_nmf_model(const ModelOutput& output, const NmfResult& result, const NmfOptions& options,
                    const Corpus& corpus, const SparseView& X, const std::string& input_path,
                    const VectorizerOptions& vectorizer, const std::string& extra_metrics_json = "{}");
/// The same into an open writer (of kind "nmf"), which it commits: for
/// directories that hold more than the model (strata rank).
void save_nmf_model(ModelDirectoryWriter& writer, const NmfResult& result, const NmfOptions& options,
                    const Corpus& corpus, const SparseView& X, const std::string& input_path,
                    const VectorizerOptions& vectorizer, const std::string& extra_metrics_json = "{}");

/// Writes what folding in new text needs, shared by every model directory:
/// vocabulary.txt, idf.npy (tf-idf corpora), labels.txt (labeled corpora).
/// Returns the "text" object for model.json (JSON text: weighting, sublinear
/// tf, norm, idf file) to pass in commit()'s extra JSON.
std::string save_text_metadata(ModelDirectoryWriter& writer, const Corpus& corpus, const VectorizerOptions& vectorizer);

struct NmfModel {
  std::string kind = "nmf";             ///< "nmf", "ssnmf", or "svd" / "pca" (H = components)
  /// SVD / PCA: documents are projected (X V), not solved for (NNLS).
  bool is_projection() const { return kind == "svd" || kind == "pca"; }
  DenseMatrix H;                        ///< k x terms
  std::vector<std::string> vocabulary;  ///< may be empty (matrix input without names)
  std::vector<double> idf;              ///< empty unless fit on tf-idf text
  std::string weighting = "unknown";
  VectorizerOptions vectorizer;         ///< how text was vectorized (norm, sublinear tf, ...)
  NmfOptions options;                   ///< solver options used (loss matters for transform)
  DenseVector mean;                     ///< PCA: the column means subtracted before projecting
};

/// Fold-in of new documents (rows of X, in the model's columns): NMF, the
/// nonnegative codes W with H fixed (nmf_transform); SVD, the projection X V
/// (= U S for the training documents, scikit-learn's transform); PCA, (X - 1 mean^T) V.
DenseMatrix fold_in(const SparseView& X, const NmfModel& model, int threads);

/// Loads a model directory written by save_nmf_model or `strata svd`; throws InputError naming
/// the file on a missing or malformed part.
NmfModel load_nmf_model(const std::string& dir);

/// Re-expresses `corpus` in the model's columns: a corpus with a vocabulary is
/// aligned by term (unknown terms dropped); one without must have as many
/// columns as the model.
SparseMatrix align_to_model(const Corpus& corpus, const NmfModel& model, const std::string& source);

struct TopicTerms {
  std::vector<std::pair<std::string, double>> terms;  ///< (term, weight), heaviest first
};

/// The `top` heaviest terms of each row of H (term names, or column numbers).
std::vector<TopicTerms> top_terms(const DenseMatrix& H, const std::vector<std::string>& vocabulary, int top);

}  // namespace strata
