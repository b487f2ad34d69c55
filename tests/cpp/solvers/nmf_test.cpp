// NMF solvers against dense reference implementations, and their invariants.
#include "strata/solvers/nmf.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "reference/dense_nmf.hpp"
#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/nnls.hpp"

using namespace strata;
using reference::Mat;

namespace {
SparseMatrix random_sparse(Index n, Index m, double density, std::uint64_t seed) {
  Random rng(seed);
  std::vector<Triplet> t;
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < m; ++j)
      if (rng.uniform() < density) t.push_back({i, static_cast<ColIndex>(j), rng.uniform() * 2});
  return csr_from_triplets(n, m, std::move(t));
}
/// A planted nonnegative rank-r matrix, dense, stored sparse.
SparseMatrix planted(Index n, Index m, int r, std::uint64_t seed, Mat* dense_out = nullptr) {
  Random rng(seed);
  Mat W(n, r), H(r, m);
  for (Index i = 0; i < W.size(); ++i) W.data()[i] = rng.uniform() < 0.5 ? rng.uniform() : 0.0;
  for (Index i = 0; i < H.size(); ++i) H.data()[i] = rng.uniform() < 0.5 ? rng.uniform() : 0.0;
  const Mat X = W * H;
  if (dense_out) *dense_out = X;
  std::vector<Triplet> t;
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < m; ++j)
      if (X(i, j) != 0) t.push_back({i, static_cast<ColIndex>(j), X(i, j)});
  return csr_from_triplets(n, m, std::move(t));
}
DenseMatrix positive(Index n, Index k, std::uint64_t seed) {
  Random rng(seed);
  DenseMatrix A(n, k);
  for (Index i = 0; i < A.size(); ++i) A.data()[i] = 0.1 + rng.uniform();
  return A;
}
NmfOptions fixed_run(NmfSolver solver, int iterations) {
  NmfOptions o;
  o.k = 4;
  o.solver = solver;
  o.init = NmfInit::Custom;
  o.max_iter = iterations;
  o.tol = 0;
  o.inner_sweeps = 1;
  o.threads = 2;
  o.extrapolate = false;  // the textbook algorithms; extrapolation has its own test
  o.balance = false;      // the iterates themselves; balancing has its own test
  return o;
}
}  // namespace

TEST(Nmf, HalsEqualsTextbookAlternatingHals) {
  const SparseMatrix X = random_sparse(30, 25, 0.4, 1);
  const Mat D = reference::dense(X.view());
  const DenseMatrix W0 = positive(30, 4, 2), H0 = positive(4, 25, 3);
  NmfOptions o = fixed_run(NmfSolver::Hals, 6);
  o.l1_W = 0.01;
  o.l2_H = 0.1;
  const NmfResult r = nmf(X.view(), o, &W0, &H0);
  Mat W = W0, H = H0;
  for (int it = 0; it < 6; ++it) {
    reference::hals_update_W(D, W, H, 0.01, 0.0);
    Mat Ht = H.transpose();
    reference::hals_update_W(D.transpose(), Ht, W.transpose(), 0.0, 0.1);
    H = Ht.transpose();
  }
  EXPECT_LT((r.W - W).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((r.H - H).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_NEAR(r.relative_error, (D - W * H).norm() / D.norm(), 1e-10);
  EXPECT_EQ(r.history.size(), 7u);
}

TEST(Nmf, ExtrapolatedHalsEqualsTheReferenceScheme) {
  // Ang & Gillis's extrapolation as nmf.cpp documents it, written out densely:
  // H_{n-1} extrapolated (after a fall) for the W-update, W_n extrapolated
  // (from the second iteration) for the H-update, which starts from H_{n-1};
  // beta adapted on the penalized objective; the last iteration plain.
  // Previous iterates kept in float32.
  const SparseMatrix X = random_sparse(30, 25, 0.4, 31);
  const Mat D = reference::dense(X.view());
  const DenseMatrix W0 = positive(30, 4, 32), H0 = positive(4, 25, 33);
  NmfOptions o = fixed_run(NmfSolver::Hals, 12);
  o.extrapolate = true;
  o.l1_W = 0.01;
  o.l2_H = 0.1;
  const NmfResult r = nmf(X.view(), o, &W0, &H0);

  auto f32 = [](const Mat& A) -> Mat { return A.cast<float>().cast<double>(); };
  auto loss_of = [&](const Mat& W, const Mat& H) { return 0.5 * (D - W * H).squaredNorm(); };
  auto penalty = [&](const Mat& W, const Mat& H) { return 0.01 * W.sum() + 0.05 * H.squaredNorm(); };
  Mat W = W0, H = H0, Hp, Wp = f32(W0);
  double beta = 0.5, ceiling = 1.0, objective = loss_of(W, H) + penalty(W, H);
  bool extrapolate_H = false;
  int rises = 0, falls = 0;
  for (int it = 1; it <= 12; ++it) {
    const bool last = it == 12;  // the last iteration is plain
    const bool step_H = extrapolate_H && !last;
    const Mat Hy = step_H ? Mat((H + beta * (H - Hp)).cwiseMax(0.0)) : H;
    Hp = f32(H);
    reference::hals_update_W(D, W, Hy, 0.01, 0.0);  // from the last extrapolated W
    const Mat Wn = W;
    if (it > 1 && !last) W = (Wn + beta * (Wn - Wp)).cwiseMax(0.0);
    Wp = f32(Wn);
    Mat Ht = (step_H ? Hp : H).transpose();
    reference::hals_update_W(D.transpose(), Ht, W.transpose(), 0.0, 0.1);
    H = Ht.transpose();
    const double loss = loss_of(W, H);
    ASSERT_NEAR(r.history[it].loss, loss, 1e-9 * loss) << "iteration " << it;
    const double next = loss + penalty(W, H);
    if (next > objective) {
      ceiling = beta, beta /= 1.5, extrapolate_H = false, ++rises;
    } else {
      beta = std::min(ceiling, 1.01 * beta), ceiling = std::min(1.0, 1.005 * ceiling), extrapolate_H = true, ++falls;
    }
    objective = next;
  }
  EXPECT_GT(falls, 0);  // both branches of the scheme ran
  EXPECT_GT(rises, 0);
  EXPECT_LT((r.W - W).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((r.H - H).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_NEAR(r.relative_error, (D - W * H).norm() / D.norm(), 1e-10);
}

TEST(Nmf, MuEqualsTextbookMultiplicativeUpdates) {
  const SparseMatrix X = random_sparse(30, 25, 0.4, 4);
  const Mat D = reference::dense(X.view());
  const DenseMatrix W0 = positive(30, 4, 5), H0 = positive(4, 25, 6);
  const NmfResult r = nmf(X.view(), fixed_run(NmfSolver::Mu, 10), &W0, &H0);
  Mat W = W0, H = H0;
  for (int it = 0; it < 10; ++it) {
    W = W.array() * (D * H.transpose()).array() / (W * H * H.transpose()).array();
    H = H.array() * (W.transpose() * D).array() / (W.transpose() * W * H).array();
  }
  EXPECT_LT((r.W - W).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((r.H - H).cwiseAbs().maxCoeff(), 1e-10);
}

TEST(Nmf, BppEqualsAlternatingExactNnls) {
  const SparseMatrix X = random_sparse(30, 25, 0.4, 7);
  const Mat D = reference::dense(X.view());
  const DenseMatrix W0 = positive(30, 4, 8), H0 = positive(4, 25, 9);
  const NmfResult r = nmf(X.view(), fixed_run(NmfSolver::Bpp, 5), &W0, &H0);
  Mat W = W0, H = H0;
  for (int it = 0; it < 5; ++it) {
    const Mat G = H * H.transpose(), B = D * H.transpose();
    for (Index i = 0; i < W.rows(); ++i) W.row(i) = reference::nnls(G, B.row(i).transpose()).transpose();
    const Mat G2 = W.transpose() * W, B2 = D.transpose() * W;
    for (Index j = 0; j < H.cols(); ++j) H.col(j) = reference::nnls(G2, B2.row(j).transpose());
  }
  EXPECT_LT((r.W - W).cwiseAbs().maxCoeff(), 1e-8);
  EXPECT_LT((r.H - H).cwiseAbs().maxCoeff(), 1e-8);
}

TEST(Nmf, KlMuEqualsTextbookAndReportsTheDivergence) {
  const SparseMatrix X = random_sparse(30, 25, 0.4, 10);
  const Mat D = reference::dense(X.view());
  const DenseMatrix W0 = positive(30, 4, 11), H0 = positive(4, 25, 12);
  NmfOptions o = fixed_run(NmfSolver::Mu, 8);
  o.loss = NmfLoss::KullbackLeibler;
  const NmfResult r = nmf(X.view(), o, &W0, &H0);
  Mat W = W0, H = H0;
  EXPECT_NEAR(r.history[0].loss, reference::kl(D, W, H), 1e-9);
  for (int it = 0; it < 8; ++it) reference::kl_mu(D, W, H);
  EXPECT_LT((r.W - W).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((r.H - H).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_NEAR(r.loss, reference::kl(D, W, H), 1e-9);
  EXPECT_NEAR(r.relative_error, (D - W * H).norm() / D.norm(), 1e-10);
}

TEST(Nmf, LossIsMonotoneForEverySolver) {
  const SparseMatrix X = random_sparse(60, 50, 0.2, 13);
  for (auto [solver, loss] : {std::pair{NmfSolver::Hals, NmfLoss::Frobenius}, {NmfSolver::Mu, NmfLoss::Frobenius},
                              {NmfSolver::Bpp, NmfLoss::Frobenius}, {NmfSolver::Mu, NmfLoss::KullbackLeibler},
                              {NmfSolver::Hals, NmfLoss::KullbackLeibler}}) {
    NmfOptions o;
    o.k = 6;
    o.solver = solver;
    o.loss = loss;
    o.max_iter = 40;
    o.tol = 0;
    o.init = NmfInit::Random;
    o.seed = 3;
    o.extrapolate = false;  // extrapolation restarts on a rise: not monotone by design
    const NmfResult r = nmf(X.view(), o);
    for (size_t i = 1; i < r.history.size(); ++i)
      EXPECT_LE(r.history[i].loss, r.history[i - 1].loss * (1 + 1e-12) + 1e-12)
          << to_string(solver) << " " << to_string(loss) << " iteration " << i;
    EXPECT_TRUE(r.W.minCoeff() >= 0 && r.H.minCoeff() >= 0);
  }
}

TEST(Nmf, KktConditionsHoldAtConvergence) {
  const SparseMatrix X = random_sparse(40, 30, 0.3, 14);
  const Mat D = reference::dense(X.view());
  NmfOptions o;
  o.k = 3;
  o.solver = NmfSolver::Bpp;
  o.max_iter = 2000;
  o.tol = 1e-13;
  const NmfResult r = nmf(X.view(), o);
  const Mat gW = r.W * r.H * r.H.transpose() - D * r.H.transpose();
  const Mat gH = r.W.transpose() * r.W * r.H - r.W.transpose() * D;
  const double scale = D.norm() * D.norm();
  EXPECT_GT(gW.minCoeff(), -1e-6 * scale);
  EXPECT_GT(gH.minCoeff(), -1e-6 * scale);
  EXPECT_LT((r.W.array() * gW.array()).abs().maxCoeff(), 1e-6 * scale);
  EXPECT_LT((r.H.array() * gH.array()).abs().maxCoeff(), 1e-6 * scale);
}

TEST(Nmf, RecoversPlantedLowRankAndAllInitsWork) {
  Mat D;
  const SparseMatrix X = planted(50, 40, 3, 15, &D);
  for (NmfInit init : {NmfInit::Random, NmfInit::Nndsvd, NmfInit::Nndsvda, NmfInit::Nndsvdar}) {
    NmfOptions o;
    o.k = 3;
    o.init = init;
    o.max_iter = 500;
    o.tol = 1e-10;
    const NmfResult r = nmf(X.view(), o);
    EXPECT_LT(r.relative_error, 1e-3) << to_string(init);
    EXPECT_NEAR(r.relative_error, (D - r.W * r.H).norm() / D.norm(), 1e-6);
  }
}

TEST(Nmf, MaskedRecoversHeldOutEntries) {
  // 20% of a planted rank-4 matrix observed (zeros included); the rest predicted.
  Mat D;
  planted(120, 100, 4, 16, &D);
  Random rng(17);
  std::vector<Triplet> seen, mask;
  std::vector<std::pair<Index, Index>> held;
  for (Index i = 0; i < D.rows(); ++i)
    for (Index j = 0; j < D.cols(); ++j) {
      if (rng.uniform() < 0.2) {
        mask.push_back({i, static_cast<ColIndex>(j), 1.0});
        if (D(i, j) != 0) seen.push_back({i, static_cast<ColIndex>(j), D(i, j)});
      } else {
        held.emplace_back(i, j);
      }
    }
  const SparseMatrix X = csr_from_triplets(D.rows(), D.cols(), seen);
  const SparseMatrix M = csr_from_triplets(D.rows(), D.cols(), mask);
  const SparseView mv = M.view();
  for (NmfSolver solver : {NmfSolver::Hals, NmfSolver::Bpp}) {
    NmfOptions o;
    o.k = 4;
    o.solver = solver;
    o.observed = Observed::Mask;
    o.mask = &mv;
    o.init = NmfInit::Random;
    o.max_iter = 1000;
    o.tol = 1e-12;
    o.seed = 1;
    const NmfResult r = nmf(X.view(), o);
    const Mat P = r.W * r.H;
    double se = 0, mean = 0, var = 0;
    for (auto [i, j] : held) mean += D(i, j);
    mean /= static_cast<double>(held.size());
    for (auto [i, j] : held) {
      se += (P(i, j) - D(i, j)) * (P(i, j) - D(i, j));
      var += (D(i, j) - mean) * (D(i, j) - mean);
    }
    EXPECT_LT(std::sqrt(se / var), 0.05) << to_string(solver);
  }
}

TEST(Nmf, StoredOnlyModeIgnoresZeros) {
  // Observed = stored entries: a matrix whose stored entries are all 1 is fit exactly by rank 1.
  std::vector<Triplet> t;
  Random rng(18);
  for (Index i = 0; i < 30; ++i)
    for (Index j = 0; j < 20; ++j)
      if (rng.uniform() < 0.3) t.push_back({i, static_cast<ColIndex>(j), 1.0});
  const SparseMatrix X = csr_from_triplets(30, 20, t);
  NmfOptions o;
  o.k = 1;
  o.observed = Observed::Stored;
  o.max_iter = 200;
  const NmfResult r = nmf(X.view(), o);
  EXPECT_LT(r.relative_error, 1e-6);
}

TEST(Nmf, DeterministicForSeedAndThreads) {
  const SparseMatrix X = random_sparse(80, 60, 0.1, 19);
  NmfOptions o;
  o.k = 5;
  o.init = NmfInit::Random;
  o.seed = 42;
  o.threads = 2;
  o.max_iter = 30;
  const NmfResult a = nmf(X.view(), o), b = nmf(X.view(), o);
  EXPECT_EQ(a.W, b.W);
  EXPECT_EQ(a.H, b.H);
  o.seed = 43;
  EXPECT_NE(nmf(X.view(), o).W, a.W);
}

TEST(Nmf, DegenerateInputGivesFiniteResults) {
  SparseMatrix zeros;
  zeros.rows = 10;
  zeros.cols = 8;
  zeros.indptr.assign(11, 0);
  for (NmfSolver s : {NmfSolver::Hals, NmfSolver::Mu, NmfSolver::Bpp}) {
    NmfOptions o;
    o.k = 3;
    o.solver = s;
    const NmfResult r = nmf(zeros.view(), o);
    EXPECT_TRUE(r.W.allFinite() && r.H.allFinite());
    EXPECT_EQ(r.relative_error, 0.0);
  }
  // Empty rows and columns, rank-1 data, KL loss.
  std::vector<Triplet> t = {{0, 0, 1.0}, {0, 2, 2.0}, {3, 0, 2.0}, {3, 2, 4.0}};
  const SparseMatrix X = csr_from_triplets(5, 4, t);
  for (NmfLoss loss : {NmfLoss::Frobenius, NmfLoss::KullbackLeibler}) {
    NmfOptions o;
    o.k = 2;
    o.loss = loss;
    const NmfResult r = nmf(X.view(), o);
    EXPECT_TRUE(r.W.allFinite() && r.H.allFinite());
    EXPECT_LT(r.relative_error, 1e-2) << to_string(loss);
  }
}

TEST(Nmf, BadInputIsAnError) {
  std::vector<Triplet> t = {{0, 0, 1.0}, {1, 1, -2.0}};
  const SparseMatrix neg = csr_from_triplets(3, 3, t);
  NmfOptions o;
  o.k = 2;
  EXPECT_THROW(nmf(neg.view(), o), InputError);
  t[1].value = std::nan("");
  EXPECT_THROW(nmf(csr_from_triplets(3, 3, t).view(), o), InputError);
  t[1].value = 1.0;
  const SparseMatrix X = csr_from_triplets(3, 3, t);
  o.k = 4;
  EXPECT_THROW(nmf(X.view(), o), ArgumentError);
  o.k = 2;
  o.l1_W = -1;
  EXPECT_THROW(nmf(X.view(), o), ArgumentError);
}

TEST(Nmf, TransformIsExactNnlsFoldIn) {
  const SparseMatrix X = random_sparse(20, 15, 0.5, 20);
  const DenseMatrix H = positive(3, 15, 21);
  NmfOptions o;
  const DenseMatrix W = nmf_transform(X.view(), H, o);
  const Mat D = reference::dense(X.view());
  const Mat G = H * H.transpose(), B = D * H.transpose();
  for (Index i = 0; i < 20; ++i)
    EXPECT_LT((W.row(i).transpose() - reference::nnls(G, B.row(i).transpose())).cwiseAbs().maxCoeff(), 1e-9);
}

TEST(Nmf, KlCoordinateDescentReachesTheKktPointOfTheDivergence) {
  // At a KL stationary point: grad_W = 1 H^T - (X ./ WH) H^T >= 0, with W .* grad_W = 0.
  const SparseMatrix X = random_sparse(40, 30, 0.5, 22);
  const Mat D = reference::dense(X.view());
  NmfOptions o;
  o.k = 3;
  o.loss = NmfLoss::KullbackLeibler;
  o.solver = NmfSolver::Hals;
  o.max_iter = 3000;
  o.tol = 1e-14;
  const NmfResult r = nmf(X.view(), o);
  EXPECT_NEAR(r.loss, reference::kl(D, r.W, r.H), 1e-8 * r.loss);
  const Mat WH = r.W * r.H;
  Mat R = Mat::Zero(D.rows(), D.cols());
  for (Index i = 0; i < D.rows(); ++i)
    for (Index j = 0; j < D.cols(); ++j) R(i, j) = D(i, j) > 0 ? D(i, j) / WH(i, j) : 0.0;
  const Mat gW = Mat::Ones(D.rows(), D.cols()) * r.H.transpose() - R * r.H.transpose();
  EXPECT_GT(gW.minCoeff(), -1e-4);
  EXPECT_LT((r.W.array() * gW.array()).abs().maxCoeff(), 1e-4);
  // And it gets there faster than multiplicative updates in iterations.
  o.solver = NmfSolver::Mu;
  o.max_iter = 30;
  o.tol = 0;
  const double mu30 = nmf(X.view(), o).loss;
  o.solver = NmfSolver::Hals;
  EXPECT_LT(nmf(X.view(), o).loss, mu30);
}

TEST(Nmf, DeadComponentsAreZeroInBothFactors) {
  // Regression: HALS skipped coordinates whose Gram diagonal is zero, leaving
  // stale positive weights in H for a component whose column of W had died.
  const SparseMatrix X = random_sparse(40, 30, 0.3, 23);
  NmfOptions o;
  o.k = 8;
  o.l1_W = 2.0;
  o.l1_H = 2.0;
  o.max_iter = 100;
  const NmfResult r = nmf(X.view(), o);
  int dead = 0;
  for (Index t = 0; t < o.k; ++t) dead += r.W.col(t).sum() == 0.0;
  EXPECT_GT(dead, 0);  // the penalty is strong enough to kill components
  EXPECT_LT(dead, o.k);
  for (Index t = 0; t < o.k; ++t) {
    if (r.W.col(t).sum() == 0.0) EXPECT_EQ(r.H.row(t).sum(), 0.0) << "component " << t;
    if (r.H.row(t).sum() == 0.0) EXPECT_EQ(r.W.col(t).sum(), 0.0) << "component " << t;
  }
}

TEST(Nmf, ComponentsAreBalancedWithoutChangingWH) {
  const SparseMatrix X = random_sparse(40, 30, 0.3, 21);
  NmfOptions o;
  o.k = 5;
  o.threads = 2;
  o.max_iter = 50;
  for (NmfSolver solver : {NmfSolver::Hals, NmfSolver::Bpp}) {
    o.solver = solver;
    NmfOptions off = o;
    off.balance = false;
    const NmfResult a = nmf(X.view(), o), b = nmf(X.view(), off);
    EXPECT_LT((a.W * a.H - b.W * b.H).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_EQ(a.loss, b.loss);
    for (Index t = 0; t < o.k; ++t) EXPECT_NEAR(a.W.col(t).norm(), a.H.row(t).norm(), 1e-12 * a.H.row(t).norm());
  }
}

TEST(Nmf, BalancingMinimizesThePenalties) {
  const SparseMatrix X = random_sparse(40, 30, 0.3, 22);
  NmfOptions o;
  o.k = 4;
  o.threads = 2;
  o.max_iter = 30;
  o.l1_W = 0.01, o.l2_W = 0.02, o.l1_H = 0.03, o.l2_H = 0.01;
  const NmfResult r = nmf(X.view(), o);
  for (Index t = 0; t < o.k; ++t) {
    const double a = r.W.col(t).sum(), A = r.W.col(t).squaredNorm();
    const double b = r.H.row(t).sum(), B = r.H.row(t).squaredNorm();
    auto penalty = [&](double s) {
      return o.l1_W * a * s + o.l1_H * b / s + 0.5 * o.l2_W * A * s * s + 0.5 * o.l2_H * B / (s * s);
    };
    EXPECT_LE(penalty(1.0), penalty(1.001));
    EXPECT_LE(penalty(1.0), penalty(0.999));
  }
}

TEST(Nmf, BetaDivergenceMuEqualsTextbookUpdates) {
  // Strictly positive X (Itakura-Saito needs it) stored sparse.
  const DenseMatrix P = positive(30, 25, 23);
  std::vector<Triplet> t;
  for (Index i = 0; i < P.rows(); ++i)
    for (Index j = 0; j < P.cols(); ++j) t.push_back({i, static_cast<ColIndex>(j), P(i, j)});
  const SparseMatrix X = csr_from_triplets(30, 25, std::move(t));
  const Mat D = reference::dense(X.view());
  const DenseMatrix W0 = positive(30, 4, 24), H0 = positive(4, 25, 25);
  for (double beta : {0.0, 0.5, 1.5, 3.0}) {
    NmfOptions o = fixed_run(NmfSolver::Mu, 6);
    o.loss = NmfLoss::Beta;
    o.beta = beta;
    const NmfResult r = nmf(X.view(), o, &W0, &H0);
    const double gamma = beta < 1 ? 1 / (2 - beta) : beta > 2 ? 1 / (beta - 1) : 1.0;
    auto divergence = [&](const Mat& W, const Mat& H) {
      const Mat Y = W * H;
      if (beta == 0) return ((D.array() / Y.array()) - (D.array() / Y.array()).log() - 1).sum();
      return (D.array().pow(beta) + (beta - 1) * Y.array().pow(beta) - beta * D.array() * Y.array().pow(beta - 1))
                 .sum() / (beta * (beta - 1));
    };
    Mat W = W0, H = H0;
    EXPECT_NEAR(r.history[0].loss, divergence(W, H), 1e-9 * divergence(W, H)) << beta;
    for (int it = 0; it < 6; ++it) {
      Mat Y = W * H;
      Mat num = (D.array() * Y.array().pow(beta - 2)).matrix() * H.transpose();
      Mat den = Y.array().pow(beta - 1).matrix() * H.transpose();
      W = W.array() * (num.array() / den.array()).pow(gamma);
      Y = W * H;
      num = W.transpose() * (D.array() * Y.array().pow(beta - 2)).matrix();
      den = W.transpose() * Y.array().pow(beta - 1).matrix();
      H = H.array() * (num.array() / den.array()).pow(gamma);
    }
    EXPECT_LT((r.W - W).cwiseAbs().maxCoeff(), 1e-10) << beta;
    EXPECT_LT((r.H - H).cwiseAbs().maxCoeff(), 1e-10) << beta;
    EXPECT_NEAR(r.loss, divergence(W, H), 1e-9 * divergence(W, H)) << beta;
  }
}

TEST(Nmf, BetaDivergenceNeedsMultiplicativeUpdates) {
  const SparseMatrix X = random_sparse(10, 8, 0.5, 26);
  NmfOptions o;
  o.k = 2;
  o.loss = NmfLoss::Beta;
  o.beta = 0.5;
  EXPECT_THROW(nmf(X.view(), o), ArgumentError);  // HALS
  o.solver = NmfSolver::Mu;
  EXPECT_NO_THROW(nmf(X.view(), o));
}

TEST(Nmf, KlReportsAnInfiniteDivergenceAndRevivesDeadRows) {
  // A document with data whose row of W is all zero: W H = 0 at its nonzeros,
  // so the divergence is infinite, and Newton's step there (infinite
  // curvature) is 0: the row used to stay dead while the loss was reported finite.
  const SparseMatrix X = random_sparse(20, 15, 0.5, 27);
  ASSERT_GT(X.view().indptr[1], X.view().indptr[0]);
  DenseMatrix W0 = positive(20, 4, 28);
  const DenseMatrix H0 = positive(4, 15, 29);
  W0.row(0).setZero();
  EXPECT_TRUE(std::isinf(nmf_loss(X.view(), W0, H0, NmfLoss::KullbackLeibler, 1)));
  NmfOptions o = fixed_run(NmfSolver::Hals, 20);
  o.loss = NmfLoss::KullbackLeibler;
  const NmfResult r = nmf(X.view(), o, &W0, &H0);
  EXPECT_TRUE(std::isinf(r.history[0].loss));
  EXPECT_GT(r.W.row(0).sum(), 0.0);
  EXPECT_TRUE(std::isfinite(r.loss));
  EXPECT_NEAR(r.loss, nmf_loss(X.view(), r.W, r.H, NmfLoss::KullbackLeibler, 1), 1e-9 * r.loss);
}
