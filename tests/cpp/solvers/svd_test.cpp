// Truncated SVD / PCA (solvers/svd.hpp) against Eigen's dense SVD of the
// (centered) matrix: singular values, subspaces, orthonormality, signs,
// explained variance, determinism and argument checks.
#include <gtest/gtest.h>

#include <Eigen/SVD>

#include "reference/dense_nmf.hpp"
#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/solvers/svd.hpp"

using namespace strata;

namespace {
SparseMatrix random_sparse(Index n, Index m, double density, std::uint64_t seed, double offset = 0.0) {
  Random rng(seed);
  std::vector<Triplet> t;
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < m; ++j)
      if (rng.uniform() < density) t.push_back({i, static_cast<ColIndex>(j), offset + rng.uniform() * 3});
  return csr_from_triplets(n, m, std::move(t));
}

/// A rank-r signal (geometrically decaying singular values) plus sparse noise:
/// well-separated leading singular values for the randomized method.
SparseMatrix low_rank_plus_noise(Index n, Index m, int r, std::uint64_t seed) {
  Random rng(seed);
  reference::Mat A(n, r), B(r, m);
  for (Index i = 0; i < A.size(); ++i) A.data()[i] = rng.normal();
  for (Index i = 0; i < B.size(); ++i) B.data()[i] = rng.normal() * std::pow(0.6, i / m);
  const SparseMatrix N = random_sparse(n, m, 0.1, seed + 1);
  const reference::Mat L = A * B + 0.01 * reference::dense(N.view());
  std::vector<Triplet> t;
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < m; ++j) t.push_back({i, static_cast<ColIndex>(j), L(i, j)});
  return csr_from_triplets(n, m, std::move(t));
}

struct Reference {
  Eigen::VectorXd s;
  reference::Mat U, V;
};

Reference dense_svd(const SparseView& X, bool center) {
  reference::Mat D = reference::dense(X);
  if (center) D.rowwise() -= D.colwise().mean();
  Eigen::BDCSVD<reference::Mat> svd(D, Eigen::ComputeThinU | Eigen::ComputeThinV);
  return {svd.singularValues(), svd.matrixU(), svd.matrixV()};
}

/// Checks values, orthonormality, the sign rule and (up to sign) the vectors.
void expect_matches(const TruncatedSvdResult& r, const Reference& ref, int k, double tol, const char* what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(r.s.size(), k);
  ASSERT_EQ(r.U.cols(), k);
  ASSERT_EQ(r.V.cols(), k);
  for (int j = 0; j < k; ++j) EXPECT_NEAR(r.s[j], ref.s[j], tol * ref.s[0]) << "component " << j;
  const reference::Mat I = reference::Mat::Identity(k, k);
  EXPECT_LT((r.U.transpose() * r.U - I).cwiseAbs().maxCoeff(), 1e-8);
  EXPECT_LT((r.V.transpose() * r.V - I).cwiseAbs().maxCoeff(), 1e-8);
  for (int j = 0; j < k; ++j) {
    EXPECT_NEAR(std::abs(r.V.col(j).dot(ref.V.col(j))), 1.0, 1e3 * tol) << "right vector " << j;
    EXPECT_NEAR(std::abs(r.U.col(j).dot(ref.U.col(j))), 1.0, 1e3 * tol) << "left vector " << j;
    Index arg = 0;
    r.V.col(j).cwiseAbs().maxCoeff(&arg);
    EXPECT_GT(r.V(arg, j), 0.0) << "sign of component " << j;
  }
}
}  // namespace

TEST(TruncatedSvd, LanczosMatchesDenseSvdOnBothSidesCenteredOrNot) {
  // Tall (Lanczos on X^T X) and wide (on X X^T); the Krylov space (20) is
  // smaller than the side, so Spectra's Lanczos runs, not the dense route.
  for (auto [n, m] : {std::pair<Index, Index>{150, 90}, {70, 130}}) {
    const SparseMatrix X = random_sparse(n, m, 0.15, 7 + n);
    for (bool center : {false, true}) {
      SvdOptions o;
      o.k = 6;
      o.center = center;
      o.threads = 2;
      const TruncatedSvdResult r = truncated_svd(X.view(), o);
      EXPECT_EQ(r.status, SvdStatus::Converged);
      expect_matches(r, dense_svd(X.view(), center), o.k, 1e-10, center ? "lanczos centered" : "lanczos");
      EXPECT_EQ(r.mean.size(), center ? m : 0);
    }
  }
}

TEST(TruncatedSvd, RandomizedMatchesDenseSvdCenteredOrNot) {
  const SparseMatrix X = low_rank_plus_noise(120, 80, 5, 3);
  for (bool center : {false, true}) {
    SvdOptions o;
    o.k = 5;
    o.center = center;
    o.method = SvdMethod::Randomized;
    o.power_iterations = 8;
    o.seed = 11;
    const TruncatedSvdResult r = truncated_svd(X.view(), o);
    expect_matches(r, dense_svd(X.view(), center), o.k, 1e-7, center ? "randomized centered" : "randomized");
  }
}

TEST(TruncatedSvd, SmallProblemsAndFullRankTakeTheExactRoute) {
  const SparseMatrix X = random_sparse(12, 9, 0.5, 5, 1.0);
  for (bool center : {false, true}) {
    SvdOptions o;
    o.k = center ? 8 : 9;  // the centered matrix has rank <= n - 1 = 11, and m = 9
    o.center = center;
    const TruncatedSvdResult r = truncated_svd(X.view(), o);
    expect_matches(r, dense_svd(X.view(), center), o.k, 1e-12, "dense route");
  }
}

TEST(TruncatedSvd, CenteringIsPcaWithAnOffsetThatDominates) {
  // Large positive entries: the uncentered top component is the mean; PCA must remove it.
  const SparseMatrix X = random_sparse(100, 60, 0.6, 9, 5.0);
  SvdOptions o;
  o.k = 4;
  o.center = true;
  const TruncatedSvdResult r = truncated_svd(X.view(), o);
  const Reference ref = dense_svd(X.view(), true);
  expect_matches(r, ref, o.k, 1e-10, "pca");
  const reference::Mat D = reference::dense(X.view());
  const Eigen::RowVectorXd mu = D.colwise().mean();
  EXPECT_LT((r.mean.transpose() - mu).cwiseAbs().maxCoeff(), 1e-12);
  const double total = (D.rowwise() - mu).squaredNorm() / 99.0;
  EXPECT_NEAR(r.total_variance, total, 1e-10 * total);
  for (int j = 0; j < o.k; ++j) {
    EXPECT_NEAR(r.explained_variance[j], ref.s[j] * ref.s[j] / 99.0, 1e-9 * total);
    EXPECT_NEAR(r.explained_variance_ratio[j], ref.s[j] * ref.s[j] / 99.0 / total, 1e-10);
  }
}

TEST(TruncatedSvd, UncenteredExplainedVarianceIsTheVarianceOfTheProjection) {
  const SparseMatrix X = random_sparse(80, 50, 0.3, 13);
  SvdOptions o;
  o.k = 3;
  const TruncatedSvdResult r = truncated_svd(X.view(), o);
  const reference::Mat D = reference::dense(X.view());
  const reference::Mat P = D * reference::Mat(r.V);
  const double total = (D.rowwise() - D.colwise().mean()).squaredNorm() / 80.0;
  for (int j = 0; j < o.k; ++j) {
    const double var = (P.col(j).array() - P.col(j).mean()).square().sum() / 80.0;
    EXPECT_NEAR(r.explained_variance[j], var, 1e-10 * var);
    EXPECT_NEAR(r.explained_variance_ratio[j], var / total, 1e-10);
  }
}

TEST(TruncatedSvd, RankDeficientMatrixStillGivesKTriplets) {
  // Rank 3 with k = 5: the extra singular values are zero.
  const SparseMatrix L = low_rank_plus_noise(60, 40, 3, 17);
  reference::Mat D = reference::dense(L.view());
  Eigen::BDCSVD<reference::Mat> svd(D, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const reference::Mat R = svd.matrixU().leftCols(3) * svd.singularValues().head(3).asDiagonal() *
                           svd.matrixV().leftCols(3).transpose();
  std::vector<Triplet> t;
  for (Index i = 0; i < 60; ++i)
    for (Index j = 0; j < 40; ++j) t.push_back({i, static_cast<ColIndex>(j), R(i, j)});
  const SparseMatrix X = csr_from_triplets(60, 40, std::move(t));
  SvdOptions o;
  o.k = 5;
  o.ncv = 12;  // below the side (40): Lanczos, not the dense route
  const TruncatedSvdResult r = truncated_svd(X.view(), o);
  ASSERT_EQ(r.s.size(), 5);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(r.s[j], svd.singularValues()[j], 1e-9 * svd.singularValues()[0]);
  for (int j = 3; j < 5; ++j) EXPECT_LT(r.s[j], 1e-6 * svd.singularValues()[0]);
  EXPECT_LT((r.V.transpose() * r.V - reference::Mat::Identity(5, 5)).cwiseAbs().maxCoeff(), 1e-6);
}

TEST(TruncatedSvd, DeterministicForASeedAndAThreadCount) {
  const SparseMatrix X = random_sparse(200, 120, 0.05, 21);
  for (SvdMethod method : {SvdMethod::Lanczos, SvdMethod::Randomized}) {
    SvdOptions o;
    o.k = 7;
    o.method = method;
    o.seed = 4;
    o.threads = 2;
    const TruncatedSvdResult a = truncated_svd(X.view(), o), b = truncated_svd(X.view(), o);
    EXPECT_EQ(a.s, b.s);
    EXPECT_EQ(a.U, b.U);
    EXPECT_EQ(a.V, b.V);
    o.threads = 1;  // another thread count: same up to rounding, same signs
    const TruncatedSvdResult c = truncated_svd(X.view(), o);
    EXPECT_LT((a.V - c.V).cwiseAbs().maxCoeff(), 1e-8);
  }
}

TEST(TruncatedSvd, ArgumentsOutOfRangeThrow) {
  const SparseMatrix X = random_sparse(20, 10, 0.3, 1);
  for (int k : {0, -1, 11}) {
    SvdOptions o;
    o.k = k;
    EXPECT_THROW(truncated_svd(X.view(), o), ArgumentError) << k;
  }
  SvdOptions o;
  o.k = 3;
  o.oversample = -1;
  EXPECT_THROW(truncated_svd(X.view(), o), ArgumentError);
  o = SvdOptions{};
  o.k = 3;
  o.ncv = 3;
  EXPECT_THROW(truncated_svd(X.view(), o), ArgumentError);
  try {
    SvdOptions bad;
    bad.k = 11;
    truncated_svd(X.view(), bad);
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("[1, 10]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("11"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_svd_method("qr"), ArgumentError);
  EXPECT_EQ(parse_svd_method("arpack"), SvdMethod::Lanczos);
}
