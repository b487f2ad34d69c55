#pragma once
/// @file Classifying new documents with a fitted model directory (`strata
/// predict`; docs/ssnmf.md "Predicting new documents").
///
/// Two kinds classify:
///  - ssnmf: the fold-in codes w = argmin_{w >= 0} D(x, w H) (nmf_transform,
///    the model's data loss), scores w B with B.npy the classifier the fit
///    used (the refit one with the fold-in rule);
///  - hnmf with labels (B.npy present): the forward pass W_0 = q(X, H_0),
///    W_l = q(W_{l-1}, M_l) (hnmf_forward), scores W_L B.
/// A document's class is the argmax of its scores; a document with all
/// scores zero (no known term) gets `fallback` (the most frequent class of
/// the labels the model saw).
#include <cstdint>
#include <string>
#include <vector>

#include "strata/io/nmf_model.hpp"

namespace strata {

struct PredictionModel {
  std::string kind;                    ///< "ssnmf" or "hnmf"
  NmfModel text;                       ///< H (ssnmf) or H_0 (hnmf), vocabulary, weighting, idf, loss
  std::vector<DenseMatrix> mixing;     ///< hnmf: M_1 ... M_L (empty for ssnmf)
  DenseMatrix B;                       ///< k x classes (k = k_L for hnmf)
  std::vector<std::string> classes;    ///< B's columns
  std::int32_t fallback = 0;           ///< class for a document with all scores zero
};

/// Loads a model directory of kind ssnmf, or hnmf fit with labels. Throws
/// InputError naming the file on another kind, an unsupervised hnmf model, or
/// a missing or inconsistent part.
PredictionModel load_prediction_model(const std::string& dir);

struct Predictions {
  DenseMatrix scores;                  ///< documents x classes, rows summing to 1 (uniform for a zero row)
  std::vector<std::int32_t> codes;     ///< per document: index into PredictionModel::classes
};

/// Classifies the rows of X (in the model's columns: align_to_model).
Predictions predict_documents(const SparseView& X, const PredictionModel& model, int threads);

}  // namespace strata
