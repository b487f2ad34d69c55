#pragma once
/// @file The two sparse-times-dense products every factorization needs, and
/// the k x k Gram. Shared by NMF, SSNMF, hierarchical NMF, NMFk and SVD.
///
/// Cost: 2 nnz(X) k flops each for the products; n k^2 for the Gram. The
/// products are memory-bound on nnz(X) (12 bytes per nonzero) plus the
/// gathered (or scattered) factor rows (8 k bytes each).
#include "strata/core/sparse.hpp"
#include "strata/linalg/dense.hpp"

namespace strata {

/// out (n x k) = X (n x m) * B (m x k). Rows of `out` are independent: the
/// result does not depend on the thread count.
void spmm(const SparseView& X, const DenseMatrix& B, DenseMatrix& out, int threads);

/// spmm into a caller's buffer of the right shape (X.rows x B.cols).
void spmm_into(const SparseView& X, const DenseMatrix& B, DenseRef out, int threads);

/// out (m x k) = X^T (m x n) * A (n x k), without forming X^T. With sorted
/// rows (what strata's readers produce), each thread owns a range of output
/// rows of about equal nonzeros and scatters only into it: no extra memory,
/// and the result does not depend on the thread count. Unsorted rows (allowed
/// in views from Python) fall back to per-thread m x k accumulators summed in
/// thread order ((threads - 1) m k extra doubles; deterministic for a thread count).
void spmm_transpose(const SparseView& X, const DenseMatrix& A, DenseMatrix& out, int threads);

/// spmm_transpose into a caller's buffer of the right shape (X.cols x A.cols).
void spmm_transpose_into(const SparseView& X, const DenseMatrix& A, DenseRef out, int threads);

/// G (k x k) = F^T F, summed over row blocks in a fixed order.
void gram(const DenseMatrix& F, DenseMatrix& G, int threads);

}  // namespace strata
