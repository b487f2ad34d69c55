// Thick-restart block Lanczos (linalg/block_lanczos.hpp) against Eigen's
// dense symmetric eigensolver: eigenvalues, residuals and orthonormality for
// several block and basis sizes, clustered and repeated eigenvalues, exact
// zero eigenvalues (invariant subspaces), determinism and argument checks.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/block_lanczos.hpp"

using namespace strata;
using Eigen::Index;

namespace {

/// A = Q diag(values) Q^T with a random orthogonal Q.
Eigen::MatrixXd with_spectrum(const Eigen::VectorXd& values, std::uint64_t seed) {
  Random rng(seed);
  const Index n = values.size();
  Eigen::MatrixXd G(n, n);
  for (Index i = 0; i < G.size(); ++i) G.data()[i] = rng.normal();
  const Eigen::MatrixXd Q = Eigen::HouseholderQR<Eigen::MatrixXd>(G).householderQ();
  return Q * values.asDiagonal() * Q.transpose();
}

BlockOperator dense_operator(const Eigen::MatrixXd& A) {
  return [A](const DenseMatrix& in, DenseMatrix& out) { out = A * in; };
}

/// A slowly decaying spectrum with a cluster and a repeated value near the
/// wanted edge: hard for a single-vector method, the case blocks are for.
Eigen::VectorXd hard_spectrum(Index n) {
  Eigen::VectorXd v(n);
  for (Index i = 0; i < n; ++i) v[i] = 10.0 / (1.0 + 0.05 * static_cast<double>(i));
  v[5] = v[6] = v[7];           // a triple eigenvalue inside the wanted set
  v[11] = v[10] * (1 - 1e-9);   // a near-double one at its edge
  return v;
}

void expect_top_pairs(const BlockLanczosResult& r, const Eigen::MatrixXd& A, int k, double tol) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(A);
  const Eigen::VectorXd expected = eig.eigenvalues().reverse().head(k);
  ASSERT_EQ(r.values.size(), k);
  ASSERT_EQ(r.vectors.cols(), k);
  const double scale = expected[0];
  for (int i = 0; i < k; ++i) EXPECT_NEAR(r.values[i], expected[i], tol * scale) << i;
  const Eigen::MatrixXd V = r.vectors;
  EXPECT_LT((V.transpose() * V - Eigen::MatrixXd::Identity(k, k)).cwiseAbs().maxCoeff(), 1e-10);
  const Eigen::MatrixXd R = A * V - V * r.values.asDiagonal();
  EXPECT_LT(R.colwise().norm().maxCoeff(), 1e-6 * scale);
}

}  // namespace

TEST(BlockLanczos, TopEigenpairsOfAHardSpectrumForSeveralBlockSizes) {
  const Index n = 300;
  const Eigen::MatrixXd A = with_spectrum(hard_spectrum(n), 3);
  for (int block : {3, 4, 8}) {  // blocks of at least the multiplicity (3)
    for (int basis : {0, 40}) {
      BlockLanczosOptions o;
      o.k = 12;
      o.block = block;
      o.basis = basis;
      o.tol = 1e-10;
      const BlockLanczosResult r = block_lanczos(dense_operator(A), n, o);
      SCOPED_TRACE("block " + std::to_string(block) + ", basis " + std::to_string(basis));
      EXPECT_TRUE(r.converged);
      EXPECT_GT(r.applications, 0);
      expect_top_pairs(r, A, 12, 1e-10);
    }
  }
}

TEST(BlockLanczos, SingleVectorFindsSimpleEigenvalues) {
  const Index n = 300;
  Eigen::VectorXd values = hard_spectrum(n);
  values[6] *= 1.01;  // no repeated eigenvalue; the near-double one stays
  values[5] *= 1.02;
  const Eigen::MatrixXd A = with_spectrum(values, 3);
  BlockLanczosOptions o;
  o.k = 12;
  o.block = 1;
  o.tol = 1e-10;
  const BlockLanczosResult r = block_lanczos(dense_operator(A), n, o);
  EXPECT_TRUE(r.converged);
  expect_top_pairs(r, A, 12, 1e-9);
}

TEST(BlockLanczos, ZeroEigenvaluesAndInvariantSubspacesConverge) {
  // Rank 3 with k = 6: the first block application already spans the range,
  // so later blocks break down and continue with random directions; the
  // wanted zero eigenvalues converge (the test is relative to the largest).
  const Index n = 80;
  Eigen::VectorXd values = Eigen::VectorXd::Zero(n);
  values.head(3) << 5.0, 2.0, 1.0;
  const Eigen::MatrixXd A = with_spectrum(values, 9);
  BlockLanczosOptions o;
  o.k = 6;
  o.block = 4;
  const BlockLanczosResult r = block_lanczos(dense_operator(A), n, o);
  EXPECT_TRUE(r.converged);
  expect_top_pairs(r, A, 6, 1e-10);
}

TEST(BlockLanczos, DeterministicForASeedAndAThreadCount) {
  const Index n = 4000;  // several row blocks: both threads work
  Eigen::VectorXd values(n);
  for (Index i = 0; i < n; ++i) values[i] = 1.0 / (1.0 + static_cast<double>(i));
  const BlockOperator diagonal = [values](const DenseMatrix& in, DenseMatrix& out) {
    out = values.asDiagonal() * in;
  };
  BlockLanczosOptions o;
  o.k = 5;
  o.block = 2;
  o.threads = 2;
  o.seed = 7;
  const auto a = block_lanczos(diagonal, n, o), b = block_lanczos(diagonal, n, o);
  EXPECT_TRUE(a.converged);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.vectors, b.vectors);
  o.threads = 1;
  const auto c = block_lanczos(diagonal, n, o);
  EXPECT_LT((a.values - c.values).cwiseAbs().maxCoeff(), 1e-12);
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(a.values[i], 1.0 / (1.0 + i), 1e-12);
}

TEST(BlockLanczos, ReportsWhenRestartsRunOut) {
  const Index n = 300;
  const Eigen::MatrixXd A = with_spectrum(hard_spectrum(n), 4);
  BlockLanczosOptions o;
  o.k = 12;
  o.block = 2;
  o.basis = 28;
  o.tol = 1e-14;
  o.max_restarts = 0;
  const BlockLanczosResult r = block_lanczos(dense_operator(A), n, o);
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.restarts, 0);
  EXPECT_EQ(r.values.size(), 12);  // the current Ritz pairs, still usable
}

TEST(BlockLanczos, RejectsBadOptions) {
  const Eigen::MatrixXd A = Eigen::MatrixXd::Identity(10, 10);
  auto run = [&](auto change) {
    BlockLanczosOptions o;
    o.k = 2;
    o.block = 2;
    change(o);
    return block_lanczos(dense_operator(A), 10, o);
  };
  EXPECT_THROW(run([](BlockLanczosOptions& o) { o.k = 0; }), ArgumentError);
  EXPECT_THROW(run([](BlockLanczosOptions& o) { o.block = 0; }), ArgumentError);
  EXPECT_THROW(run([](BlockLanczosOptions& o) { o.tol = 0; }), ArgumentError);
  EXPECT_THROW(run([](BlockLanczosOptions& o) { o.k = 7; }), ArgumentError);  // k + 2 b > 10
  EXPECT_NO_THROW(run([](BlockLanczosOptions&) {}));
}
