#include "strata/linalg/spmm.hpp"

#include <omp.h>

#include <vector>

#include "strata/core/error.hpp"
#include "strata/parallel/threads.hpp"

namespace strata {

void spmm(const SparseView& X, const DenseMatrix& B, DenseMatrix& out, int threads) {
  if (B.rows() != X.cols) throw ArgumentError("spmm: B must have X.cols rows");
  const Index k = B.cols();
  out.resize(X.rows, k);
  threads = threads_for(threads, 2.0 * static_cast<double>(X.nnz()) * k);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 256)
  for (Index i = 0; i < X.rows; ++i) {
    double* o = out.row(i).data();
    for (Index t = 0; t < k; ++t) o[t] = 0.0;
    for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) {
      const double x = X.data[p];
      const double* b = B.row(X.indices[p]).data();
#pragma omp simd
      for (Index t = 0; t < k; ++t) o[t] += x * b[t];
    }
  }
}

void spmm_transpose(const SparseView& X, const DenseMatrix& A, DenseMatrix& out, int threads) {
  if (A.rows() != X.rows) throw ArgumentError("spmm_transpose: A must have X.rows rows");
  const Index k = A.cols();
  const Index m = X.cols;
  out.setZero(m, k);
  threads = threads_for(threads, 2.0 * static_cast<double>(X.nnz()) * k);
  if (threads <= 1 || X.rows < 2 * threads) {
    for (Index i = 0; i < X.rows; ++i) {
      const double* a = A.row(i).data();
      for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) {
        const double x = X.data[p];
        double* o = out.row(X.indices[p]).data();
#pragma omp simd
        for (Index t = 0; t < k; ++t) o[t] += x * a[t];
      }
    }
    return;
  }
  // Thread 0 accumulates into `out`, the others into private buffers; rows are
  // split into equal-nonzero blocks so the threads finish together.
  std::vector<DenseMatrix> partial(static_cast<size_t>(threads - 1));
  std::vector<Index> bounds(static_cast<size_t>(threads) + 1, 0);
  const Index nnz = X.nnz();
  for (int b = 1; b < threads; ++b) {
    const Index target = nnz / threads * b;
    bounds[b] = static_cast<Index>(std::lower_bound(X.indptr, X.indptr + X.rows + 1, target) - X.indptr);
  }
  bounds[threads] = X.rows;
#pragma omp parallel num_threads(threads)
  {
    const int tid = omp_get_thread_num();
    DenseMatrix* acc = &out;
    if (tid > 0) {
      partial[tid - 1].setZero(m, k);
      acc = &partial[tid - 1];
    }
    for (Index i = bounds[tid]; i < bounds[tid + 1]; ++i) {
      const double* a = A.row(i).data();
      for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) {
        const double x = X.data[p];
        double* o = acc->row(X.indices[p]).data();
#pragma omp simd
        for (Index t = 0; t < k; ++t) o[t] += x * a[t];
      }
    }
#pragma omp barrier
#pragma omp for schedule(static)
    for (Index j = 0; j < m; ++j) {
      double* o = out.row(j).data();
      for (const auto& part : partial) {
        const double* q = part.row(j).data();
#pragma omp simd
        for (Index t = 0; t < k; ++t) o[t] += q[t];
      }
    }
  }
}

void gram(const DenseMatrix& F, DenseMatrix& G, int threads) {
  const Index n = F.rows(), k = F.cols();
  G.setZero(k, k);
  const Index block = 4096;
  const Index blocks = (n + block - 1) / block;
  if (blocks < 2) {
    G.noalias() = F.transpose() * F;
    return;
  }
  // Fixed blocks summed in order: the result does not depend on the thread count.
  std::vector<DenseMatrix> partial(static_cast<size_t>(blocks));
  threads = threads_for(threads, static_cast<double>(n) * k * k);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (Index b = 0; b < blocks; ++b) {
    const Index r0 = b * block, r = std::min(block, n - r0);
    partial[b].noalias() = F.middleRows(r0, r).transpose() * F.middleRows(r0, r);
  }
  for (const auto& p : partial) G += p;
}

}  // namespace strata
