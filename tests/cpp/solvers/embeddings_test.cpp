#include "strata/solvers/embeddings.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "../io/temp_dir_fixture.hpp"
#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/solvers/neighbors.hpp"

using namespace strata;

namespace {

SparseMatrix dense_to_csr(const DenseMatrix& D) {
  std::vector<Triplet> t;
  for (Index i = 0; i < D.rows(); ++i)
    for (Index j = 0; j < D.cols(); ++j)
      if (D(i, j) != 0.0) t.push_back({i, static_cast<ColIndex>(j), D(i, j)});
  return csr_from_triplets(D.rows(), D.cols(), std::move(t));
}

DenseMatrix csr_to_dense(const SparseMatrix& S) {
  DenseMatrix D = DenseMatrix::Zero(S.rows, S.cols);
  for (Index i = 0; i < S.rows; ++i)
    for (Index p = S.indptr[i]; p < S.indptr[i + 1]; ++p) D(i, S.indices[p]) = S.data[p];
  return D;
}

// Words in `clusters` groups of `per` words: a word co-occurs often with
// words of its own group and rarely with the others.
SparseMatrix planted_cooccurrence(int clusters, int per, std::uint64_t seed) {
  const int n = clusters * per;
  Random rng(seed);
  DenseMatrix C = DenseMatrix::Zero(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      const double mean = (i / per == j / per) ? 40.0 : 1.0;
      C(i, j) = C(j, i) = static_cast<double>(rng.poisson(mean));
    }
  return dense_to_csr(C);
}

}  // namespace

TEST(PositivePmi, MatchesTheDenseFormula) {
  Random rng(3);
  DenseMatrix C(7, 5);
  for (Index i = 0; i < C.rows(); ++i)
    for (Index j = 0; j < C.cols(); ++j) C(i, j) = rng.uniform() < 0.4 ? 0.0 : static_cast<double>(rng.poisson(6.0));
  for (double smoothing : {1.0, 0.75})
    for (double shift : {1.0, 2.0, 5.0}) {
      const SparseMatrix P = positive_pmi(dense_to_csr(C).view(), {smoothing, shift}, 2);
      const DenseMatrix got = csr_to_dense(P);
      const DenseVector row = C.rowwise().sum();
      const Eigen::RowVectorXd col = C.colwise().sum().array().pow(smoothing).matrix();
      for (Index i = 0; i < C.rows(); ++i)
        for (Index j = 0; j < C.cols(); ++j) {
          double want = 0.0;
          if (C(i, j) > 0) {
            const double pmi = std::log(C(i, j) / (row[i] * col[j] / col.sum()));
            want = std::max(pmi - std::log(shift), 0.0);
          }
          EXPECT_NEAR(got(i, j), want, 1e-12) << i << "," << j;
        }
      for (double v : P.data) EXPECT_GT(v, 0.0);  // non-positive values are not stored
    }
}

TEST(PositivePmi, RejectsBadOptionsAndNegativeCounts) {
  const SparseMatrix C = planted_cooccurrence(2, 3, 1);
  EXPECT_THROW(positive_pmi(C.view(), {0.0, 1.0}), ArgumentError);
  EXPECT_THROW(positive_pmi(C.view(), {0.75, 0.5}), ArgumentError);
  DenseMatrix D = DenseMatrix::Ones(2, 2);
  D(0, 1) = -1.0;
  EXPECT_THROW(positive_pmi(dense_to_csr(D).view(), {}), InputError);
}

TEST(Spearman, MatchesScipyWithTies) {
  EXPECT_NEAR(spearman_correlation({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}), 0.8207826816681233, 1e-14);
  EXPECT_NEAR(spearman_correlation({3, 1, 4, 1, 5, 9, 2, 6}, {2, 7, 1, 8, 2, 8, 1, 8}), 0.19885368120992467, 1e-14);
  EXPECT_TRUE(std::isnan(spearman_correlation({1}, {2})));
  EXPECT_TRUE(std::isnan(spearman_correlation({1, 1, 1}, {1, 2, 3})));
}

TEST(WordEmbeddings, PlantedClustersAreNearestNeighbours) {
  const int clusters = 4, per = 8;
  const SparseMatrix C = planted_cooccurrence(clusters, per, 7);
  for (EmbeddingMethod method : {EmbeddingMethod::Svd, EmbeddingMethod::Nmf}) {
    EmbeddingOptions o;
    o.dim = clusters;
    o.method = method;
    o.threads = 2;
    const EmbeddingResult r = embed_cooccurrence(C.view(), o);
    ASSERT_EQ(r.vectors.rows(), clusters * per);
    ASSERT_EQ(r.vectors.cols(), clusters);
    for (Index w = 0; w < r.vectors.rows(); ++w) {
      const auto near = nearest_by_cosine(r.vectors, r.vectors.row(w).data(), per - 1, w, 1);
      for (const auto& n : near) EXPECT_EQ(n.index / per, w / per) << to_string(method) << " word " << w;
    }
  }
}

TEST(WordEmbeddings, SingularValueWeightingAndContextVectors) {
  const SparseMatrix C = planted_cooccurrence(3, 6, 2);
  EmbeddingOptions o;
  o.dim = 3;
  o.threads = 1;
  o.add_context = false;
  o.eig = 1.0;
  const EmbeddingResult full = embed_cooccurrence(C.view(), o);
  o.eig = 0.0;
  const EmbeddingResult plain = embed_cooccurrence(C.view(), o);
  ASSERT_EQ(full.singular_values.size(), 3);
  // U S^1 = (U S^0) S: the same left singular vectors, scaled per column.
  for (Index j = 0; j < 3; ++j)
    EXPECT_NEAR((full.vectors.col(j) - plain.vectors.col(j) * full.singular_values[j]).norm(), 0.0, 1e-8);
  EXPECT_THROW(embed_cooccurrence(C.view(), EmbeddingOptions{.dim = 18}), ArgumentError);
  EmbeddingOptions bad;
  bad.dim = 2;
  bad.eig = 1.5;
  EXPECT_THROW(embed_cooccurrence(C.view(), bad), ArgumentError);
}

using SimilarityFile = strata::testing::TempDirTest;

TEST_F(SimilarityFile, ReadsAndScoresJudgements) {
  const std::string p = write("sim.txt", "# word pairs\ncat dog 8.5\n\nfish bird 3\ncat unknown 1\n");
  const auto j = read_similarity_file(p);
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[1].a, "fish");
  EXPECT_EQ(j[1].score, 3.0);
  DenseMatrix v(4, 2);
  v << 1, 0, 1, 0.1, 0, 1, 0.2, 1;  // cat, dog, fish, bird
  const auto e = evaluate_similarity(v, {"cat", "dog", "fish", "bird"}, j);
  EXPECT_EQ(e.pairs_total, 3);
  EXPECT_EQ(e.pairs_used, 2);
  EXPECT_NEAR(e.spearman, 1.0, 1e-15);

  expect_input_error([&] { read_similarity_file(write("a.txt", "cat dog\n")); }, path("a.txt"), 1, "word1 word2");
  expect_input_error([&] { read_similarity_file(write("b.txt", "a b 1\nc d x\n")); }, path("b.txt"), 2, "'x'");
  expect_input_error([&] { read_similarity_file(path("none.txt")); }, path("none.txt"), -1, "cannot open");
}
