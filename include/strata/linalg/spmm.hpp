#pragma once
/// @file The two sparse-times-dense products every factorization needs, and
/// the k x k Gram. Shared by NMF, SSNMF, hierarchical NMF, NMFk and SVD.
///
/// Cost: 2 nnz(X) k flops each for the products; n k^2 for the Gram. The
/// products are memory-bound on nnz(X) (12 bytes per nonzero) plus the
/// gathered (or scattered) factor rows (8 k bytes each).
#include <functional>
#include <vector>

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

/// Receives one block of a product: rows [first, first + block.rows()) of it.
/// Called inside a parallel region, by the thread that computed the block;
/// blocks are disjoint. It must not throw. The block's buffer is reused once
/// the call returns.
using ProductBlockConsumer = std::function<void(Index first, DenseRef block)>;

/// X B handed over in blocks of `block_rows` rows instead of written out:
/// a consumer that uses each block at once (NMF's fused W-update) needs no
/// n x k buffer, only one block per thread.
void spmm_row_blocks(const SparseView& X, const DenseMatrix& B, Index block_rows, int threads,
                     const ProductBlockConsumer& consume);

/// How spmm_transpose_blocks splits X's columns: `threads` ranges, each cut
/// into `blocks_per_thread` consecutive blocks, all of about equal nonzeros.
/// Computing it reads all of X's indices once, so an iterative solver makes
/// it once. Empty `bounds`: X has unsorted rows.
struct TransposePlan {
  int threads = 1;
  int blocks_per_thread = 1;
  std::vector<Index> bounds;  ///< threads * blocks_per_thread + 1 column bounds
};
TransposePlan plan_spmm_transpose(const SparseView& X, int threads, int blocks_per_thread);

/// X^T A handed over in blocks of output rows (X's columns), as the plan cuts
/// them: each thread owns a range and fills one buffer per block, so the
/// product needs (max block rows) k doubles per thread instead of m k. A row of
/// X is walked once in all per thread (a cursor per row, 4 bytes, carries the
/// position from block to block), but each block reads every row of A that has a
/// nonzero in it: more blocks, less memory, more traffic. Sums run in row
/// order, as in spmm_transpose. Unsorted rows fall back to the whole product
/// in one temporary buffer.
void spmm_transpose_blocks(const SparseView& X, const DenseMatrix& A, const TransposePlan& plan,
                           const ProductBlockConsumer& consume);

/// G (k x k) = F^T F, summed over row blocks in a fixed order; only the
/// upper triangle is computed (8 x 8 tiles), then mirrored.
void gram(const DenseMatrix& F, DenseMatrix& G, int threads);

}  // namespace strata
