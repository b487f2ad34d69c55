#pragma once
/// @file Hierarchical NMF: sequential, Deep and Neural NMF (SPEC 3.4;
/// docs/hnmf.md).
///
/// strata's orientation (docs/orientation.md): X (n documents x m terms).
/// Layer 0 is an NMF X ~ W_0 H_0; each deeper layer l factors the previous
/// layer's document coefficients, W_{l-1} ~ W_l M_l, with M_l (k_l x k_{l-1})
/// the mixing of layer-(l-1) topics into layer-l super-topics. So
///     X ~ W_l M_l ... M_1 H_0 = W_l T_l,   T_l = M_l ... M_1 H_0 (k_l x m),
/// T_l being layer l's topics over terms. In the papers' orientation
/// (X_paper = X^T ~ A_0 A_1 ... A_l S_l): A_0 = H_0^T, A_l = M_l^T, S_l = W_l^T.
///
/// Methods:
///  - Sequential (Cichocki & Zdunek 2006): layer by layer NMF, each layer an
///    independent fit of the previous layer's coefficients.
///  - Deep (Trigeorgis et al. 2016, nonnegative): from the sequential fit,
///    H_0, the M_l and the last coefficients W_L are refined jointly on
///    0.5 ||X - W_L M_L ... M_1 H_0||_F^2 by block coordinate descent; the
///    intermediate coefficients are the products W_l = W_L M_L ... M_{l+1}.
///  - Neural (Gao, Haddock, Molitor, Needell, Sadovnik, Will, Zhang 2019):
///    the factors H_0, M_1, ..., M_L are the variables and the coefficients are
///    pinned to them, W_0 = q(X, H_0), W_l = q(W_{l-1}, M_l), with
///    q(D, F) = argmin_{W >= 0} ||D - W F||_F^2 solved exactly (block principal
///    pivoting, which also returns the supports). The cost (energy
///    0.5 sum_l ||W_{l-1} - W_l M_l||^2, or reconstruction 0.5 ||X - W_L T_L||^2)
///    is differentiated by backpropagation through q (SPEC 3.4's formula, one
///    factorization per distinct support) and minimized by projected gradient
///    descent (with backtracking, so the cost never increases) or Adam.
/// Supervision (all methods): with labels, 0.5 lambda ||L o (Y - W_L B)||_F^2 is
/// added, Y (n x classes) one-hot, L masking unlabeled documents, B >= 0
/// (k_L x classes) learned too; a document's class is argmax_c (W_L B)_c.
///
/// Ranks auto (HnmfOptions::auto_ranks; docs/hnmf.md "Ranks auto"): layer 0's
/// rank by NMFk on X (solvers/rank.hpp), each deeper layer's by NMFk on the
/// previous layer's coefficients (nmfk_layer, ranks strictly decreasing), until
/// a stopping rule holds; the chosen ranks are then fit as explicit ones.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/progress.hpp"
#include "strata/core/sparse.hpp"
#include "strata/io/labels.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/linalg/dense.hpp"
#include "strata/solvers/rank.hpp"

namespace strata {

enum class HnmfMethod { Sequential, Deep, Neural };
enum class HnmfLoss { Energy, Reconstruction };
enum class HnmfOptimizer { Pgd, Adam };
enum class HnmfStatus { Converged, MaxEpochs, Interrupted };

HnmfMethod parse_hnmf_method(const std::string& name);        ///< sequential|deep|neural
HnmfLoss parse_hnmf_loss(const std::string& name);            ///< energy|reconstruction
HnmfOptimizer parse_hnmf_optimizer(const std::string& name);  ///< pgd|adam
std::string to_string(HnmfMethod m);
std::string to_string(HnmfLoss l);
std::string to_string(HnmfOptimizer o);
std::string to_string(HnmfStatus s);

/// What the per-layer NMFk of deeper layers clusters.
enum class SelectionCoefficients {
  /// W_{l-1} with every row scaled to sum 1: each document's topic proportions,
  /// so long documents do not dominate (the default; docs/hnmf.md says why).
  Proportions,
  Raw,  ///< W_{l-1} as fitted
};
SelectionCoefficients parse_selection_coefficients(const std::string& name);  ///< proportions|raw
std::string to_string(SelectionCoefficients c);

/// "ranks auto": how each layer's rank is chosen (docs/hnmf.md, "Ranks auto").
/// Layer 0: nmfk(X) over [k_min, min(k_max, rows, cols)]. Layer l >= 1:
/// nmfk_layer(W_{l-1}) over [k_min, k_{l-1} - 1], W_{l-1} being the sequential
/// fit's layer at the chosen rank. The hierarchy stops growing when it has
/// max_layers layers, when k_{l-1} <= k_min (no smaller rank to try), or when
/// no rank of layer l reaches the silhouette threshold (layer l is then not
/// added). Layer 0 is always kept: if no rank passes there, NMFk's fallback
/// (the rank with the highest minimum silhouette) is used.
struct HnmfRankSelection {
  int k_min = 2;         ///< smallest rank tried at every layer, >= 2 (a silhouette needs two clusters)
  int k_max = 20;        ///< largest rank tried at layer 0 (clamped to min(rows, cols)), >= k_min
  int max_layers = 3;    ///< at most this many layers, >= 1
  int perturbations = 20;                            ///< NMFk's R per rank, >= 2
  double epsilon = 0.015;                            ///< uniform noise amplitude, in (0, 1)
  Perturbation perturbation = Perturbation::Uniform; ///< how the copies are perturbed
  NmfkInit init = NmfkInit::Random;                  ///< how the perturbed fits start
  /// Layer 0 (the documents) is chosen as `strata rank` chooses (default
  /// mean-silhouette, docs/rank.md). Deeper layers cluster the k_prev topic
  /// proportions and take the min-silhouette rule: a real grouping of topics
  /// makes every coarse topic stable, while the mean rule also accepts a
  /// spurious intermediate rank there (docs/hnmf.md, "Ranks auto").
  RankCriterion criterion = RankCriterion::MeanSilhouette;
  double mean_threshold = 0.9;                       ///< layer 0 under mean-silhouette, in [-0.8, 1]
  double threshold = 0.8;                            ///< minimum topic silhouette a rank needs, in [-1, 1]
  double min_error_gain = 0.0;                       ///< NMFk's tie-breaker on the error curve, in [0, 1)
  SelectionCoefficients coefficients = SelectionCoefficients::Proportions;  ///< layers >= 1
};

struct HnmfOptions {
  std::vector<int> ranks{9, 4, 2};          ///< k_0 >= k_1 >= ... >= 1, k_0 <= min(n, m); ignored when auto_ranks
  bool auto_ranks = false;                  ///< choose the ranks per layer by NMFk (`selection`)
  HnmfRankSelection selection;              ///< used when auto_ranks
  HnmfMethod method = HnmfMethod::Neural;   ///< how the layers are fit
  HnmfLoss loss = HnmfLoss::Reconstruction; ///< Neural NMF's cost (deep always uses reconstruction)
  /// Labels of the documents (codes -1 = unlabeled); nullptr = unsupervised.
  const LabelEncoding* labels = nullptr;
  /// Weight of the supervised term; < 0 = automatic, ||X||_F^2 / ||Y_labeled||_F^2
  /// (the data and the labels then weigh the same in total).
  double lambda = -1.0;
  int epochs = 100;                          ///< deep / neural refinement epochs after the sequential fit
  /// Relative step: PGD's first step moves each factor by this fraction of its
  /// norm (then grows by 1.2 per accepted step, halves on a rejected one); Adam
  /// moves each entry by about this times the factor's RMS entry.
  double learning_rate = 0.05;
  HnmfOptimizer optimizer = HnmfOptimizer::Pgd;
  int layer_iter = 200;                      ///< NMF iterations per layer of the sequential fit
  double tol = 1e-4;                         ///< layer NMF tolerance; refinement stops when a relative cost change is below tol / 100
  std::uint64_t seed = 0;                    ///< seeds the layer NMFs' initialization
  int threads = 0;                           ///< 0 = all cores
  ProgressCallback progress;                 ///< once per epoch (stage "hnmf"); per rank tried (stage "rank") when auto_ranks
};

struct HnmfLayer {
  int rank = 0;
  DenseMatrix W;       ///< n x k_l document coefficients
  DenseMatrix H;       ///< k_l x m topics over terms, T_l = M_l ... M_1 H_0
  DenseMatrix mixing;  ///< k_l x k_{l-1}: M_l (empty at layer 0)
  double relative_error = 0.0;  ///< ||X - W_l T_l||_F / ||X||_F
  double accuracy = -1.0;       ///< accuracy on the labeled documents (labels given), else -1
  /// Per document class code from this layer (labels given: the model's B at
  /// the last layer, a nonnegative least-squares read-out of W_l below), else empty.
  std::vector<std::int32_t> predicted;
};

/// One layer's rank selection (auto_ranks): NMFk's curve and its outcome.
struct HnmfLayerSelection {
  int layer = 0;
  int k_min = 0, k_max = 0;          ///< the ranks tried
  std::vector<RankPoint> curve;      ///< one entry per rank tried (silhouettes, relative error)
  int selected_k = 0;                ///< NMFk's choice (its fallback when status is BelowThreshold)
  NmfkStatus status = NmfkStatus::Selected;
  bool added = false;                ///< whether the layer is part of the hierarchy
  double seconds = 0.0;
};

/// Why the selection stopped adding layers.
enum class HnmfSelectionStop {
  MaxLayers,       ///< max_layers reached
  MinRank,         ///< the last rank is k_min: no smaller rank to try
  BelowThreshold,  ///< no rank of the next layer reached the threshold (that layer is not added)
  Interrupted,     ///< the progress callback asked to stop
};
std::string to_string(HnmfSelectionStop s);

/// The outcome of select_hnmf_ranks.
struct HnmfRankSelectionResult {
  std::vector<int> ranks;                     ///< the selected ranks, k_0 > k_1 > ...
  std::vector<HnmfLayerSelection> layers;     ///< every NMFk run, the rejected last one included
  HnmfSelectionStop stop = HnmfSelectionStop::MaxLayers;
  double seconds = 0.0;
};

struct HnmfResult {
  std::vector<HnmfLayer> layers;
  std::vector<int> ranks;              ///< the ranks fit (given, or selected when auto_ranks)
  /// auto_ranks: the per-layer NMFk curves and why the hierarchy stopped; else empty.
  std::vector<HnmfLayerSelection> rank_selection;
  HnmfSelectionStop selection_stop = HnmfSelectionStop::MaxLayers;  ///< meaningful when auto_ranks
  DenseMatrix B;                       ///< k_L x classes (supervised), else empty
  std::vector<std::int32_t> predicted; ///< per document class code (supervised), else empty
  std::vector<HistoryEntry> history;   ///< per epoch (0 = the sequential fit); loss = the method's cost
  int epochs = 0;
  double loss = 0.0;                   ///< final cost (the sequential fit: sum of the layers' 0.5||.||^2)
  double lambda = 0.0;                 ///< the supervised weight used (0 unsupervised)
  double seconds = 0.0;
  HnmfStatus status = HnmfStatus::MaxEpochs;
};

/// Fits a hierarchical NMF of X. Throws ArgumentError on invalid options
/// (ranks, epochs, learning rate, labels of the wrong length, fewer than two
/// classes, selection options out of range) and InputError if X has negative
/// or non-finite values. With auto_ranks the ranks come from
/// select_hnmf_ranks(X, options) and are then fit exactly as explicit ones.
HnmfResult hierarchical_nmf(const SparseView& X, const HnmfOptions& options);

/// The per-layer rank selection alone (see HnmfRankSelection for the rule).
/// Uses options.selection, and layer_iter, tol, seed, threads and progress for
/// the NMFk fits and the sequential layer fits; deterministic for a seed and
/// thread count. Cost: one NMFk per layer tried, R fits per rank.
HnmfRankSelectionResult select_hnmf_ranks(const SparseView& X, const HnmfOptions& options);

/// The forward pass for (new) documents: W_0 = q(X, H_0), W_l = q(W_{l-1}, M_l),
/// exact NNLS per row. `factors` = {H_0, M_1, ..., M_L}; returns W_0 ... W_L.
std::vector<DenseMatrix> hnmf_forward(const SparseView& X, const std::vector<DenseMatrix>& factors, int threads);

/// The Neural NMF cost at `factors` = {H_0, M_1, ..., M_L} (and B when
/// `labels` is given), and, when `gradient` is not null, its gradient with
/// respect to every factor by backpropagation through q (same order; B's last
/// when supervised). Exposed for tests and for optimizers outside strata.
double neural_nmf_cost(const SparseView& X, const std::vector<DenseMatrix>& factors, const DenseMatrix* B,
                       const LabelEncoding* labels, double lambda, HnmfLoss loss, int threads,
                       std::vector<DenseMatrix>* gradient);

/// Class codes predicted from the last layer's coefficients: argmax of W_L B per row.
std::vector<std::int32_t> hnmf_predict(const DenseMatrix& W_last, const DenseMatrix& B);

}  // namespace strata
