#pragma once
// Lawson & Hanson's active-set NNLS (Solving Least Squares Problems, 1974,
// chapter 23) in its original data form, min ||A x - b||_2 over x >= 0, as a
// plain reference for the Gram-form block principal pivoting of nnls.hpp.
// Least-squares subproblems use a complete orthogonal decomposition, so a
// rank-deficient A gives the minimum-norm subproblem solution instead of a
// failure.
#include <Eigen/Dense>
#include <algorithm>
#include <vector>

#include "strata/core/sparse.hpp"

namespace strata::reference {

struct LawsonHansonResult {
  Eigen::VectorXd x;
  std::vector<Index> passive;  ///< the final passive set P, sorted
};

inline LawsonHansonResult lawson_hanson(const Eigen::MatrixXd& A, const Eigen::VectorXd& b) {
  const Index k = A.cols();
  Eigen::VectorXd x = Eigen::VectorXd::Zero(k);
  std::vector<bool> in_p(static_cast<size_t>(k), false);
  const double tol = 1e-12 * std::max(1.0, (A.transpose() * b).cwiseAbs().maxCoeff());
  auto members = [&] {
    std::vector<Index> P;
    for (Index t = 0; t < k; ++t)
      if (in_p[t]) P.push_back(t);
    return P;
  };
  // z = argmin ||A_P z - b|| scattered to k entries (zero off P).
  auto solve_p = [&](const std::vector<Index>& P) {
    Eigen::MatrixXd Ap(A.rows(), static_cast<Index>(P.size()));
    for (size_t a = 0; a < P.size(); ++a) Ap.col(static_cast<Index>(a)) = A.col(P[a]);
    const Eigen::VectorXd zp = Ap.completeOrthogonalDecomposition().solve(b);
    Eigen::VectorXd z = Eigen::VectorXd::Zero(k);
    for (size_t a = 0; a < P.size(); ++a) z[P[a]] = zp[static_cast<Index>(a)];
    return z;
  };
  for (int outer = 0; outer < 3 * k + 10; ++outer) {
    const Eigen::VectorXd w = A.transpose() * (b - A * x);  // the negative gradient
    Index best = -1;
    double wmax = tol;
    for (Index t = 0; t < k; ++t)
      if (!in_p[t] && w[t] > wmax) wmax = w[t], best = t;
    if (best < 0) break;  // Kuhn-Tucker conditions hold
    in_p[best] = true;
    for (int inner = 0; inner < 3 * k + 10; ++inner) {
      const auto P = members();
      const Eigen::VectorXd z = solve_p(P);
      double alpha = 2.0;
      for (Index t : P)
        if (z[t] <= 0) alpha = std::min(alpha, x[t] / (x[t] - z[t]));
      if (alpha > 1.0) {  // z is feasible
        x = z;
        break;
      }
      x += alpha * (z - x);
      for (Index t : P)
        if (x[t] <= 1e-14) x[t] = 0.0, in_p[t] = false;
    }
  }
  return {x, members()};
}

}  // namespace strata::reference
