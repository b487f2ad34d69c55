#pragma once
/// @file Nonnegative matrix factorization X (n x m) ~ W (n x k) H (k x m),
/// W, H >= 0, on sparse X (SPEC 3.2).
///
/// One skeleton for every solver: alternate a W-update and an H-update, each
/// needing only one sparse product (X H^T or X^T W) and one k x k Gram; the
/// H-update works on H^T so both updates are the same row-wise kernel.
///  - HALS (Cichocki & Phan 2009; Gillis & Glineur 2012): coordinate descent
///    with several inner sweeps per product ("accelerated HALS"). Default.
///    For KL, coordinate descent with safeguarded Newton steps (Hsieh &
///    Dhillon 2011).
///  - MU (Lee & Seung 2001): multiplicative updates, Frobenius and KL.
///  - BPP (Kim & Park 2011): alternating exact NNLS by block principal pivoting.
/// Kullback-Leibler (generalized I-divergence) is evaluated at the nonzeros of
/// X only (sum of WH over all entries is a k-term formula).
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/progress.hpp"
#include "strata/core/sparse.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/linalg/dense.hpp"

namespace strata {

enum class NmfSolver { Hals, Mu, Bpp };
/// Beta: the beta-divergence with NmfOptions::beta (0 = Itakura-Saito), solver MU only.
enum class NmfLoss { Frobenius, KullbackLeibler, Beta };
enum class NmfInit { Random, Nndsvd, Nndsvda, Nndsvdar, Custom };
/// Which entries of X are observed: all of them (zeros included), only the
/// stored ones (collaborative filtering), or those listed in a mask matrix.
enum class Observed { All, Stored, Mask };
enum class NmfStatus { Converged, MaxIterations, TimeLimit, Interrupted };

NmfSolver parse_nmf_solver(const std::string& name);  ///< hals|mu|bpp
NmfLoss parse_nmf_loss(const std::string& name);      ///< frobenius|kl|beta
NmfInit parse_nmf_init(const std::string& name);      ///< random|nndsvd|nndsvda|nndsvdar|custom
std::string to_string(NmfSolver s);
std::string to_string(NmfLoss l);
std::string to_string(NmfInit i);
std::string to_string(NmfStatus s);

struct NmfOptions {
  int k = 10;                          ///< number of components (topics), 1 <= k <= min(n, m)
  NmfSolver solver = NmfSolver::Hals;  ///< update rule
  NmfLoss loss = NmfLoss::Frobenius;   ///< objective
  double beta = 2.0;                   ///< the beta of NmfLoss::Beta (2 and 1 run as Frobenius and KL)
  NmfInit init = NmfInit::Nndsvda;     ///< initialization (Custom: W0/H0 given to nmf())
  int max_iter = 200;                  ///< outer iterations (one W- and one H-update each)
  /// Stop when the relative loss change falls below tol; 0 runs all
  /// iterations. MU uses scikit-learn's rule instead (every 10 iterations,
  /// sqrt(2 loss) fell by less than tol times its initial value), so that
  /// its iterates, which are scikit-learn's, also stop where scikit-learn's do.
  double tol = 1e-4;
  double time_limit = 0.0;             ///< seconds of fitting; 0 = none
  double l1_W = 0.0, l2_W = 0.0;       ///< penalties l1 sum(W) + (l2/2) ||W||_F^2
  double l1_H = 0.0, l2_H = 0.0;       ///< penalties l1 sum(H) + (l2/2) ||H||_F^2
  int inner_sweeps = 0;                ///< HALS sweeps per product; 0 = automatic
  /// Extrapolate each factor before the other's update (Ang & Gillis 2019),
  /// with restarts when the loss rises: Frobenius, no mask, HALS and BPP.
  /// Typically halves the iterations to a given error; the loss is then not
  /// monotone (a rise triggers the restart). Costs (n + m) k floats.
  bool extrapolate = true;
  /// Rescale the returned components (see NmfResult); off only to compare
  /// iterates with a textbook reference.
  bool balance = true;
  Observed observed = Observed::All;   ///< which entries count (Frobenius only)
  const SparseView* mask = nullptr;    ///< observed positions when observed == Mask (same shape as X)
  std::uint64_t seed = 0;              ///< random init and NNDSVDar fill
  int threads = 0;                     ///< 0 = all cores
  ProgressCallback progress;           ///< called once per iteration
};

/// Fitted factors are balanced, except under MU (whose iterates are
/// scikit-learn's): each component is rescaled, w_t s and h_t / s, so that
/// ||w_t|| = ||h_t|| without penalties, or to the scale minimizing the
/// penalties when both factors have some. W H is unchanged.
struct NmfResult {
  DenseMatrix W;                      ///< n x k
  DenseMatrix H;                      ///< k x m
  std::vector<HistoryEntry> history;  ///< one entry per iteration (iteration 0 = the initialization)
  int iterations = 0;
  double loss = 0.0;                  ///< final objective without regularization (0.5||X-WH||^2 or KL)
  double relative_error = 0.0;        ///< final ||X - WH||_F / ||X||_F (observed entries only under a mask)
  double seconds = 0.0;               ///< fitting time
  NmfStatus status = NmfStatus::MaxIterations;
};

/// Fits an NMF of X. Throws ArgumentError for invalid options (k out of range,
/// negative penalties, a mask of the wrong shape) and InputError if X has
/// negative or non-finite values. W0 (n x k) and H0 (k x m) are used when
/// options.init == Custom (both required).
NmfResult nmf(const SparseView& X, const NmfOptions& options, const DenseMatrix* W0 = nullptr,
              const DenseMatrix* H0 = nullptr);

/// Fold-in: W = argmin_{W >= 0} ||X - W H||^2 (+ penalties l1_W, l2_W) with H
/// fixed, solved exactly per row by BPP; for the KL loss, KL coordinate descent
/// per row (max_iter sweeps); for a beta-divergence, multiplicative updates of
/// W (at most max_iter, scikit-learn's start and stopping rule). Every entry of X counts (no mask).
DenseMatrix nmf_transform(const SparseView& X, const DenseMatrix& H, const NmfOptions& options);

/// The objective without regularization for given factors.
double nmf_loss(const SparseView& X, const DenseMatrix& W, const DenseMatrix& H, NmfLoss loss, int threads,
                double beta = 2.0);

/// ||X - WH||_F / ||X||_F, computed exactly (O(nnz k + (n + m) k^2)).
double nmf_relative_error(const SparseView& X, const DenseMatrix& W, const DenseMatrix& H, int threads);

}  // namespace strata
