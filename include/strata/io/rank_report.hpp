#pragma once
/// @file What `strata rank -o DIR` writes (docs/rank.md): the selected model
/// as an NMF model directory (so `strata topics DIR` and `strata transform`
/// read it), the NMFk curve in metrics.json, and the curve as an SVG chart.
#include <string>

#include "strata/core/corpus.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/solvers/rank.hpp"
#include "strata/text/vectorizer.hpp"

namespace strata {

/// A self-contained SVG line chart (width x height pixels) of the curve:
/// minimum and mean silhouettes of the topics (H) and of the document
/// loadings (W) on the left axis, the centroid model's relative error on the
/// right axis, the threshold as a dashed line and the selected k marked.
std::string rank_curve_svg(const NmfkResult& result, const NmfkOptions& options, int width = 760, int height = 480);

/// Writes DIR: W.npy, H.npy, vocabulary.txt, idf.npy, labels.txt as
/// save_nmf_model; metrics.json with selected_k, status, threshold and curve
/// (one object per k: k, silhouette_min {H, W}, silhouette_mean {H, W},
/// relative_error, perturbed_error, clustering_iterations, seconds) besides
/// the model's summary; curve.svg; C.npy (terms x k context factor)
/// for SeNMFk; model.json last. `X` is the document matrix (not the stack).
void save_rank_model(const ModelOutput& output, const NmfkResult& result, const NmfkOptions& options,
                     const Corpus& corpus, const SparseView& X, const std::string& input_path,
                     const VectorizerOptions& vectorizer);

}  // namespace strata
