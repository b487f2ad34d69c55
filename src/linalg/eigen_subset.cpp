#include "strata/linalg/eigen_subset.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "strata/core/random.hpp"

namespace strata {

namespace {

/// LU with partial pivoting of a tridiagonal matrix (LAPACK's dgttrf), and
/// solves with it (dgtts2). Zero pivots become `tiny`: inverse iteration
/// shifts by an eigenvalue, so T - mu I is singular or nearly so by design,
/// and a huge solution is what it wants.
struct TridiagonalLu {
  Eigen::VectorXd dl, d, du, du2;  // multipliers, U's diagonal and two superdiagonals
  std::vector<char> swapped;       // row i exchanged with row i + 1

  TridiagonalLu(const Eigen::VectorXd& diag, const Eigen::VectorXd& sub, double mu, double tiny) {
    const Index n = diag.size();
    d = diag.array() - mu;
    dl = sub;
    du = sub;
    du2 = Eigen::VectorXd::Zero(std::max<Index>(n - 2, 0));
    swapped.assign(static_cast<size_t>(std::max<Index>(n - 1, 0)), 0);
    for (Index i = 0; i + 1 < n; ++i) {
      if (std::abs(d[i]) >= std::abs(dl[i])) {
        if (d[i] == 0.0) d[i] = tiny;
        const double f = dl[i] / d[i];
        dl[i] = f;
        d[i + 1] -= f * du[i];
      } else {
        swapped[i] = 1;
        const double f = d[i] / dl[i];
        d[i] = dl[i];
        dl[i] = f;
        const double t = du[i];
        du[i] = d[i + 1];
        d[i + 1] = t - f * d[i + 1];
        if (i + 2 < n) {
          du2[i] = du[i + 1];
          du[i + 1] = -f * du[i + 1];
        }
      }
    }
    if (n > 0 && d[n - 1] == 0.0) d[n - 1] = tiny;
  }

  /// b <- (T - mu I)^{-1} b.
  void solve(Eigen::VectorXd& b) const {
    const Index n = d.size();
    for (Index i = 0; i + 1 < n; ++i) {
      if (!swapped[i]) {
        b[i + 1] -= dl[i] * b[i];
      } else {
        const double t = b[i];
        b[i] = b[i + 1];
        b[i + 1] = t - dl[i] * b[i];
      }
    }
    for (Index i = n - 1; i >= 0; --i) {
      double s = b[i];
      if (i + 1 < n) s -= du[i] * b[i + 1];
      if (i + 2 < n) s -= du2[i] * b[i + 2];
      b[i] = s / d[i];
    }
  }
};

}  // namespace

SymmetricEigenSubset::SymmetricEigenSubset(const Eigen::MatrixXd& A) : A_(A), tri_(A) {
  diag_ = tri_.diagonal();
  sub_ = tri_.subDiagonal();
  const Index n = diag_.size();
  for (Index i = 0; i < n; ++i) {
    double row = std::abs(diag_[i]);
    if (i > 0) row += std::abs(sub_[i - 1]);
    if (i + 1 < n) row += std::abs(sub_[i]);
    norm_ = std::max(norm_, row);
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> values;
  values.computeFromTridiagonal(diag_, sub_, Eigen::EigenvaluesOnly);
  ok_ = values.info() == Eigen::Success;
  if (ok_) values_ = values.eigenvalues();
}

bool SymmetricEigenSubset::eigenvectors(const std::vector<Index>& indices, Eigen::MatrixXd& Z) const {
  const Index n = diag_.size(), r = static_cast<Index>(indices.size());
  if (!ok_) return false;
  for (const Index i : indices)
    if (i < 0 || i >= n) return false;
  constexpr double eps = std::numeric_limits<double>::epsilon();
  const double cluster = 1e-3 * norm_, separation = 10 * eps * norm_, tiny = eps * std::max(norm_, 1e-300);
  // Ascending order, so that a cluster's members are consecutive.
  std::vector<Index> order(static_cast<size_t>(r));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](Index a, Index b) { return values_[indices[a]] < values_[indices[b]]; });
  Eigen::MatrixXd Y(n, r);
  Random rng(0x5eed);
  Index cluster_begin = 0;
  double previous_mu = 0.0;
  for (Index a = 0; a < r; ++a) {
    const Index j = order[a];
    const double lambda = values_[indices[j]];
    if (a > 0 && lambda - values_[indices[order[a - 1]]] > cluster) cluster_begin = a;
    // Equal shifts would give the same vector: a cluster's shifts are spread apart.
    double mu = lambda;
    if (a > cluster_begin && mu < previous_mu + separation) mu = previous_mu + separation;
    previous_mu = mu;
    const TridiagonalLu lu(diag_, sub_, mu, tiny);
    Eigen::VectorXd x(n);
    for (Index i = 0; i < n; ++i) x[i] = rng.uniform() - 0.5;
    for (int it = 0; it < 4; ++it) {
      x /= std::max(x.cwiseAbs().maxCoeff(), 1e-300);
      lu.solve(x);
      for (Index b = cluster_begin; b < a; ++b) {
        const auto y = Y.col(order[b]);
        x -= y.dot(x) * y;
      }
      const double norm = x.norm();
      if (!(norm > 0.0) || !std::isfinite(norm)) return false;
      x /= norm;
    }
    Y.col(j) = x;
  }
  Z = tri_.matrixQ() * Y;
  // Verified in A's terms: the caller falls back to a full eigensolver otherwise.
  const double tol = 1e-9 * std::max(norm_, 1e-300);
  for (Index j = 0; j < r; ++j) {
    const double residual = (A_.selfadjointView<Eigen::Lower>() * Z.col(j) - values_[indices[j]] * Z.col(j)).norm();
    if (!(residual <= tol)) return false;
  }
  const Eigen::MatrixXd gram = Z.transpose() * Z;
  return (gram - Eigen::MatrixXd::Identity(r, r)).cwiseAbs().maxCoeff() <= 1e-9;
}

}  // namespace strata
