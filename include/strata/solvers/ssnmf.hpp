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
/// chosen separately for the two terms. A document's class is
/// argmax_c (W B)_ic; new documents get W by NNLS against H (nmf_transform).
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
#include <vector>

#include "strata/core/progress.hpp"
#include "strata/core/sparse.hpp"
#include "strata/io/labels.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/linalg/dense.hpp"
#include "strata/solvers/nmf.hpp"

namespace strata {

struct SsnmfOptions {
  int k = 10;                              ///< number of topics, 1 <= k <= min(n, m)
  NmfSolver solver = NmfSolver::Hals;      ///< hals (default) | bpp (Frobenius only) | mu (the papers')
  NmfLoss loss = NmfLoss::Frobenius;       ///< data term D(X, W H)
  NmfLoss label_loss = NmfLoss::Frobenius; ///< label term D(L o Y, L o W B)
  /// Weight of the label term; 0 = automatic, ssnmf_default_lambda (the data
  /// and label terms weigh the same at W = 0).
  double lambda = 0.0;
  NmfInit init = NmfInit::Nndsvda;         ///< initialization of W and H (Custom: W0, H0, B0 given)
  int max_iter = 200;                      ///< outer iterations (one W-, H- and B-update each)
  double tol = 1e-4;                       ///< stop when the relative objective change falls below; 0 runs all
  int inner_sweeps = 0;                    ///< HALS sweeps per product; 0 = automatic (as NMF)
  std::uint64_t seed = 0;                  ///< random init and NNDSVDar fill
  int threads = 0;                         ///< 0 = all cores
  ProgressCallback progress;               ///< called once per iteration (stage "ssnmf")
};

struct SsnmfResult {
  DenseMatrix W;                      ///< n x k document codes
  DenseMatrix H;                      ///< k x m topics
  DenseMatrix B;                      ///< k x c topic-to-class weights
  std::vector<HistoryEntry> history;  ///< per iteration: objective (loss) and ||X - WH||_F / ||X||_F
  int iterations = 0;
  double loss = 0.0;                  ///< final objective D_data + lambda D_label
  double data_loss = 0.0;             ///< final D_data(X, W H)
  double label_loss = 0.0;            ///< final D_label (without lambda)
  double lambda = 0.0;                ///< the label weight used (the automatic one when options.lambda == 0)
  double relative_error = 0.0;        ///< final ||X - WH||_F / ||X||_F
  double seconds = 0.0;
  NmfStatus status = NmfStatus::MaxIterations;
  /// Per document: argmax_c (W B)_ic; the most frequent labeled class where W B is zero.
  std::vector<std::int32_t> predicted;
  double training_accuracy = 0.0;       ///< fraction of labeled documents whose `predicted` is their label
};

/// Fits SSNMF. `labels.codes` has one entry per row of X (-1 = unlabeled) and
/// at least one labeled document. Throws ArgumentError on invalid options or
/// labels (with the parameter, valid range and value) and InputError if X has
/// negative or non-finite values. W0 (n x k), H0 (k x m), B0 (k x c) are used
/// when options.init == Custom.
SsnmfResult ssnmf(const SparseView& X, const LabelEncoding& labels, const SsnmfOptions& options,
                  const DenseMatrix* W0 = nullptr, const DenseMatrix* H0 = nullptr, const DenseMatrix* B0 = nullptr);

/// The automatic label weight: scale(X) / scale(Y_labeled), where scale is
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
