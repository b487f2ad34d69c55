// The shared kernels (sparse products, Gram, NNLS family) against dense references.
#include <gtest/gtest.h>

#include <algorithm>

#include "reference/dense_nmf.hpp"
#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/nnls.hpp"
#include "strata/linalg/randomized_svd.hpp"
#include "strata/linalg/spmm.hpp"

using namespace strata;

namespace {
SparseMatrix random_sparse(Index n, Index m, double density, std::uint64_t seed) {
  Random rng(seed);
  std::vector<Triplet> t;
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < m; ++j)
      if (rng.uniform() < density) t.push_back({i, static_cast<ColIndex>(j), rng.uniform() * 3});
  return csr_from_triplets(n, m, std::move(t));
}
/// X with every row's entries reversed (a valid CSR view, as scipy allows,
/// with unsorted rows); `indices` and `data` hold the reversed arrays.
SparseView reversed_rows(const SparseMatrix& X, std::vector<ColIndex>& indices, std::vector<double>& data) {
  indices.assign(X.indices.begin(), X.indices.end());
  data.assign(X.data.begin(), X.data.end());
  for (Index i = 0; i < X.rows; ++i) {
    std::reverse(indices.begin() + X.indptr[i], indices.begin() + X.indptr[i + 1]);
    std::reverse(data.begin() + X.indptr[i], data.begin() + X.indptr[i + 1]);
  }
  SparseView U = X.view();
  U.indices = indices.data();
  U.data = data.data();
  return U;
}
DenseMatrix random_dense(Index n, Index k, std::uint64_t seed) {
  Random rng(seed);
  DenseMatrix A(n, k);
  for (Index i = 0; i < A.size(); ++i) A.data()[i] = rng.uniform();
  return A;
}
}  // namespace

TEST(Spmm, ProductsAndGramMatchDenseForAnyThreadCount) {
  const SparseMatrix X = random_sparse(57, 43, 0.2, 1);
  const reference::Mat D = reference::dense(X.view());
  const DenseMatrix B = random_dense(43, 7, 2), A = random_dense(57, 7, 3);
  for (int threads : {1, 2, 3}) {
    DenseMatrix out, outT, G;
    spmm(X.view(), B, out, threads);
    spmm_transpose(X.view(), A, outT, threads);
    gram(A, G, threads);
    EXPECT_LT((out - D * B).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_LT((outT - D.transpose() * A).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_LT((G - A.transpose() * A).cwiseAbs().maxCoeff(), 1e-12);
  }
}

// X B sums each row's columns in register chunks of 32, 16, 8 and the rest,
// and X^T A holds each row of A in registers of 8 plus a scalar tail: every k
// from 1 to 80 takes a different mix of them (past 71, X^T A's generic
// loop), and the output may be a view into a wider buffer (the NMF's shared
// product buffer).
TEST(Spmm, EveryColumnCountAndStridedOutputMatchDense) {
  const SparseMatrix X = random_sparse(40, 31, 0.3, 4);
  const reference::Mat D = reference::dense(X.view());
  for (Index k = 1; k <= 80; ++k) {
    const DenseMatrix A = random_dense(40, k, 100 + static_cast<std::uint64_t>(k));
    for (int threads : {1, 2}) {
      DenseMatrix wideT = DenseMatrix::Constant(31, k + 2, -1.0);
      spmm_transpose_into(X.view(), A, wideT.leftCols(k), threads);
      ASSERT_LT((wideT.leftCols(k) - D.transpose() * A).cwiseAbs().maxCoeff(), 1e-12) << "k = " << k;
      ASSERT_TRUE((wideT.rightCols(2).array() == -1.0).all()) << "k = " << k;
    }
    const DenseMatrix B = random_dense(31, k, 5 + static_cast<std::uint64_t>(k));
    DenseMatrix out;
    spmm(X.view(), B, out, 2);
    ASSERT_LT((out - D * B).cwiseAbs().maxCoeff(), 1e-12) << "k = " << k;
    DenseMatrix wide = DenseMatrix::Constant(40, k + 3, -1.0);
    spmm_into(X.view(), B, wide.leftCols(k), 2);
    ASSERT_LT((wide.leftCols(k) - D * B).cwiseAbs().maxCoeff(), 1e-12) << "k = " << k;
    ASSERT_TRUE((wide.rightCols(3).array() == -1.0).all()) << "k = " << k;
  }
}

TEST(Spmm, TransposeIsThreadCountIndependentAndHandlesUnsortedRows) {
  const SparseMatrix X = random_sparse(300, 90, 0.1, 11);
  const reference::Mat D = reference::dense(X.view());
  const DenseMatrix A = random_dense(300, 9, 12);
  DenseMatrix one;
  spmm_transpose(X.view(), A, one, 1);
  for (int threads : {2, 3, 5}) {
    DenseMatrix out;
    spmm_transpose(X.view(), A, out, threads);
    EXPECT_EQ(out, one) << threads << " threads";  // sorted rows: each output row sums in row order
  }
  // The same matrix with every row's entries reversed (a valid CSR view, as
  // scipy allows): the accumulator path, same product.
  std::vector<ColIndex> indices;
  std::vector<double> data;
  const SparseView U = reversed_rows(X, indices, data);
  for (int threads : {1, 2, 3}) {
    DenseMatrix out;
    spmm_transpose(U, A, out, threads);
    EXPECT_LT((out - D.transpose() * A).cwiseAbs().maxCoeff(), 1e-12) << threads << " threads";
  }
}

// The blocked products hand every row over exactly once, with the same sums
// as the whole products (the same kernels, in the same order), for any block
// size, thread count and blocks per thread; a thread's later blocks resume
// each row of X where the earlier ones stopped (k = 75: the generic loop).
TEST(Spmm, BlockedProductsHandOverEveryRowOnce) {
  const SparseMatrix X = random_sparse(300, 90, 0.1, 21);
  for (Index k : {3, 9, 75}) {
    const DenseMatrix B = random_dense(90, k, 22), A = random_dense(300, k, 23);
    DenseMatrix whole, wholeT;
    spmm(X.view(), B, whole, 1);
    spmm_transpose(X.view(), A, wholeT, 1);
    for (int threads : {1, 2, 3}) {
      for (Index block_rows : {1, 7, 64, 1000}) {
        DenseMatrix got = DenseMatrix::Constant(300, k, -1.0);
        std::vector<int> seen(300, 0);
        spmm_row_blocks(X.view(), B, block_rows, threads, [&](Index first, DenseRef block) {
          got.middleRows(first, block.rows()) = block;
          for (Index r = 0; r < block.rows(); ++r) ++seen[first + r];
        });
        ASSERT_EQ(got, whole) << "k " << k << ", " << threads << " threads, blocks of " << block_rows;
        ASSERT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
      }
      for (int per : {1, 2, 5}) {
        const TransposePlan plan = plan_spmm_transpose(X.view(), threads, per);
        DenseMatrix got = DenseMatrix::Constant(90, k, -1.0);
        std::vector<int> seen(90, 0);
        spmm_transpose_blocks(X.view(), A, plan, [&](Index first, DenseRef block) {
          got.middleRows(first, block.rows()) = block;
          for (Index r = 0; r < block.rows(); ++r) ++seen[first + r];
        });
        ASSERT_EQ(got, wholeT) << "k " << k << ", " << threads << " threads, " << per << " blocks each";
        ASSERT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
      }
    }
  }
  // Nonzeros in the last columns only, most of them in one column: the plan
  // cuts ranges of no width there (a thread's first blocks can be empty), and
  // the first block that is not starts its walk afresh.
  {
    Random rng(26);
    std::vector<Triplet> t;
    for (Index i = 0; i < 200; ++i)
      for (ColIndex j = 70; j < 90; ++j)
        if (j == 80 || rng.uniform() < 0.1) t.push_back({i, j, rng.uniform()});
    const SparseMatrix Z = csr_from_triplets(200, 90, std::move(t));
    const DenseMatrix A = random_dense(200, 9, 27);
    DenseMatrix wholeT;
    spmm_transpose(Z.view(), A, wholeT, 1);
    for (int threads : {1, 2, 3}) {
      const TransposePlan plan = plan_spmm_transpose(Z.view(), threads, 5);
      bool empty_first = false;  // some thread's first block has no width
      for (int r = 1; r < plan.threads; ++r) empty_first |= plan.bounds[5 * r] == plan.bounds[5 * r + 1];
      if (threads == 2) EXPECT_TRUE(empty_first);
      DenseMatrix got = DenseMatrix::Constant(90, 9, -1.0);
      std::vector<int> seen(90, 0);
      spmm_transpose_blocks(Z.view(), A, plan, [&](Index first, DenseRef block) {
        got.middleRows(first, block.rows()) = block;
        for (Index r = 0; r < block.rows(); ++r) ++seen[first + r];
      });
      ASSERT_EQ(got, wholeT) << threads << " threads";
      ASSERT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
    }
  }
  // Unsorted rows: the plan says so, and the blocks still cover the product.
  std::vector<ColIndex> indices;
  std::vector<double> data;
  const SparseView U = reversed_rows(X, indices, data);
  const DenseMatrix A = random_dense(300, 9, 24);
  const reference::Mat D = reference::dense(X.view());
  const TransposePlan plan = plan_spmm_transpose(U, 2, 3);
  EXPECT_TRUE(plan.bounds.empty());
  DenseMatrix got = DenseMatrix::Constant(90, 9, -1.0);
  spmm_transpose_blocks(U, A, plan, [&](Index first, DenseRef block) { got.middleRows(first, block.rows()) = block; });
  EXPECT_LT((got - D.transpose() * A).cwiseAbs().maxCoeff(), 1e-12);
  // A plan is for one matrix.
  const SparseMatrix other = random_sparse(300, 91, 0.1, 25);
  EXPECT_THROW(spmm_transpose_blocks(other.view(), A, plan_spmm_transpose(X.view(), 2, 2), [](Index, DenseRef) {}),
               ArgumentError);
}

TEST(Nnls, BppMatchesActiveSetReference) {
  const DenseMatrix M = random_dense(30, 8, 4);
  const DenseMatrix G = M.transpose() * M;
  DenseMatrix B = random_dense(50, 8, 5).array() - 0.3;  // some negative right-hand sides
  DenseMatrix F = DenseMatrix::Zero(50, 8);
  EXPECT_EQ(nnls_bpp(F, B, G, 0.0, 0.0, 2), 0);
  for (Index i = 0; i < 50; ++i) {
    const Eigen::VectorXd ref = reference::nnls(G, B.row(i).transpose());
    EXPECT_LT((F.row(i).transpose() - ref).cwiseAbs().maxCoeff(), 1e-10) << "row " << i;
    Eigen::VectorXd f = Eigen::VectorXd::Constant(8, 1.0);  // a warm start with the wrong support
    EXPECT_TRUE(nnls_bpp_row(f.data(), B.row(i).data(), G, 0.0, 0.0));
    EXPECT_LT((f - ref).cwiseAbs().maxCoeff(), 1e-10);
  }
}

TEST(Nnls, PenaltiesShiftTheProblem) {
  const DenseMatrix M = random_dense(20, 5, 6);
  const DenseMatrix G = M.transpose() * M;
  const DenseMatrix B = random_dense(10, 5, 7);
  DenseMatrix F = DenseMatrix::Zero(10, 5);
  nnls_bpp(F, B, G, 0.1, 0.5, 1);
  const DenseMatrix Gr = G + 0.5 * DenseMatrix::Identity(5, 5);
  for (Index i = 0; i < 10; ++i) {
    const Eigen::VectorXd ref = reference::nnls(Gr, (B.row(i).array() - 0.1).matrix().transpose());
    EXPECT_LT((F.row(i).transpose() - ref).cwiseAbs().maxCoeff(), 1e-10);
  }
}

TEST(Hals, OneSweepEqualsTextbookHals) {
  const DenseMatrix X = random_dense(40, 30, 8);
  DenseMatrix W = random_dense(40, 5, 9);
  const DenseMatrix H = random_dense(5, 30, 10);
  reference::Mat Wref = W;
  reference::hals_update_W(X, Wref, H, 0.01, 0.2);
  const DenseMatrix B = X * H.transpose(), G = H * H.transpose();
  hals_rows(W, B, G, 1, false, 0.01, 0.2, 2);
  EXPECT_LT((W - Wref).cwiseAbs().maxCoeff(), 1e-12);
}

// Textbook HALS on one row, the gradient recomputed for every coordinate,
// with hals_rows's early stop: the row stops once a sweep's squared change is
// at most 1e-4 of its first sweep's. A dead component (G_tt + l2 = 0) is zero.
Eigen::VectorXd plain_hals_row(Eigen::VectorXd f, const Eigen::VectorXd& b, const DenseMatrix& G, int sweeps,
                               double l1, double l2) {
  double first = 0.0;
  for (int s = 0; s < sweeps; ++s) {
    double change = 0.0;
    for (Index t = 0; t < f.size(); ++t) {
      const double denom = G(t, t) + l2;
      const double next = denom > 0 ? std::max(0.0, f[t] - (G.row(t).dot(f) - b[t] + l1 + l2 * f[t]) / denom) : 0.0;
      change += (next - f[t]) * (next - f[t]);
      f[t] = next;
    }
    if (s == 0) first = change;
    else if (change <= 1e-4 * first) break;
  }
  return f;
}

TEST(Hals, EightRowLanesEqualOneRowAtATime) {
  // hals_rows sweeps eight rows at once (one per vector lane, with a
  // per-lane early stop); a group short of eight fills its other lanes with
  // an idle all-zero row. Each row alone (one real lane, seven idle) must
  // give what it gives among seven others, with penalties, early stopping
  // and a dead component, for k a multiple of 8 and not; and both must be
  // textbook HALS with the early stop (plain_hals_row).
  for (const Index k : {5, 8, 13}) {
    const DenseMatrix X = random_dense(150, 40, 30 + k);
    DenseMatrix H = random_dense(k, 40, 31 + k);
    H.row(1).setZero();
    const DenseMatrix B = X * H.transpose(), G = H * H.transpose();
    const DenseMatrix W0 = random_dense(150, k, 32 + k);
    DenseMatrix W = W0;
    const double f_dot_g = hals_rows(W, B, G, 4, true, 0.02, 0.1, 2);
    double f_dot_g_rows = 0.0;
    for (Index i = 0; i < 150; ++i) {
      DenseMatrix w = W0.row(i);
      f_dot_g_rows += hals_rows(w, B.row(i), G, 4, true, 0.02, 0.1, 1);
      EXPECT_LT((w - W.row(i)).cwiseAbs().maxCoeff(), 1e-12) << "k " << k << " row " << i;
      const Eigen::VectorXd ref = plain_hals_row(W0.row(i).transpose(), B.row(i).transpose(), G, 4, 0.02, 0.1);
      EXPECT_LT((W.row(i).transpose() - ref).cwiseAbs().maxCoeff(), 1e-10) << "k " << k << " row " << i;
    }
    EXPECT_NEAR(f_dot_g, f_dot_g_rows, 1e-10 * std::abs(f_dot_g_rows));
    EXPECT_EQ(W.col(1).cwiseAbs().maxCoeff(), 0.0);
  }
}

TEST(RandomizedSvd, MatchesDenseSingularValues) {
  // A rank-5 signal plus small noise: the top 5 singular values are well separated.
  const DenseMatrix L = random_dense(80, 5, 12) * random_dense(5, 60, 13);
  const SparseMatrix N = random_sparse(80, 60, 0.3, 11);
  std::vector<Triplet> t;
  for (Index i = 0; i < 80; ++i)
    for (Index j = 0; j < 60; ++j) t.push_back({i, static_cast<ColIndex>(j), L(i, j)});
  for (Index i = 0; i < 80; ++i)
    for (Index p = N.indptr[i]; p < N.indptr[i + 1]; ++p) t.push_back({i, N.indices[p], 0.01 * N.data[p]});
  const SparseMatrix X = csr_from_triplets(80, 60, t);
  RandomizedSvdOptions o;
  o.k = 5;
  o.power_iterations = 8;
  const SvdResult r = randomized_svd(X.view(), o);
  Eigen::JacobiSVD<reference::Mat> ref(reference::dense(X.view()));
  for (int j = 0; j < 5; ++j) EXPECT_NEAR(r.s[j], ref.singularValues()[j], 1e-6 * ref.singularValues()[0]);
  EXPECT_LT((r.U.transpose() * r.U - DenseMatrix::Identity(5, 5)).cwiseAbs().maxCoeff(), 1e-10);
}

TEST(Hals, GroupedRowsEqualTextbookSweepsWithADeadComponent) {
  // 150 rows: two full chunks of 64 and a tail of 22, two groups of eight and a short one.
  const DenseMatrix X = random_dense(150, 30, 13);
  DenseMatrix W = random_dense(150, 6, 14);
  DenseMatrix H = random_dense(6, 30, 15);
  H.row(2).setZero();  // component 2 is dead: its weights must become zero, the others unaffected
  const std::vector<Index> live = {0, 1, 3, 4, 5};
  reference::Mat Wref = W(Eigen::placeholders::all, live);
  const reference::Mat Hlive = H(live, Eigen::placeholders::all);
  for (int s = 0; s < 3; ++s) reference::hals_update_W(X, Wref, Hlive, 0.0, 0.0);
  const DenseMatrix B = X * H.transpose(), G = H * H.transpose();
  const double f_dot_g = hals_rows(W, B, G, 3, false, 0.0, 0.0, 2);
  EXPECT_LT((W(Eigen::placeholders::all, live) - Wref).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_EQ(W.col(2).cwiseAbs().maxCoeff(), 0.0);
  // The returned sum of f . (G f - b) is that of the final rows: what the NMF
  // loop's loss takes instead of a Gram (<G, W^T W> = it + <B, W>).
  const double direct = (W.array() * (W * G - B).array()).sum();
  EXPECT_NEAR(f_dot_g, direct, 1e-10 * (W.array() * B.array()).abs().sum());
  EXPECT_NE(f_dot_g, 0.0);  // three sweeps leave the rows short of their NNLS solutions
  // With penalties too (the sum stays that of the unpenalized gradient), and one thread.
  DenseMatrix W1 = random_dense(150, 6, 14);
  const double f_dot_g1 = hals_rows(W1, B, G, 2, true, 0.05, 0.3, 1);
  EXPECT_NEAR(f_dot_g1, (W1.array() * (W1 * G - B).array()).sum(), 1e-10 * (W1.array() * B.array()).abs().sum());
}
