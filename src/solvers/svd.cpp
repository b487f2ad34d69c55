#include "strata/solvers/svd.hpp"

#include <Eigen/SVD>
#include <Spectra/SymEigsSolver.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <omp.h>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/randomized_svd.hpp"
#include "strata/linalg/spmm.hpp"
#include "strata/parallel/threads.hpp"

namespace strata {
namespace {

/// The Gram operator of the implicitly centered Xc = X - 1 mu^T on its smaller
/// side: v -> Xc^T (Xc v) (m-vectors, `right`) or u -> Xc (Xc^T u) (n-vectors),
/// plus `shift` v. Spectra's operator concept: Scalar, rows(), cols(), perform_op.
class GramOp {
 public:
  using Scalar = double;
  GramOp(const SparseView& X, const DenseVector* mean, bool right, int threads)
      : X_(X), mean_(mean), right_(right), threads_(threads) {}
  Eigen::Index rows() const { return right_ ? X_.cols : X_.rows; }
  Eigen::Index cols() const { return rows(); }
  void set_shift(double shift) { shift_ = shift; }
  long long applications() const { return applications_; }

  void perform_op(const double* x, double* y) const {
    const Index d = rows();
    if (right_) {
      fused_gram_apply(x, y);
      applications_ += 2;
      return;
    }
    in_ = Eigen::Map<const DenseMatrix>(x, d, 1);
    {
      centered_spmm_transpose(X_, mean_, in_, mid_, threads_);
      centered_spmm(X_, mean_, mid_, out_, threads_);
    }
    Eigen::Map<Eigen::VectorXd> yv(y, d);
    yv = Eigen::Map<const Eigen::VectorXd>(out_.data(), d);
    if (shift_ != 0.0) yv += shift_ * Eigen::Map<const Eigen::VectorXd>(x, d);
    applications_ += 2;
  }

 private:
  /// y = Xc^T (Xc x) + shift x in one pass over the nonzeros instead of two:
  /// row i contributes (x_i . x - mu . x) x_i, gathered and scattered while the
  /// row is in cache; the centering adds -mu sum_i d_i. Each thread scatters
  /// into its own m-vector over a block of rows of equal nonzeros, summed in
  /// thread order (deterministic for a thread count).
  void fused_gram_apply(const double* x, double* y) const {
    const Index m = X_.cols, n = X_.rows;
    const double mux = mean_ ? Eigen::Map<const Eigen::VectorXd>(x, m).dot(*mean_) : 0.0;
    const int nt = threads_for(threads_, 4.0 * static_cast<double>(X_.nnz()));
    partial_.resize(nt);
    std::vector<double> dsum(static_cast<size_t>(nt), 0.0);
    std::vector<Index> bounds(static_cast<size_t>(nt) + 1, 0);
    for (int b = 1; b < nt; ++b)
      bounds[b] = static_cast<Index>(std::lower_bound(X_.indptr, X_.indptr + n + 1, X_.nnz() / nt * b) - X_.indptr);
    bounds[nt] = n;
#pragma omp parallel num_threads(nt)
    {
      const int tid = omp_get_thread_num();
      Eigen::VectorXd& acc = partial_[tid];
      acc.setZero(m);
      double* a = acc.data();
      double ds = 0.0;
      for (Index i = bounds[tid]; i < bounds[tid + 1]; ++i) {
        const Index p0 = X_.indptr[i], p1 = X_.indptr[i + 1];
        double dot = 0.0;
        for (Index p = p0; p < p1; ++p) dot += X_.data[p] * x[X_.indices[p]];
        dot -= mux;
        ds += dot;
        for (Index p = p0; p < p1; ++p) a[X_.indices[p]] += dot * X_.data[p];
      }
      dsum[tid] = ds;
    }
    Eigen::Map<Eigen::VectorXd> yv(y, m);
    yv = partial_[0];
    double total = dsum[0];
    for (int t = 1; t < nt; ++t) {
      yv += partial_[t];
      total += dsum[t];
    }
    if (mean_) yv -= total * *mean_;
    if (shift_ != 0.0) yv += shift_ * Eigen::Map<const Eigen::VectorXd>(x, m);
  }

 public:

 private:
  const SparseView& X_;
  const DenseVector* mean_;
  bool right_;
  int threads_;
  double shift_ = 0.0;
  mutable DenseMatrix in_, mid_, out_;
  mutable std::vector<Eigen::VectorXd> partial_;
  mutable long long applications_ = 0;
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

/// Orders the triplets by descending s, and fixes each sign so that the
/// largest-|.| entry of each column of V is positive (svd_flip on V).
void sort_and_flip(TruncatedSvdResult& r) {
  const Index k = r.s.size();
  std::vector<Index> order(static_cast<size_t>(k));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return r.s[a] > r.s[b]; });
  DenseMatrix U(r.U.rows(), k), V(r.V.rows(), k);
  DenseVector s(k);
  for (Index j = 0; j < k; ++j) {
    const Index o = order[j];
    s[j] = r.s[o];
    U.col(j) = r.U.col(o);
    V.col(j) = r.V.col(o);
    if (V.rows() > 0) {
      Index arg = 0;
      V.col(j).cwiseAbs().maxCoeff(&arg);
      if (V(arg, j) < 0) {
        V.col(j) = -V.col(j);
        U.col(j) = -U.col(j);
      }
    }
  }
  r.U = std::move(U);
  r.V = std::move(V);
  r.s = std::move(s);
}

/// Given orthonormal directions D on one side, computes the other side:
/// W = Xc V (or Xc^T U), s_j = ||W_j||, and normalizes W.
void complete_from_side(const SparseView& X, const DenseVector* mu, bool right, const DenseMatrix& D, int threads,
                        TruncatedSvdResult& r) {
  DenseMatrix W;
  if (right) centered_spmm(X, mu, D, W, threads);
  else centered_spmm_transpose(X, mu, D, W, threads);
  const Index k = D.cols();
  r.s.resize(k);
  for (Index j = 0; j < k; ++j) {
    const double norm = W.col(j).norm();
    r.s[j] = norm;
    if (norm > 0) W.col(j) /= norm;
    else W.col(j).setZero();
  }
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

/// Lanczos on the Gram operator; returns false when fewer than k Ritz pairs converged.
bool lanczos(GramOp& op, int k, Index ncv, int max_iter, double tol, std::uint64_t seed, DenseMatrix& vectors,
             int& iterations) {
  Spectra::SymEigsSolver<GramOp> solver(op, k, ncv);
  Random rng(seed);
  Eigen::VectorXd v0(op.rows());
  for (Index i = 0; i < v0.size(); ++i) v0[i] = rng.normal();
  solver.init(v0.data());
  solver.compute(Spectra::SortRule::LargestAlge, max_iter, tol, Spectra::SortRule::LargestAlge);
  iterations += static_cast<int>(solver.num_iterations());
  if (solver.info() != Spectra::CompInfo::Successful) return false;
  vectors = solver.eigenvectors(k);
  return vectors.cols() == k;
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
  require_argument(o.ncv == 0 || o.ncv > o.k, "ncv", "0 (automatic) or > k = " + std::to_string(o.k),
                   std::to_string(o.ncv));
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
    const Index ncv = o.ncv > 0 ? std::min<Index>(o.ncv, dim) : std::min<Index>(dim, std::max(2 * o.k + 1, 20));
    if (ncv >= dim || o.k >= dim) {
      // The Krylov space would be the whole side: the exact dense SVD costs less.
      dense_svd(X, center, right, o.k, threads, r);
      r.operations = 1;
    } else {
      const double tol = o.tol > 0 ? o.tol : 1e-12;
      GramOp op(X, center, right, threads);
      DenseMatrix vectors;
      bool ok = lanczos(op, o.k, ncv, o.max_iter, tol, o.seed, vectors, r.iterations);
      if (!ok) {
        // Spectra's test is relative to each Ritz value, which (numerically)
        // zero eigenvalues of a rank-deficient Gram never pass. Shifting by the
        // trace changes neither the eigenvectors nor the Krylov spaces, and
        // makes the test relative to the largest eigenvalues instead.
        const double trace = o.center ? ssd : squared_frobenius_norm(X);
        op.set_shift(trace > 0 ? trace : 1.0);
        ok = lanczos(op, o.k, ncv, o.max_iter, tol, o.seed, vectors, r.iterations);
      }
      r.operations = op.applications();
      if (ok) {
        complete_from_side(X, center, right, vectors, threads, r);
      } else {
        // Still short of k converged pairs: fall back on a well-iterated
        // randomized SVD and say so in the status.
        RandomizedSvdOptions ro;
        ro.k = o.k;
        ro.oversample = std::max(o.oversample, 10);
        ro.power_iterations = 20;
        ro.seed = o.seed;
        ro.threads = threads;
        ro.mean = center;
        SvdResult s = randomized_svd(X, ro);
        r.U = std::move(s.U);
        r.s = std::move(s.s);
        r.V = std::move(s.V);
        r.status = SvdStatus::NotConverged;
      }
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
    for (Index j = 0; j < k; ++j) {
      const double mean_u = r.U.col(j).sum() / static_cast<double>(n);
      const double var_u = r.U.col(j).squaredNorm() / static_cast<double>(n) - mean_u * mean_u;
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
