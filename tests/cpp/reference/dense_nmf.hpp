#pragma once
// Plain dense reference implementations (textbook formulas, no tricks) that the
// optimized sparse solvers are checked against.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <vector>

#include "strata/core/sparse.hpp"
#include "strata/linalg/dense.hpp"

namespace strata::reference {

using Mat = Eigen::MatrixXd;

inline Mat dense(const SparseView& X) {
  Mat D = Mat::Zero(X.rows, X.cols);
  for (Index i = 0; i < X.rows; ++i)
    for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) D(i, X.indices[p]) += X.data[p];
  return D;
}

/// One HALS update of W (one sweep over the columns), Cichocki & Phan.
inline void hals_update_W(const Mat& X, Mat& W, const Mat& H, double l1 = 0, double l2 = 0) {
  const Mat XHt = X * H.transpose();
  const Mat HHt = H * H.transpose();
  for (Index t = 0; t < W.cols(); ++t) {
    Eigen::VectorXd col = W.col(t) + (XHt.col(t) - W * HHt.col(t) - Eigen::VectorXd::Constant(W.rows(), l1) - l2 * W.col(t)) / (HHt(t, t) + l2);
    W.col(t) = col.cwiseMax(0.0);
  }
}

/// Lawson-Hanson active-set NNLS for min 0.5 x^T G x - b^T x, x >= 0.
inline Eigen::VectorXd nnls(const Mat& G, const Eigen::VectorXd& b) {
  const Index k = G.rows();
  Eigen::VectorXd x = Eigen::VectorXd::Zero(k);
  std::vector<bool> P(static_cast<size_t>(k), false);
  for (int outer = 0; outer < 10 * k + 10; ++outer) {
    const Eigen::VectorXd w = b - G * x;
    Index best = -1;
    double wmax = 1e-12 * (b.cwiseAbs().maxCoeff() + 1e-300);
    for (Index t = 0; t < k; ++t)
      if (!P[t] && w[t] > wmax) { wmax = w[t]; best = t; }
    if (best < 0) break;
    P[best] = true;
    while (true) {
      std::vector<Index> idx;
      for (Index t = 0; t < k; ++t) if (P[t]) idx.push_back(t);
      Mat Gp(idx.size(), idx.size());
      Eigen::VectorXd bp(idx.size());
      for (size_t a = 0; a < idx.size(); ++a) {
        bp[a] = b[idx[a]];
        for (size_t c = 0; c < idx.size(); ++c) Gp(a, c) = G(idx[a], idx[c]);
      }
      const Eigen::VectorXd z = Gp.ldlt().solve(bp);
      if (z.minCoeff() > 0) {
        x.setZero();
        for (size_t a = 0; a < idx.size(); ++a) x[idx[a]] = z[a];
        break;
      }
      double alpha = 1.0;
      for (size_t a = 0; a < idx.size(); ++a)
        if (z[a] <= 0) alpha = std::min(alpha, x[idx[a]] / (x[idx[a]] - z[a]));
      for (size_t a = 0; a < idx.size(); ++a) x[idx[a]] += alpha * (z[a] - x[idx[a]]);
      for (size_t a = 0; a < idx.size(); ++a)
        if (x[idx[a]] <= 1e-15) { x[idx[a]] = 0; P[idx[a]] = false; }
    }
  }
  return x;
}

/// Generalized KL divergence D(X || WH) over all entries (0 log 0 = 0).
inline double kl(const Mat& X, const Mat& W, const Mat& H) {
  const Mat Y = W * H;
  double d = 0;
  for (Index i = 0; i < X.rows(); ++i)
    for (Index j = 0; j < X.cols(); ++j) {
      const double x = X(i, j), y = Y(i, j);
      d += (x > 0 ? x * std::log(x / y) : 0.0) - x + y;
    }
  return d;
}

/// One KL multiplicative update of W then H (Lee & Seung).
inline void kl_mu(const Mat& X, Mat& W, Mat& H) {
  Mat R = X.array() / (W * H).array();
  W = W.array() * (R * H.transpose()).array() / (Eigen::VectorXd::Ones(X.rows()) * H.rowwise().sum().transpose()).array();
  R = X.array() / (W * H).array();
  H = H.array() * (W.transpose() * R).array() / (W.colwise().sum().transpose() * Eigen::RowVectorXd::Ones(X.cols())).array();
}

}  // namespace strata::reference
