#include "strata/solvers/svd.hpp"

#include <Eigen/SVD>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <omp.h>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/block_lanczos.hpp"
#include "strata/linalg/randomized_svd.hpp"
#include "strata/linalg/spmm.hpp"
#include "strata/parallel/threads.hpp"

namespace strata {
namespace {

/// The Gram operator of the implicitly centered Xc = X - 1 mu^T on its smaller
/// side, applied to a block of vectors: V -> Xc^T (Xc V) (m x b blocks,
/// `right`) or U -> Xc (Xc^T U) (n x b blocks).
class GramOp {
 public:
  GramOp(const SparseView& X, const DenseVector* mean, bool right, int threads)
      : X_(X), mean_(mean), right_(right), threads_(threads) {}

  /// Blocks are row-major: the b entries a nonzero gathers are contiguous.
  void apply(const DenseMatrix& in, DenseMatrix& out) const {
    if (right_) {
      fused_gram_apply(in, out);
    } else {
      centered_spmm_transpose(X_, mean_, in, mid_, threads_);
      centered_spmm(X_, mean_, mid_, out, threads_);
    }
  }

 private:
  /// out = Xc^T (Xc in) in one pass over the nonzeros instead of two: row i
  /// contributes x_i (x_i^T in - mu^T in), gathered and scattered while the
  /// row is in cache; the centering adds -mu (sum of those rows). Each thread
  /// scatters into its own m x b block over rows of equal nonzeros, summed in
  /// thread order (deterministic for a thread count).
  void fused_gram_apply(const DenseMatrix& in, DenseMatrix& out) const {
    const Index m = X_.cols, n = X_.rows, b = in.cols();
    DenseVector mu_in = DenseVector::Zero(b);
    if (mean_) mu_in = in.transpose() * *mean_;
    const int nt = threads_for(threads_, 4.0 * static_cast<double>(X_.nnz()) * static_cast<double>(b));
    partial_.resize(static_cast<size_t>(nt));
    std::vector<DenseVector> row_sums(static_cast<size_t>(nt));
    std::vector<Index> bounds(static_cast<size_t>(nt) + 1, 0);
    for (int t = 1; t < nt; ++t)
      bounds[static_cast<size_t>(t)] = static_cast<Index>(
          std::lower_bound(X_.indptr, X_.indptr + n + 1, X_.nnz() / nt * t) - X_.indptr);
    bounds[static_cast<size_t>(nt)] = n;
#pragma omp parallel num_threads(nt)
    {
      const int t = omp_get_thread_num();
      // Thread 0 scatters straight into `out`.
      DenseMatrix& acc = t == 0 ? out : partial_[static_cast<size_t>(t)];
      acc.setZero(m, b);
      DenseVector& sums = row_sums[static_cast<size_t>(t)];
      sums.setZero(b);
      const Index r0 = bounds[static_cast<size_t>(t)], r1 = bounds[static_cast<size_t>(t) + 1];
      switch (b) {  // fixed widths vectorize; others take the generic loop
        case 1: gram_rows<1>(in, r0, r1, mu_in.data(), acc.data(), sums.data()); break;
        case 2: gram_rows<2>(in, r0, r1, mu_in.data(), acc.data(), sums.data()); break;
        case 4: gram_rows<4>(in, r0, r1, mu_in.data(), acc.data(), sums.data()); break;
        case 8: gram_rows<8>(in, r0, r1, mu_in.data(), acc.data(), sums.data()); break;
        case 16: gram_rows<16>(in, r0, r1, mu_in.data(), acc.data(), sums.data()); break;
        default: gram_rows<0>(in, r0, r1, mu_in.data(), acc.data(), sums.data()); break;
      }
#pragma omp barrier
      // Each thread adds the other blocks over its own range of rows, in
      // thread order; the centering's rank-one term likewise.
      DenseVector total = row_sums[0];
      for (int u = 1; u < nt; ++u) total += row_sums[static_cast<size_t>(u)];
      const Index j0 = m * t / nt, rows = m * (t + 1) / nt - j0;
      for (int u = 1; u < nt; ++u) out.middleRows(j0, rows) += partial_[static_cast<size_t>(u)].middleRows(j0, rows);
      if (mean_) out.middleRows(j0, rows).noalias() -= mean_->segment(j0, rows) * total.transpose();
    }
  }

  /// Rows [r0, r1) of the fused product into acc (m x b, row-major). B is the
  /// block width when known at compile time, 0 for any width up to 64.
  template <int B>
  void gram_rows(const DenseMatrix& block, Index r0, Index r1, const double* mu_in, double* acc, double* sums) const {
    const Index b = B > 0 ? B : block.cols();
    const double* in = block.data();
    double tv[B > 0 ? B : 64];  // the row's b dot products, in registers for fixed B
    for (Index i = r0; i < r1; ++i) {
      const Index p0 = X_.indptr[i], p1 = X_.indptr[i + 1];
      for (Index c = 0; c < b; ++c) tv[c] = 0.0;
      for (Index p = p0; p < p1; ++p) {
        const double x = X_.data[p];
        const double* v = in + static_cast<Index>(X_.indices[p]) * b;
        for (Index c = 0; c < b; ++c) tv[c] += x * v[c];
      }
      for (Index c = 0; c < b; ++c) {
        tv[c] -= mu_in[c];
        sums[c] += tv[c];
      }
      for (Index p = p0; p < p1; ++p) {
        const double x = X_.data[p];
        double* a = acc + static_cast<Index>(X_.indices[p]) * b;
        for (Index c = 0; c < b; ++c) a[c] += x * tv[c];
      }
    }
  }

  const SparseView& X_;
  const DenseVector* mean_;
  bool right_;
  int threads_;
  mutable DenseMatrix mid_;
  mutable std::vector<DenseMatrix> partial_;
};

/// Sum of the column variances (ddof 0 before scaling: sum of squared
/// deviations) computed as sum over stored entries of (x - mu_j)^2 plus
/// (n - nnz_j) mu_j^2, which avoids the cancellation of ||X||^2 - n ||mu||^2.
double sum_squared_deviations(const SparseView& X, const DenseVector& mu) {
  std::vector<Index> count(static_cast<size_t>(X.cols), 0);
  double s = 0.0;
  for (Index p = 0; p < X.nnz(); ++p) {
    const ColIndex j = X.indices[p];
    const double d = X.data[p] - mu[j];
    s += d * d;
    ++count[j];
  }
  for (Index j = 0; j < X.cols; ++j) s += static_cast<double>(X.rows - count[j]) * mu[j] * mu[j];
  return s;
}

// The factors are row-major (n x k, m x k): column statistics below are
// taken in one pass over the rows, not k strided passes over the columns.

/// Per-column sums of squares of a row-major matrix.
DenseVector column_squared_norms(const DenseMatrix& A) {
  DenseVector out = DenseVector::Zero(A.cols());
  for (Index i = 0; i < A.rows(); ++i) out += A.row(i).transpose().cwiseAbs2();
  return out;
}

/// Orders the triplets by descending s, and fixes each sign so that the
/// largest-|.| entry of each column of V is positive (svd_flip on V).
void sort_and_flip(TruncatedSvdResult& r) {
  const Index k = r.s.size();
  std::vector<Index> order(static_cast<size_t>(k));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return r.s[a] > r.s[b]; });
  if (!std::is_sorted(order.begin(), order.end())) {
    Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, Index> perm(k);
    for (Index j = 0; j < k; ++j) perm.indices()[j] = order[static_cast<size_t>(j)];  // column j <- order[j]
    r.U = r.U * perm;
    r.V = r.V * perm;
    r.s = perm.transpose() * r.s;
  }
  // Largest |entry| of each column of V, in one pass over its rows.
  DenseVector largest = DenseVector::Zero(k), sign = DenseVector::Ones(k);
  for (Index i = 0; i < r.V.rows(); ++i)
    for (Index j = 0; j < k; ++j)
      if (std::abs(r.V(i, j)) > largest[j]) {
        largest[j] = std::abs(r.V(i, j));
        sign[j] = r.V(i, j) < 0 ? -1.0 : 1.0;
      }
  if ((sign.array() < 0).any()) {
    r.V = r.V * sign.asDiagonal();
    r.U = r.U * sign.asDiagonal();
  }
}

/// Given orthonormal directions D on one side, computes the other side:
/// W = Xc V (or Xc^T U), s_j = ||W_j||, and normalizes W.
void complete_from_side(const SparseView& X, const DenseVector* mu, bool right, const DenseMatrix& D, int threads,
                        TruncatedSvdResult& r) {
  DenseMatrix W;
  if (right) centered_spmm(X, mu, D, W, threads);
  else centered_spmm_transpose(X, mu, D, W, threads);
  r.s = column_squared_norms(W).cwiseSqrt();
  const DenseVector inverse = r.s.unaryExpr([](double v) { return v > 0 ? 1.0 / v : 0.0; });
  W = W * inverse.asDiagonal();
  if (right) {
    r.V = D;
    r.U = std::move(W);
  } else {
    r.U = D;
    r.V = std::move(W);
  }
}

/// Exact SVD through a dense copy of the small side (dim columns of Xc).
void dense_svd(const SparseView& X, const DenseVector* mu, bool right, int k, int threads, TruncatedSvdResult& r) {
  const Index dim = right ? X.cols : X.rows;
  const DenseMatrix I = DenseMatrix::Identity(dim, dim);
  DenseMatrix D;  // right: Xc (n x m); left: Xc^T (m x n)
  if (right) centered_spmm(X, mu, I, D, threads);
  else centered_spmm_transpose(X, mu, I, D, threads);
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(Eigen::MatrixXd(D), Eigen::ComputeThinU | Eigen::ComputeThinV);
  r.s = svd.singularValues().head(k);
  const DenseMatrix left = svd.matrixU().leftCols(k), other = svd.matrixV().leftCols(k);
  if (right) {
    r.U = left;
    r.V = other;
  } else {
    r.V = left;
    r.U = other;
  }
}

}  // namespace

SvdMethod parse_svd_method(const std::string& name) {
  if (name == "lanczos" || name == "arpack") return SvdMethod::Lanczos;
  if (name == "randomized") return SvdMethod::Randomized;
  throw ArgumentError("method must be one of lanczos, arpack, randomized (got '" + name + "')");
}

std::string to_string(SvdMethod m) { return m == SvdMethod::Lanczos ? "lanczos" : "randomized"; }
std::string to_string(SvdStatus s) { return s == SvdStatus::Converged ? "converged" : "not_converged"; }

DenseVector column_means(const SparseView& X, int threads) {
  DenseVector mu = DenseVector::Zero(X.cols);
  if (X.rows == 0) return mu;
  const DenseMatrix ones = DenseMatrix::Ones(X.rows, 1);
  DenseMatrix sums;
  spmm_transpose(X, ones, sums, resolve_threads(threads));
  mu = Eigen::Map<const DenseVector>(sums.data(), X.cols) / static_cast<double>(X.rows);
  return mu;
}

TruncatedSvdResult truncated_svd(const SparseView& X, const SvdOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const Index limit = std::min(X.rows, X.cols);
  require_argument(o.k >= 1 && o.k <= limit, "k", "in [1, min(rows, cols)] = [1, " + std::to_string(limit) + "]",
                   std::to_string(o.k));
  require_argument(std::isfinite(o.tol) && o.tol < 1, "tol", "finite and < 1", std::to_string(o.tol));
  require_argument(o.max_iter >= 1, "max_iter", ">= 1", std::to_string(o.max_iter));
  require_argument(o.ncv == 0 || o.ncv >= o.k + 2, "ncv", "0 (automatic) or >= k + 2 = " + std::to_string(o.k + 2),
                   std::to_string(o.ncv));
  require_argument(o.block >= 1 && o.block <= 64, "block", "in [1, 64]", std::to_string(o.block));
  require_argument(o.oversample >= 0, "oversample", ">= 0", std::to_string(o.oversample));
  require_argument(o.power_iterations >= 0, "power_iterations", ">= 0", std::to_string(o.power_iterations));
  const int threads = resolve_threads(o.threads);

  TruncatedSvdResult r;
  DenseVector mu = column_means(X, threads);
  const DenseVector* center = o.center ? &mu : nullptr;
  const double ssd = sum_squared_deviations(X, mu);

  if (o.method == SvdMethod::Randomized) {
    RandomizedSvdOptions ro;
    ro.k = o.k;
    ro.oversample = o.oversample;
    ro.power_iterations = o.power_iterations;
    ro.seed = o.seed;
    ro.threads = threads;
    ro.mean = center;
    SvdResult s = randomized_svd(X, ro);
    r.U = std::move(s.U);
    r.s = std::move(s.s);
    r.V = std::move(s.V);
    r.iterations = o.power_iterations;
    r.operations = 2LL * o.power_iterations + 2;
  } else {
    // Lanczos on the smaller side's Gram matrix: its Krylov vectors are short.
    const bool right = X.cols <= X.rows;
    const Index dim = right ? X.cols : X.rows;
    // Block size b and basis size p (docs above SvdOptions): a basis that
    // would span most of the side is better replaced by the exact dense SVD.
    Index b = o.block;
    Index p = o.ncv > 0 ? o.ncv : std::max<Index>(2 * o.k + 2 * b, 4 * b);
    if (o.ncv > 0) b = std::max<Index>(1, std::min<Index>(b, (p - o.k) / 2));
    if (p + b >= dim) {
      dense_svd(X, center, right, o.k, threads, r);
      r.operations = 1;
    } else {
      const GramOp op(X, center, right, threads);
      BlockLanczosOptions lo;
      lo.k = o.k;
      lo.block = static_cast<int>(b);
      lo.basis = static_cast<int>(p);
      lo.tol = o.tol > 0 ? o.tol : 1e-12;
      lo.max_restarts = o.max_iter;
      lo.seed = o.seed;
      lo.threads = threads;
      const BlockLanczosResult l = block_lanczos(
          [&op](const DenseMatrix& in, DenseMatrix& out) { op.apply(in, out); }, dim, lo);
      r.iterations = l.restarts;
      r.operations = 2 * l.applications / b;
      // Not converged within max_iter restarts: the Ritz vectors are still the
      // best available approximation; the status says so.
      complete_from_side(X, center, right, l.vectors, threads, r);
      if (!l.converged) r.status = SvdStatus::NotConverged;
    }
  }
  sort_and_flip(r);

  const Index n = X.rows;
  const Index k = o.k;
  r.explained_variance.resize(k);
  if (o.center) {
    r.mean = std::move(mu);
    const double ddof_n = n > 1 ? static_cast<double>(n - 1) : 1.0;
    r.explained_variance = r.s.array().square() / ddof_n;
    r.total_variance = ssd / ddof_n;
  } else {
    // Variance (ddof 0) of each column of X V = U diag(s).
    const DenseVector sums = r.U.colwise().sum().transpose(), squares = column_squared_norms(r.U);
    for (Index j = 0; j < k; ++j) {
      const double mean_u = sums[j] / static_cast<double>(n);
      const double var_u = squares[j] / static_cast<double>(n) - mean_u * mean_u;
      r.explained_variance[j] = r.s[j] * r.s[j] * std::max(var_u, 0.0);
    }
    r.total_variance = ssd / static_cast<double>(n);
  }
  r.explained_variance_ratio =
      r.total_variance > 0 ? DenseVector(r.explained_variance / r.total_variance) : DenseVector::Zero(k);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace strata
