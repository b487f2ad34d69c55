#pragma once
// Plain dense SSNMF (Lee, Yoo & Choi 2010; Haddock et al. 2020) for checking
// the sparse solver: the papers' multiplicative updates written with full
// matrices, the one-hot Y and the mask L, and exact block coordinate descent
// by Lawson-Hanson NNLS. Orientation: X (n x m) ~ W H, Y (n x c) ~ W B.
#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <vector>

#include "dense_nmf.hpp"

namespace strata::reference {

struct DenseSsnmfProblem {
  Mat X;                           ///< n x m
  Mat Y;                           ///< n x c one-hot (zero rows for unlabeled documents)
  Mat L;                           ///< n x c mask: ones on labeled rows, zeros elsewhere
  double lambda = 1.0;
  bool data_kl = false, label_kl = false;
};

inline DenseSsnmfProblem make_problem(const Mat& X, const std::vector<std::int32_t>& codes, Index classes,
                                      double lambda, bool data_kl, bool label_kl) {
  DenseSsnmfProblem p;
  p.X = X;
  p.Y = Mat::Zero(X.rows(), classes);
  p.L = Mat::Zero(X.rows(), classes);
  for (Index i = 0; i < X.rows(); ++i)
    if (codes[static_cast<size_t>(i)] >= 0) {
      p.Y(i, codes[static_cast<size_t>(i)]) = 1.0;
      p.L.row(i).setOnes();
    }
  p.lambda = lambda;
  p.data_kl = data_kl;
  p.label_kl = label_kl;
  return p;
}

/// Generalized I-divergence sum over the entries where `weight` is 1 (0 log 0 = 0).
inline double i_divergence(const Mat& A, const Mat& V, const Mat& weight) {
  double s = 0;
  for (Index i = 0; i < A.rows(); ++i)
    for (Index j = 0; j < A.cols(); ++j) {
      if (weight(i, j) == 0) continue;
      const double a = A(i, j), v = V(i, j);
      s += (a > 0 ? a * std::log(a / v) : 0.0) - a + v;
    }
  return s;
}

/// {data term, label term} of the objective (Frobenius terms carry the 1/2).
inline std::pair<double, double> ssnmf_terms(const DenseSsnmfProblem& p, const Mat& W, const Mat& H, const Mat& B) {
  const Mat WH = W * H, WB = W * B;
  const double data = p.data_kl ? i_divergence(p.X, WH, Mat::Ones(p.X.rows(), p.X.cols()))
                                : 0.5 * (p.X - WH).squaredNorm();
  const double label = p.label_kl ? i_divergence(p.Y, WB, p.L) : 0.5 * p.L.cwiseProduct(p.Y - WB).squaredNorm();
  return {data, label};
}

/// One round of the papers' multiplicative updates, W then H then B:
/// each factor times (negative part of its gradient) / (positive part).
inline void ssnmf_mu_step(const DenseSsnmfProblem& p, Mat& W, Mat& H, Mat& B) {
  const double lam = p.lambda;
  auto ratio = [](const Mat& A, const Mat& V) { return A.cwiseQuotient(V); };
  {
    const Mat WH = W * H, WB = W * B;
    Mat num = p.data_kl ? Mat(ratio(p.X, WH) * H.transpose()) : Mat(p.X * H.transpose());
    Mat den = p.data_kl ? Mat(Mat::Ones(p.X.rows(), p.X.cols()) * H.transpose()) : Mat(WH * H.transpose());
    if (p.label_kl) {
      num += lam * ratio(p.L.cwiseProduct(p.Y), WB) * B.transpose();
      den += lam * p.L * B.transpose();
    } else {
      num += lam * p.L.cwiseProduct(p.Y) * B.transpose();
      den += lam * p.L.cwiseProduct(WB) * B.transpose();
    }
    W = W.cwiseProduct(num).cwiseQuotient(den);
  }
  {
    const Mat WH = W * H;
    const Mat num = p.data_kl ? Mat(W.transpose() * ratio(p.X, WH)) : Mat(W.transpose() * p.X);
    const Mat den = p.data_kl ? Mat(W.transpose() * Mat::Ones(p.X.rows(), p.X.cols())) : Mat(W.transpose() * WH);
    H = H.cwiseProduct(num).cwiseQuotient(den);
  }
  {
    const Mat WB = W * B;
    const Mat num = p.label_kl ? Mat(W.transpose() * ratio(p.L.cwiseProduct(p.Y), WB))
                               : Mat(W.transpose() * p.L.cwiseProduct(p.Y));
    const Mat den = p.label_kl ? Mat(W.transpose() * p.L) : Mat(W.transpose() * p.L.cwiseProduct(WB));
    B = B.cwiseProduct(num).cwiseQuotient(den);
  }
}

/// One round of exact block coordinate descent (Frobenius terms), W then H
/// then B, every row / column an NNLS solved by Lawson-Hanson: row i of W
/// minimizes 0.5||x_i - w H||^2 + 0.5 lambda l_i ||y_i - w B||^2.
inline void ssnmf_exact_step(const DenseSsnmfProblem& p, Mat& W, Mat& H, Mat& B) {
  const Mat HHt = H * H.transpose(), BBt = B * B.transpose();
  for (Index i = 0; i < W.rows(); ++i) {
    const double li = p.L(i, 0);
    const Mat G = HHt + p.lambda * li * BBt;
    const Eigen::VectorXd b = H * p.X.row(i).transpose() + p.lambda * li * B * p.Y.row(i).transpose();
    W.row(i) = nnls(G, b).transpose();
  }
  const Mat WtW = W.transpose() * W;
  for (Index j = 0; j < H.cols(); ++j) H.col(j) = nnls(WtW, W.transpose() * p.X.col(j));
  Mat WL = W;
  for (Index i = 0; i < W.rows(); ++i) WL.row(i) *= p.L(i, 0);
  const Mat G = WL.transpose() * WL;
  for (Index c = 0; c < B.cols(); ++c) B.col(c) = nnls(G, WL.transpose() * p.Y.col(c));
}

}  // namespace strata::reference
