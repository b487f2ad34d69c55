// The exact NNLS that reports supports (Neural NMF's q) against Lawson &
// Hanson's active-set method, on random and degenerate problems.
#include <gtest/gtest.h>

#include <algorithm>

#include "reference/lawson_hanson.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/nnls.hpp"

using namespace strata;

namespace {

Eigen::MatrixXd random_matrix(Index rows, Index cols, std::uint64_t seed, double shift = 0.0) {
  Random rng(seed);
  Eigen::MatrixXd A(rows, cols);
  for (Index i = 0; i < A.size(); ++i) A.data()[i] = rng.uniform() + shift;
  return A;
}

double objective(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, const Eigen::VectorXd& x) {
  return 0.5 * (A * x - b).squaredNorm();
}

/// Solves min ||A x - b_i|| for every column b_i of Bcols with nnls_bpp (Gram
/// form) and compares with Lawson-Hanson. `unique`: the solution is unique
/// (A of full column rank), so x and the support must match, not only the
/// objective.
void compare_with_lawson_hanson(const Eigen::MatrixXd& A, const Eigen::MatrixXd& Bcols, bool unique) {
  const Index k = A.cols(), n = Bcols.cols();
  const DenseMatrix G = A.transpose() * A;
  const DenseMatrix rhs = (A.transpose() * Bcols).transpose();  // n x k, one problem per row
  for (int threads : {1, 2}) {
    DenseMatrix F = DenseMatrix::Zero(n, k);
    NnlsSupports supports;
    EXPECT_EQ(nnls_bpp(F, rhs, G, 0.0, 0.0, threads, supports), 0);
    ASSERT_EQ(static_cast<Index>(supports.row_set.size()), n);
    for (Index i = 0; i < n; ++i) {
      const Eigen::VectorXd b = Bcols.col(i);
      const auto ref = reference::lawson_hanson(A, b);
      const Eigen::VectorXd x = F.row(i).transpose();
      const double scale = std::max(1.0, b.squaredNorm());
      EXPECT_NEAR(objective(A, b, x), objective(A, b, ref.x), 1e-10 * scale) << "row " << i;
      EXPECT_GE(x.minCoeff(), 0.0);
      const auto& P = supports.sets.at(static_cast<size_t>(supports.row_set[i]));
      EXPECT_TRUE(std::is_sorted(P.begin(), P.end()));
      // Off the support x is zero; on it the gradient vanishes; off it, it is >= 0 (KKT).
      const Eigen::VectorXd grad = G * x - rhs.row(i).transpose();
      for (Index t = 0; t < k; ++t) {
        const bool in_p = std::binary_search(P.begin(), P.end(), t);
        if (!in_p) EXPECT_EQ(x[t], 0.0) << "row " << i << " index " << t;
        if (in_p) EXPECT_NEAR(grad[t], 0.0, 1e-9 * scale) << "row " << i << " index " << t;
        else EXPECT_GE(grad[t], -1e-9 * scale) << "row " << i << " index " << t;
      }
      if (unique) {
        EXPECT_LT((x - ref.x).cwiseAbs().maxCoeff(), 1e-9 * std::max(1.0, ref.x.cwiseAbs().maxCoeff())) << "row " << i;
        // Same support, up to entries that are zero in the solution anyway.
        for (Index t = 0; t < k; ++t) {
          const bool in_p = std::binary_search(P.begin(), P.end(), t);
          const bool in_ref = std::binary_search(ref.passive.begin(), ref.passive.end(), t);
          if (in_p != in_ref) EXPECT_LT(std::abs(ref.x[t]), 1e-9) << "row " << i << " index " << t;
        }
      }
    }
    // The numbering is a function of the sets: equal ids <=> equal sets, every set used.
    std::vector<char> used(supports.sets.size(), 0);
    for (auto id : supports.row_set) used.at(static_cast<size_t>(id)) = 1;
    EXPECT_TRUE(std::all_of(used.begin(), used.end(), [](char u) { return u; }));
    for (size_t a = 0; a < supports.sets.size(); ++a)
      for (size_t c = a + 1; c < supports.sets.size(); ++c) EXPECT_NE(supports.sets[a], supports.sets[c]);
  }
}

}  // namespace

TEST(NnlsSupports, MatchesLawsonHansonOnRandomProblems) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const Eigen::MatrixXd A = random_matrix(40, 9, seed);
    const Eigen::MatrixXd B = random_matrix(40, 60, seed + 100, -0.45);  // many active constraints
    compare_with_lawson_hanson(A, B, true);
  }
}

TEST(NnlsSupports, RankDeficientGram) {
  // More unknowns than equations, and a column equal to the sum of two others.
  compare_with_lawson_hanson(random_matrix(5, 8, 4), random_matrix(5, 30, 5, -0.3), false);
  Eigen::MatrixXd A = random_matrix(30, 6, 6);
  A.col(5) = A.col(0) + A.col(1);
  compare_with_lawson_hanson(A, random_matrix(30, 30, 7, -0.2), false);
}

TEST(NnlsSupports, ZeroRowsAndDeadColumnsAndTies) {
  Eigen::MatrixXd A = random_matrix(20, 6, 8);
  A.col(2).setZero();        // a dead component: G has a zero row and column
  A.col(4) = A.col(3);       // a tie: two identical columns
  Eigen::MatrixXd B = random_matrix(20, 25, 9, -0.3);
  B.col(0).setZero();        // a zero right-hand side: x = 0, empty support
  B.col(1) = -B.col(1).cwiseAbs();  // all negative: x = 0
  B.col(2) = A.col(3);       // exactly on the tied columns
  compare_with_lawson_hanson(A, B, false);
  const DenseMatrix G = A.transpose() * A;
  DenseMatrix F = DenseMatrix::Zero(25, 6);
  NnlsSupports s;
  nnls_bpp(F, (A.transpose() * B).transpose(), G, 0.0, 0.0, 1, s);
  EXPECT_TRUE(s.sets[static_cast<size_t>(s.row_set[0])].empty());
  EXPECT_EQ(F.row(0).norm(), 0.0);
  for (Index i = 0; i < 25; ++i) EXPECT_EQ(F(i, 2), 0.0);
}

TEST(NnlsSupports, SolveOnSupportsMatchesDenseSolves) {
  const Eigen::MatrixXd A = random_matrix(30, 7, 10);
  const DenseMatrix G = A.transpose() * A;
  const DenseMatrix rhs = (A.transpose() * random_matrix(30, 40, 11, -0.4)).transpose();
  DenseMatrix F = DenseMatrix::Zero(40, 7);
  NnlsSupports s;
  nnls_bpp(F, rhs, G, 0.0, 0.0, 2, s);
  const DenseMatrix R = random_matrix(40, 7, 12, -0.5);
  for (int threads : {1, 2}) {
    DenseMatrix Z;
    solve_on_supports(G, s, R, Z, threads);
    for (Index i = 0; i < 40; ++i) {
      const auto& P = s.sets[static_cast<size_t>(s.row_set[i])];
      const auto p = static_cast<Index>(P.size());
      Eigen::MatrixXd Gp(p, p);
      Eigen::VectorXd rp(p);
      for (Index a = 0; a < p; ++a) {
        rp[a] = R(i, P[a]);
        for (Index c = 0; c < p; ++c) Gp(a, c) = G(P[a], P[c]);
      }
      Eigen::VectorXd expected = Eigen::VectorXd::Zero(7);
      if (p > 0) {
        const Eigen::VectorXd zp = Gp.fullPivLu().solve(rp);
        for (Index a = 0; a < p; ++a) expected[P[a]] = zp[a];
      }
      EXPECT_LT((Z.row(i).transpose() - expected).cwiseAbs().maxCoeff(), 1e-9) << "row " << i;
    }
  }
}
