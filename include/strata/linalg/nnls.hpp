#pragma once
/// @file The nonnegative least-squares family shared by NMF, SSNMF, transform
/// and Neural NMF. Every solver works row by row on
///     min_{f >= 0}  0.5 f^T G f - b^T f + l1 sum(f) + (l2/2) ||f||^2
/// with G (k x k, symmetric positive semidefinite) shared by all rows (the
/// Gram of the fixed factor) and b a row of B (the sparse product).
#include <cstdint>
#include <vector>

#include "strata/core/sparse.hpp"
#include "strata/linalg/dense.hpp"

namespace strata {

/// HALS / coordinate descent: `max_sweeps` exact coordinate passes per row.
/// With `early_stop`, a row stops sweeping once a sweep changes it by less
/// than 1% of what its first sweep did (Gillis & Glineur 2012).
/// Cost: k^2 flops per row per sweep.
/// Returns sum_i f_i . (G f_i - b_i) over the updated rows, from the
/// gradients the sweeps keep anyway (summed in row order: deterministic), so
/// a caller gets f^T G f = f . (G f - b) + f . b without a Gram. At each
/// row's NNLS solution it is zero (complementary slackness).
double hals_rows(DenseRef F, const ConstDenseRef& B, const DenseMatrix& G, int max_sweeps, bool early_stop,
                 double l1, double l2, int threads);

/// Multiplicative update (Lee & Seung): F <- F .* B / (F G + l1 + l2 F).
void mu_rows(DenseRef F, const ConstDenseRef& B, const DenseMatrix& G, double l1, double l2, int threads);

/// Exact NNLS of every row by block principal pivoting (Kim & Park 2011), rows
/// that share a passive set solved together with one Cholesky factorization.
/// F on entry is a warm start: its support is the initial passive set.
/// Returns the number of rows that hit the iteration cap (0 normally).
Index nnls_bpp(DenseRef F, const ConstDenseRef& B, const DenseMatrix& G, double l1, double l2, int threads);

/// The supports (passive sets) of an exact NNLS solve: row i of F was solved
/// on the columns sets[row_set[i]] (sorted, possibly empty), and
/// G_PP f_P = b_P - l1 holds there. Rows sharing a set are what Neural NMF's
/// backpropagation batches under one factorization.
struct NnlsSupports {
  std::vector<std::int32_t> row_set;        ///< per row: index into `sets`
  std::vector<std::vector<Index>> sets;     ///< distinct passive sets, in order of first row
};

/// nnls_bpp that also reports every row's final passive set.
Index nnls_bpp(DenseRef F, const ConstDenseRef& B, const DenseMatrix& G, double l1, double l2, int threads,
               NnlsSupports& supports);

/// Solves G_PP z_P = R_P row by row on each row's support (z = 0 off it), one
/// Cholesky factorization of G_PP per distinct set (a tiny ridge when G_PP is
/// singular, as in nnls_bpp). Z is resized to R's shape.
void solve_on_supports(const DenseMatrix& G, const NnlsSupports& supports, const DenseMatrix& R, DenseMatrix& Z,
                       int threads);

/// Exact NNLS of one row with its own Gram (masked NMF): same problem as above.
/// `f` is a warm start. Returns false if the iteration cap was hit.
bool nnls_bpp_row(double* f, const double* b, const DenseMatrix& G, double l1, double l2);

}  // namespace strata

namespace strata {

/// Kullback-Leibler coordinate descent (Hsieh & Dhillon 2011) on the rows of
/// F (n x k) with the other factor O (m x k) fixed: for each row i and sparse
/// row x_i of X, minimizes sum_j [ (F O^T)_ij - x_ij log (F O^T)_ij ]
/// + l1 sum(f) + (l2/2)||f||^2 over f >= 0, one safeguarded Newton step per
/// coordinate per sweep (the step is halved until the row's objective does
/// not increase, so the divergence is monotone). `colsum` holds the column
/// sums of O. Cost per sweep: about 3 nnz(X) k flops.
void kl_cd_rows(const SparseView& X, DenseMatrix& F, const DenseMatrix& O, const Eigen::RowVectorXd& colsum,
                int sweeps, double l1, double l2, int threads);

}  // namespace strata
