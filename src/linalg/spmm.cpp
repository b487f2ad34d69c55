#include "strata/linalg/spmm.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/parallel/threads.hpp"
#include "vec8.hpp"

namespace strata {

void spmm(const SparseView& X, const DenseMatrix& B, DenseMatrix& out, int threads) {
  out.resize(X.rows, B.cols());
  spmm_into(X, B, out, threads);
}

namespace {

/// out[c0, c0 + W) of row i of X B: the W sums stay in registers across the
/// row's nonzeros (W fixed at compile time), instead of a load and a store of
/// the output row for every nonzero.
template <int W>
inline void row_times_columns(const SparseView& X, Index i, const double* B, Index ldb, Index c0, double* out) {
  double acc[W];
  for (int t = 0; t < W; ++t) acc[t] = 0.0;
  for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) {
    const double x = X.data[p];
    const double* b = B + static_cast<Index>(X.indices[p]) * ldb + c0;
#pragma GCC unroll 32
    for (int t = 0; t < W; ++t) acc[t] += x * b[t];
  }
  for (int t = 0; t < W; ++t) out[c0 + t] = acc[t];
}

/// Row i of X B, k columns, in chunks of 32, 16, 8 and the rest.
inline void row_times(const SparseView& X, Index i, const double* B, Index k, double* out) {
  Index c = 0;
  for (; c + 32 <= k; c += 32) row_times_columns<32>(X, i, B, k, c, out);
  if (c + 16 <= k) row_times_columns<16>(X, i, B, k, c, out), c += 16;
  if (c + 8 <= k) row_times_columns<8>(X, i, B, k, c, out), c += 8;
  switch (k - c) {
    case 7: row_times_columns<7>(X, i, B, k, c, out); break;
    case 6: row_times_columns<6>(X, i, B, k, c, out); break;
    case 5: row_times_columns<5>(X, i, B, k, c, out); break;
    case 4: row_times_columns<4>(X, i, B, k, c, out); break;
    case 3: row_times_columns<3>(X, i, B, k, c, out); break;
    case 2: row_times_columns<2>(X, i, B, k, c, out); break;
    case 1: row_times_columns<1>(X, i, B, k, c, out); break;
    default: break;
  }
}

}  // namespace

void spmm_into(const SparseView& X, const DenseMatrix& B, DenseRef out, int threads) {
  if (B.rows() != X.cols) throw ArgumentError("spmm: B must have X.cols rows");
  const Index k = B.cols();
  if (out.rows() != X.rows || out.cols() != k) throw ArgumentError("spmm: out must be X.rows x B.cols");
  threads = threads_for(threads, 2.0 * static_cast<double>(X.nnz()) * k);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 256)
  for (Index i = 0; i < X.rows; ++i) row_times(X, i, B.data(), k, out.row(i).data());
}

namespace {

/// Columns of sorted rows split into `parts` ranges of about equal nonzeros
/// (counted on every 8th row: a balance, not an exact split), or an empty
/// vector when some row's columns are not ascending (views from Python may
/// hold unsorted rows). One pass over the indices.
std::vector<Index> column_partition(const SparseView& X, int parts, int threads) {
  constexpr Index kBuckets = 1024;
  const Index width = (X.cols + kBuckets - 1) / kBuckets;
  std::vector<Index> counts(static_cast<size_t>(kBuckets), 0);
  bool sorted = true;
#pragma omp parallel num_threads(threads)
  {
    std::vector<Index> local(static_cast<size_t>(kBuckets), 0);
    bool ok = true;
#pragma omp for schedule(static) nowait
    for (Index i = 0; i < X.rows; ++i) {
      const Index begin = X.indptr[i], end = X.indptr[i + 1];
      for (Index p = begin + 1; p < end; ++p) ok &= X.indices[p] > X.indices[p - 1];
      if (i % 8 == 0)
        for (Index p = begin; p < end; ++p) ++local[X.indices[p] / width];
    }
#pragma omp critical
    {
      sorted = sorted && ok;
      for (Index b = 0; b < kBuckets; ++b) counts[b] += local[b];
    }
  }
  if (!sorted) return {};
  std::vector<Index> bounds(static_cast<size_t>(parts) + 1, X.cols);
  bounds[0] = 0;
  Index counted = 0;
  for (Index b = 0; b < kBuckets; ++b) counted += counts[b];
  Index seen = 0;
  int part = 1;
  for (Index b = 0; b < kBuckets && part < parts; ++b) {
    seen += counts[b];
    while (part < parts && seen >= counted / parts * part) bounds[part++] = std::min((b + 1) * width, X.cols);
  }
  return bounds;
}

/// out[c] += x_c a for the nonzeros c of one row of X, from `c` while the
/// column is below `hi`: the row a is held in NV registers of 8 (plus a
/// scalar tail of k - 8 NV) instead of being reloaded for every nonzero,
/// which the compiler must do when it cannot rule out that out aliases a.
/// Returns where it stopped (the first column at or above `hi`, or `end`).
template <int NV>
const ColIndex* scatter_row_fixed(const ColIndex* c, const ColIndex* end, ColIndex hi, const double* x,
                                  const double* a, Index k, double* out, Index ld) {
  using detail::Vec8;
  Vec8 av[NV > 0 ? NV : 1];
  for (int j = 0; j < NV; ++j) av[j] = detail::load8(a + 8 * j);
  for (; c != end && *c < hi; ++c, ++x) {
    const double xc = *x;
    double* __restrict o = out + static_cast<Index>(*c) * ld;
    for (int j = 0; j < NV; ++j) detail::store8(o + 8 * j, detail::load8(o + 8 * j) + xc * av[j]);
    for (Index t = 8 * NV; t < k; ++t) o[t] += xc * a[t];
  }
  return c;
}

const ColIndex* scatter_row(const ColIndex* c, const ColIndex* end, ColIndex hi, const double* x, const double* a,
                            Index k, double* out, Index ld) {
  switch (k / 8) {
    case 0: return scatter_row_fixed<0>(c, end, hi, x, a, k, out, ld);
    case 1: return scatter_row_fixed<1>(c, end, hi, x, a, k, out, ld);
    case 2: return scatter_row_fixed<2>(c, end, hi, x, a, k, out, ld);
    case 3: return scatter_row_fixed<3>(c, end, hi, x, a, k, out, ld);
    case 4: return scatter_row_fixed<4>(c, end, hi, x, a, k, out, ld);
    case 5: return scatter_row_fixed<5>(c, end, hi, x, a, k, out, ld);
    case 6: return scatter_row_fixed<6>(c, end, hi, x, a, k, out, ld);
    case 7: return scatter_row_fixed<7>(c, end, hi, x, a, k, out, ld);
    case 8: return scatter_row_fixed<8>(c, end, hi, x, a, k, out, ld);
    default:  // k > 71: more registers than there are; the compiler's own loop
      for (; c != end && *c < hi; ++c, ++x) {
        double* o = out + static_cast<Index>(*c) * ld;
#pragma omp simd
        for (Index t = 0; t < k; ++t) o[t] += *x * a[t];
      }
      return c;
  }
}

/// Adds the columns [lo, hi) of X^T A to out, whose row 0 is column lo. With
/// a cursor (one per row of X, positions relative to the row's start), the
/// walk of row i starts at cursor[i] (when `resume`) and leaves it where it
/// stopped, so consecutive blocks of one range read each row's part once.
void scatter_columns(const SparseView& X, const DenseMatrix& A, Index lo, Index hi, double* out, Index ld,
                     std::uint32_t* cursor, bool resume) {
  const Index k = A.cols();
  double* const shifted = out - lo * ld;  // indexed by column of X
  for (Index i = 0; i < X.rows; ++i) {
    const ColIndex* begin = X.indices + X.indptr[i];
    const ColIndex* end = X.indices + X.indptr[i + 1];
    const ColIndex* first = resume ? begin + cursor[i] : lo == 0 ? begin : std::lower_bound(begin, end, lo);
    const ColIndex* stop = first;
    if (first != end && *first < hi)
      stop = scatter_row(first, end, static_cast<ColIndex>(hi), X.data + (first - X.indices), A.row(i).data(), k,
                         shifted, ld);
    if (cursor) cursor[i] = static_cast<std::uint32_t>(stop - begin);
  }
}

}  // namespace

void spmm_transpose(const SparseView& X, const DenseMatrix& A, DenseMatrix& out, int threads) {
  out.resize(X.cols, A.cols());
  spmm_transpose_into(X, A, out, threads);
}

void spmm_transpose_into(const SparseView& X, const DenseMatrix& A, DenseRef out, int threads) {
  if (A.rows() != X.rows) throw ArgumentError("spmm_transpose: A must have X.rows rows");
  const Index k = A.cols();
  const Index m = X.cols;
  if (out.rows() != m || out.cols() != k) throw ArgumentError("spmm_transpose: out must be X.cols x A.cols");
  const Index ld = out.outerStride();
  constexpr ColIndex kNoLimit = std::numeric_limits<ColIndex>::max();
  threads = threads_for(threads, 2.0 * static_cast<double>(X.nnz()) * k);
  if (threads <= 1 || X.rows < 2 * threads) {
    out.setZero();
    for (Index i = 0; i < X.rows; ++i)
      scatter_row(X.indices + X.indptr[i], X.indices + X.indptr[i + 1], kNoLimit, X.data + X.indptr[i],
                  A.row(i).data(), k, out.data(), ld);
    return;
  }
  // Sorted rows: each thread owns a range of output rows (columns of X) and
  // walks every row of X over the part of it inside that range. No
  // accumulators, no reduction, and every output row sums in row order, so the
  // result does not depend on the thread count.
  // Each thread also zeroes its own range (a serial setZero of the whole
  // output took ~2 ms of a ~20 ms product).
  const std::vector<Index> columns = column_partition(X, threads, threads);
  if (!columns.empty()) {
#pragma omp parallel num_threads(threads)
    // (a loop, not one range per thread id: a team smaller than asked for still covers every range)
    for (int part = omp_get_thread_num(); part < threads; part += omp_get_num_threads()) {
      const Index lo = columns[part], hi = columns[part + 1];
      out.middleRows(lo, hi - lo).setZero();
      scatter_columns(X, A, lo, hi, out.data() + lo * ld, ld, nullptr, false);
    }
    return;
  }
  out.setZero();
  // Unsorted rows: thread 0 accumulates into `out`, the others into private
  // buffers; rows are split into equal-nonzero blocks so the threads finish
  // together, and the accumulators are summed in thread order.
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
    if (tid > 0) partial[tid - 1].setZero(m, k);
    double* const acc = tid > 0 ? partial[tid - 1].data() : out.data();
    const Index stride = tid > 0 ? k : static_cast<Index>(out.outerStride());
    for (Index i = bounds[tid]; i < bounds[tid + 1]; ++i)
      scatter_row(X.indices + X.indptr[i], X.indices + X.indptr[i + 1], kNoLimit, X.data + X.indptr[i],
                  A.row(i).data(), k, acc, stride);
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

void spmm_row_blocks(const SparseView& X, const DenseMatrix& B, Index block_rows, int threads,
                     const ProductBlockConsumer& consume) {
  if (B.rows() != X.cols) throw ArgumentError("spmm_row_blocks: B must have X.cols rows");
  if (block_rows < 1) throw ArgumentError("spmm_row_blocks: block_rows must be >= 1");
  const Index k = B.cols();
  const Index blocks = (X.rows + block_rows - 1) / block_rows;
  threads = threads_for(threads, 2.0 * static_cast<double>(X.nnz()) * k);
#pragma omp parallel num_threads(threads)
  {
    DenseMatrix buffer(std::min(block_rows, X.rows), k);
#pragma omp for schedule(dynamic, 1)
    for (Index b = 0; b < blocks; ++b) {
      const Index i0 = b * block_rows, rows = std::min(block_rows, X.rows - i0);
      for (Index r = 0; r < rows; ++r) row_times(X, i0 + r, B.data(), k, buffer.row(r).data());
      consume(i0, buffer.topRows(rows));
    }
  }
}

TransposePlan plan_spmm_transpose(const SparseView& X, int threads, int blocks_per_thread) {
  if (threads < 1 || blocks_per_thread < 1) throw ArgumentError("plan_spmm_transpose: threads and blocks must be >= 1");
  TransposePlan plan;
  plan.threads = static_cast<int>(std::min<Index>(threads, std::max<Index>(X.rows / 2, 1)));
  plan.blocks_per_thread = blocks_per_thread;
  plan.bounds = column_partition(X, plan.threads * blocks_per_thread, plan.threads);
  return plan;
}

void spmm_transpose_blocks(const SparseView& X, const DenseMatrix& A, const TransposePlan& plan,
                           const ProductBlockConsumer& consume) {
  if (A.rows() != X.rows) throw ArgumentError("spmm_transpose_blocks: A must have X.rows rows");
  const Index k = A.cols();
  const int per = plan.blocks_per_thread;
  if (plan.bounds.empty()) {
    // Unsorted rows: no column ranges to walk; the whole product, handed over in the same blocks.
    DenseMatrix whole(X.cols, k);
    spmm_transpose_into(X, A, whole, plan.threads);
    const Index parts = static_cast<Index>(plan.threads) * per;
#pragma omp parallel for num_threads(plan.threads) schedule(static)
    for (Index b = 0; b < parts; ++b) {
      const Index lo = X.cols * b / parts, hi = X.cols * (b + 1) / parts;
      if (hi > lo) consume(lo, whole.middleRows(lo, hi - lo));
    }
    return;
  }
  if (static_cast<Index>(plan.bounds.size()) != static_cast<Index>(plan.threads) * per + 1 ||
      plan.bounds.back() != X.cols)
    throw ArgumentError("spmm_transpose_blocks: the plan was made for another matrix");
#pragma omp parallel num_threads(plan.threads)
  {
    DenseMatrix buffer;
    std::vector<std::uint32_t> cursor(per > 1 ? static_cast<size_t>(X.rows) : 0);
    // (a loop, not one range per thread id: a team smaller than asked for still covers every range)
    for (int range = omp_get_thread_num(); range < plan.threads; range += omp_get_num_threads()) {
      const Index* bounds = plan.bounds.data() + static_cast<Index>(range) * per;
      Index widest = 0;
      for (int b = 0; b < per; ++b) widest = std::max(widest, bounds[b + 1] - bounds[b]);
      if (buffer.rows() < widest) buffer.resize(widest, k);
      bool resume = false;  // the cursors hold positions once a block of this range has run
      for (int b = 0; b < per; ++b) {
        const Index lo = bounds[b], rows = bounds[b + 1] - lo;
        if (rows == 0) continue;
        auto block = buffer.topRows(rows);
        block.setZero();
        scatter_columns(X, A, lo, lo + rows, block.data(), k, per > 1 ? cursor.data() : nullptr, resume);
        resume = true;
        consume(lo, block);
      }
    }
  }
}

namespace {

/// The upper triangle of F^T F (F: `rows` contiguous rows of k doubles),
/// added into U (ldk x ldk, ldk = k rounded up to 8), by 8 x 8 tiles: a tile
/// is eight vector accumulators, row i adding f_i[I + a] * f_i[J .. J + 8] to
/// accumulator a. The tiles on and above the diagonal are about half the
/// multiply-adds of the whole product. Rows go through a zero-padded buffer
/// of 64 (a tile's columns may run past k); the sums run over the rows in
/// order.
void gram_upper_tiles(const double* F, Index rows, Index k, double* U, Index ldk) {
  using detail::Vec8;
  constexpr Index kChunk = 64;
  const Index tiles = ldk / 8;
  std::vector<double> buffer(static_cast<size_t>(kChunk * ldk), 0.0);
  for (Index c0 = 0; c0 < rows; c0 += kChunk) {
    const Index n = std::min(kChunk, rows - c0);
    for (Index i = 0; i < n; ++i) std::copy_n(F + (c0 + i) * k, k, buffer.data() + i * ldk);
    for (Index I = 0; I < tiles; ++I)
      for (Index J = I; J < tiles; ++J) {
        double* tile = U + 8 * I * ldk + 8 * J;
        Vec8 acc[8];
        for (int a = 0; a < 8; ++a) acc[a] = detail::load8(tile + a * ldk);
        for (Index i = 0; i < n; ++i) {
          const double* f = buffer.data() + i * ldk;
          const Vec8 right = detail::load8(f + 8 * J);
          for (int a = 0; a < 8; ++a) acc[a] += f[8 * I + a] * right;
        }
        for (int a = 0; a < 8; ++a) detail::store8(tile + a * ldk, acc[a]);
      }
  }
}

}  // namespace

void gram(const DenseMatrix& F, DenseMatrix& G, int threads) {
  const Index n = F.rows(), k = F.cols();
  const Index ldk = (k + 7) / 8 * 8;
  // Fixed blocks summed in order: the result does not depend on the thread count.
  const Index block = 4096;
  const Index blocks = std::max<Index>(1, (n + block - 1) / block);
  std::vector<DenseMatrix> partial(static_cast<size_t>(blocks));
  threads = threads_for(threads, static_cast<double>(n) * k * k);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (Index b = 0; b < blocks; ++b) {
    const Index r0 = b * block, r = std::min(block, n - r0);
    partial[b].setZero(ldk, ldk);
    if (r > 0) gram_upper_tiles(F.data() + r0 * k, r, k, partial[b].data(), ldk);
  }
  DenseMatrix upper = std::move(partial[0]);
  for (Index b = 1; b < blocks; ++b) upper += partial[b];
  G.resize(k, k);
  for (Index i = 0; i < k; ++i)
    for (Index j = i; j < k; ++j) G(i, j) = G(j, i) = upper(i, j);
}

}  // namespace strata
