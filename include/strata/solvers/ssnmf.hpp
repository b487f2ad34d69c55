#pragma once
/// @file Semi-supervised NMF (SSNMF): topics that also classify (SPEC 3.4).
///
/// Lee, Yoo & Choi (2010), "Semi-supervised nonnegative matrix factorization";
/// Haddock, Kassab, Li, Kryshchenko, Grotheer, Sizikova, Wang, Merkh, Madushani,
/// Ahn, Needell & Leonard (2020), "Semi-supervised NMF models for topic
/// modeling in learning tasks" (the I-divergence variants).
///
/// In strata's orientation (rows are documents; docs/ssnmf.md maps the
/// papers' X ~ A S, Y ~ B S): X (n x m) ~ W H and Y (n x c) ~ W B with
/// W (n x k), H (k x m), B (k x c) >= 0, Y the one-hot labels and the mask L
/// zero on the rows of unlabeled documents. The objective is
///     D_data(X, W H) + lambda * D_label(L o Y, L o (W B))
/// with D = 0.5 ||.||_F^2 (Frobenius) or the generalized I-divergence (KL),
/// chosen separately for the two terms.
///
/// Classification (docs/ssnmf.md, "Why the classifier is refit"): a document
/// is classified from its fold-in codes w = argmin_{w >= 0} D_data(x, w H)
/// (labels play no part, as for a new document), by argmax_c (w B)_c. With
/// the default classifier (FoldIn), B is refit after the factorization on the
/// fold-in codes of the labeled documents (the label term alone, H fixed), so
/// that the map is trained on the codes it is applied to; the jointly fitted
/// B (B_fit) was trained on codes pulled towards their labels by the label
/// term, which unlabeled and new documents never get. Joint keeps the papers'
/// rule (transductive W and the fitted B).
///
/// k and lambda (0 = automatic) are chosen by cross-validation over the
/// labeled documents (stratified folds, default 3): every candidate is fit
/// once per fold with that fold's labels hidden and scored by its accuracy
/// on the hidden documents, pooled over the folds; the best is refit with all
/// labels. The accuracy reported (validation_accuracy) is measured on
/// documents whose labels the scoring fit did not see.
///
/// Solvers (block coordinate descent over W, then H, then B):
///  - Hals (default): for two Frobenius terms, each labeled row of W is an
///    NNLS with Gram H H^T + lambda B B^T and right-hand side
///    x_i H^T + lambda y_i B^T (unlabeled rows: H H^T and x_i H^T), so the
///    W-update is the NMF row kernel run on two row groups; H by HALS; B by
///    exact NNLS (k x c is tiny). With a KL term, W takes the multiplicative
///    update of the mixed objective and H / B take KL coordinate descent.
///  - Bpp: exact NNLS (block principal pivoting) for every block (Frobenius only).
///  - Mu: the papers' multiplicative updates for every block (all losses).
/// KL terms are evaluated at the nonzeros of X only: O(nnz k) per pass.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/progress.hpp"
#include "strata/core/sparse.hpp"
#include "strata/io/labels.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/linalg/dense.hpp"
#include "strata/solvers/nmf.hpp"

namespace strata {

/// The floor of a class score in the validation log-loss (SsnmfCandidate):
/// a document whose codes give its class no score at all counts -log(1e-3)
/// rather than an infinite loss.
constexpr double kSsnmfMinScore = 1e-3;

/// How documents are classified from the factorization.
enum class SsnmfClassifier {
  /// Fold-in codes (data term only, as for new documents) for every document,
  /// with B refit on the labeled documents' fold-in codes (the default).
  FoldIn,
  /// The papers' rule: the fitted W (transductive) and the jointly fitted B.
  Joint,
};
SsnmfClassifier parse_ssnmf_classifier(const std::string& name);  ///< fold-in|joint
std::string to_string(SsnmfClassifier c);

struct SsnmfOptions {
  /// Number of topics; 0 = automatic: chosen by validation among
  /// ssnmf_k_candidates (multiples of the number of classes).
  int k = 0;
  NmfSolver solver = NmfSolver::Hals;      ///< hals (default) | bpp (Frobenius only) | mu (the papers')
  NmfLoss loss = NmfLoss::Frobenius;       ///< data term D(X, W H)
  NmfLoss label_loss = NmfLoss::Frobenius; ///< label term D(L o Y, L o W B)
  /// Weight of the label term; 0 = automatic: chosen by validation
  /// among lambda_multiples times ssnmf_default_lambda (the value at which the
  /// data and label terms weigh the same at W = 0).
  double lambda = 0.0;
  /// Validation of the candidates, to choose k and lambda and to measure
  /// validation_accuracy. folds >= 2: cross-validation, the labeled documents
  /// split into that many stratified folds (ssnmf_cv_folds), each candidate
  /// fit once per fold with the fold's labels hidden. folds == 1: one split,
  /// the `validation` fraction of the labeled documents hidden
  /// (ssnmf_validation_split).
  int folds = 3;
  /// In [0, 1). 0: no validation at all (automatic k and lambda then take
  /// their fallbacks, docs/ssnmf.md); with folds == 1, the fraction hidden
  /// per class. With folds >= 2 any value > 0 switches validation on.
  double validation = 0.2;
  /// Multiples of ssnmf_default_lambda tried when lambda == 0 (empty = {0.1, 1, 10}).
  std::vector<double> lambda_multiples;
  /// k tried when k == 0 (empty = ssnmf_k_candidates).
  std::vector<int> k_candidates;
  SsnmfClassifier classifier = SsnmfClassifier::FoldIn;  ///< how documents are classified
  NmfInit init = NmfInit::Nndsvda;         ///< initialization of W and H (Custom: W0, H0, B0 given)
  int max_iter = 200;                      ///< outer iterations (one W-, H- and B-update each)
  double tol = 1e-4;                       ///< stop when the relative objective change falls below; 0 runs all
  int inner_sweeps = 0;                    ///< HALS sweeps per product; 0 = automatic (as NMF)
  std::uint64_t seed = 0;                  ///< random init, NNDSVDar fill, the validation folds / split
  int threads = 0;                         ///< 0 = all cores
  ProgressCallback progress;               ///< once per iteration of every fit (stage "ssnmf")
};

/// One (k, lambda) scored by validation.
struct SsnmfCandidate {
  int k = 0;
  double lambda = 0.0;           ///< of the fit with all labels (multiple x the balance value of all labels)
  double lambda_multiple = 0.0;  ///< lambda / ssnmf_default_lambda
  /// Fraction of the validation documents classified right, pooled over the
  /// folds (each document scored by the fit that did not see its label).
  double accuracy = 0.0;
  /// Mean over the validation documents of -log p(true class), p the scores
  /// of ssnmf_scores floored at kSsnmfMinScore: the tie-break of equal accuracies.
  double log_loss = 0.0;
  std::vector<double> fold_accuracy;  ///< per fold (one entry with folds == 1)
  int iterations = 0;                 ///< summed over the folds' fits
  double seconds = 0.0;               ///< summed over the folds' fits
};

struct SsnmfResult {
  DenseMatrix W;                      ///< n x k document codes (the fitted, transductive W)
  DenseMatrix H;                      ///< k x m topics
  /// k x c topic-to-class map used to classify: the refit one (FoldIn) or B_fit (Joint).
  DenseMatrix B;
  DenseMatrix B_fit;                  ///< k x c, the B of the joint factorization
  std::vector<HistoryEntry> history;  ///< final fit, per iteration: objective (loss) and ||X - WH||_F / ||X||_F
  int iterations = 0;
  int k = 0;                          ///< the number of topics used (the chosen one when options.k == 0)
  double loss = 0.0;                  ///< final objective D_data + lambda D_label
  double data_loss = 0.0;             ///< final D_data(X, W H)
  double label_loss = 0.0;            ///< final D_label (without lambda)
  double lambda = 0.0;                ///< the label weight used (the chosen one when options.lambda == 0)
  double relative_error = 0.0;        ///< final ||X - WH||_F / ||X||_F
  double seconds = 0.0;               ///< everything: the candidate fits and the final fit
  NmfStatus status = NmfStatus::MaxIterations;
  /// Per document: the class of its codes (see SsnmfClassifier); the most
  /// frequent labeled class where the scores are zero.
  std::vector<std::int32_t> predicted;
  double training_accuracy = 0.0;     ///< fraction of labeled documents whose `predicted` is their label
  /// Accuracy on the validation documents (labels hidden from that fit), of
  /// the chosen (k, lambda); NaN when options.validation == 0 or too few
  /// labeled documents to hide any.
  double validation_accuracy = 0.0;
  /// Labeled documents scored by validation (every labeled document with
  /// cross-validation, the held-out split with folds == 1).
  Index validation_documents = 0;
  std::vector<SsnmfCandidate> selection;  ///< every candidate scored by validation
};

/// Fits SSNMF. `labels.codes` has one entry per row of X (-1 = unlabeled) and
/// at least one labeled document. With validation (validation > 0), every
/// candidate (k, lambda) is fit once per fold (folds >= 2; the validation
/// split with folds == 1) with that fold's labels hidden and scored by the
/// accuracy on the hidden documents, pooled over the folds; the best (ties: the
/// smaller log-loss, then the first in order of k then lambda) is fit again
/// with all labels. Without validation, an automatic k is the second
/// candidate (4c, clamped) and an automatic lambda the middle multiple (1x).
/// Throws ArgumentError on invalid options or labels (with the parameter,
/// valid range and value) and InputError if X has negative or non-finite
/// values. W0 (n x k), H0 (k x m), B0 (k x c) are used when options.init ==
/// Custom (then k must be given).
SsnmfResult ssnmf(const SparseView& X, const LabelEncoding& labels, const SsnmfOptions& options,
                  const DenseMatrix* W0 = nullptr, const DenseMatrix* H0 = nullptr, const DenseMatrix* B0 = nullptr);

/// The k tried when SsnmfOptions::k == 0, for c classes: c, 4c and 16c,
/// each clamped to [2, min(n, m) / 8] (and to >= 1); a clamped value within
/// 1.5x of the previous candidate is dropped.
std::vector<int> ssnmf_k_candidates(Index n_classes, Index rows, Index cols);

/// The labeled documents held out for validation: per class, round(fraction
/// * count) of its documents chosen with the seed, keeping at least one per
/// class in the fit. Returns the held-out document indices, ascending.
std::vector<Index> ssnmf_validation_split(const LabelEncoding& labels, double fraction, std::uint64_t seed);

/// Cross-validation folds of the labeled documents: fold[i] in [0, folds)
/// for a labeled document i, -1 for an unlabeled one. Stratified and seeded:
/// each class's documents are shuffled and dealt round-robin, one counter
/// running over all classes, so every labeled document is in exactly one
/// fold, a class's count differs by at most one between folds, and so do
/// the folds' sizes. folds >= 2.
std::vector<std::int32_t> ssnmf_cv_folds(const LabelEncoding& labels, int folds, std::uint64_t seed);

/// The balance value of lambda: scale(X) / scale(Y_labeled), where scale is
/// 0.5 ||.||_F^2 for a Frobenius term and the sum of entries for a KL term
/// (the value of each term at W = 0, up to its constant for KL). Y_labeled is
/// one-hot, so scale(Y_labeled) = 0.5 n_labeled or n_labeled.
double ssnmf_default_lambda(const SparseView& X, const LabelEncoding& labels, NmfLoss loss, NmfLoss label_loss);

/// The objective's two terms for given factors: {D_data, D_label} (without lambda).
std::pair<double, double> ssnmf_objective_terms(const SparseView& X, const LabelEncoding& labels,
                                                const DenseMatrix& W, const DenseMatrix& H, const DenseMatrix& B,
                                                NmfLoss loss, NmfLoss label_loss, int threads);

/// Class scores of documents with codes W: the rows of W B normalized to sum
/// to 1 (a row of zeros, a document with no known term, gets uniform scores).
DenseMatrix ssnmf_scores(const DenseMatrix& W, const DenseMatrix& B);

/// argmax_c (W B)_ic per row (lowest class on ties); `fallback` for a row of
/// zeros (a document with no known term), where no class is favored.
std::vector<std::int32_t> ssnmf_predict(const DenseMatrix& W, const DenseMatrix& B, std::int32_t fallback = -1);

}  // namespace strata
