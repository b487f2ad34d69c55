#pragma once
/// @file Saving SSNMF model directories (docs/ssnmf.md). The directory is an
/// NMF model directory (W.npy, H.npy, vocabulary.txt, idf.npy, model.json with
/// kind "ssnmf") plus B.npy, classes.txt, the labels used and the predictions,
/// so `strata topics` and `strata transform` read it as they read an NMF model.
#include <optional>
#include <string>
#include <vector>

#include "strata/core/corpus.hpp"
#include "strata/io/labels.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/solvers/ssnmf.hpp"
#include "strata/text/vectorizer.hpp"

namespace strata {

/// Accuracy on documents whose labels were hidden from the fit (the CLI's --holdout).
struct HeldOutAccuracy {
  Index documents = 0;  ///< held-out documents
  double accuracy = 0;  ///< fraction predicted correctly
};

/// Writes W.npy, H.npy, B.npy (the classifier), B_fit.npy (the joint fit's
/// B), vocabulary.txt, idf.npy (tf-idf corpora), classes.txt (one class per
/// line, in B's column order), labels.txt (the labels the fit saw, empty lines
/// for unlabeled documents), predicted_labels.txt (one per document),
/// metrics.json (history, objective terms, lambda, k, validation accuracy and
/// the candidates scored, training accuracy, held-out accuracy) and, last,
/// model.json.
void save_ssnmf_model(const ModelOutput& output, const SsnmfResult& result, const SsnmfOptions& options,
                      const LabelEncoding& labels, const Corpus& corpus, const SparseView& X,
                      const std::string& input_path, const VectorizerOptions& vectorizer,
                      const std::optional<HeldOutAccuracy>& held_out = std::nullopt);

}  // namespace strata
