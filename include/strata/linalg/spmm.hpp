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

/// out (m x k) = X^T (m x n) * A (n x k), without forming X^T: each thread
/// scatters its block of rows into a private m x k accumulator, and the
/// accumulators are summed in thread order (deterministic for a thread count).
/// Extra memory: (threads - 1) m k doubles.
void spmm_transpose(const SparseView& X, const DenseMatrix& A, DenseMatrix& out, int threads);

/// G (k x k) = F^T F, summed over row blocks in a fixed order.
void gram(const DenseMatrix& F, DenseMatrix& G, int threads);

}  // namespace strata
