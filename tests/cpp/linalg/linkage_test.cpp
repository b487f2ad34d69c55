// Average linkage and the cophenetic correlation against a plain O(n^3)
// agglomeration that recomputes every cluster distance from the points.
#include "strata/linalg/linkage.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"

using namespace strata;

namespace {

/// Merges the closest pair of clusters (mean of the pairwise distances) until
/// one is left, recording each merge's height for every pair it joins.
DenseMatrix naive_average_linkage(const DenseMatrix& d) {
  const Index n = d.rows();
  std::vector<std::vector<Index>> clusters;
  for (Index i = 0; i < n; ++i) clusters.push_back({i});
  DenseMatrix coph = DenseMatrix::Zero(n, n);
  while (clusters.size() > 1) {
    double best = std::numeric_limits<double>::infinity();
    size_t ba = 0, bb = 1;
    for (size_t a = 0; a < clusters.size(); ++a)
      for (size_t b = a + 1; b < clusters.size(); ++b) {
        double sum = 0;
        for (Index x : clusters[a])
          for (Index y : clusters[b]) sum += d(x, y);
        const double mean = sum / static_cast<double>(clusters[a].size() * clusters[b].size());
        if (mean < best) {
          best = mean;
          ba = a;
          bb = b;
        }
      }
    for (Index x : clusters[ba])
      for (Index y : clusters[bb]) coph(x, y) = coph(y, x) = best;
    clusters[ba].insert(clusters[ba].end(), clusters[bb].begin(), clusters[bb].end());
    clusters.erase(clusters.begin() + static_cast<std::ptrdiff_t>(bb));
  }
  return coph;
}

DenseMatrix random_distances(Index n, std::uint64_t seed) {
  Random rng(seed);
  DenseMatrix points(n, 3);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < 3; ++j) points(i, j) = rng.uniform() + (i % 3 == j ? 2.0 : 0.0);  // three loose groups
  DenseMatrix d(n, n);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) d(i, j) = (points.row(i) - points.row(j)).norm();
  return d;
}

double pearson_upper(const DenseMatrix& a, const DenseMatrix& b) {
  std::vector<double> x, y;
  for (Index j = 1; j < a.rows(); ++j)
    for (Index i = 0; i < j; ++i) {
      x.push_back(a(i, j));
      y.push_back(b(i, j));
    }
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    mx += x[i] / x.size();
    my += y[i] / y.size();
  }
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

}  // namespace

TEST(Linkage, CopheneticDistancesEqualTheNaiveAgglomeration) {
  for (std::uint64_t seed : {1ULL, 2ULL, 3ULL}) {
    const DenseMatrix d = random_distances(40, seed);
    const DenseMatrix fast = average_linkage_cophenetic(d), slow = naive_average_linkage(d);
    EXPECT_LT((fast - slow).cwiseAbs().maxCoeff(), 1e-12) << "seed " << seed;
    EXPECT_NEAR(cophenetic_correlation(d), pearson_upper(d, slow), 1e-12);
  }
}

TEST(Linkage, BlockConsensusIsPerfectlyRepresented) {
  // Two clean blocks (distance 0 inside, 1 across): the dendrogram is exact.
  DenseMatrix d(6, 6);
  for (Index i = 0; i < 6; ++i)
    for (Index j = 0; j < 6; ++j) d(i, j) = (i < 3) == (j < 3) ? 0.0 : 1.0;
  EXPECT_NEAR(cophenetic_correlation(d), 1.0, 1e-12);
  // Assignments that disagree lower it.
  d(0, 4) = d(4, 0) = 0.2;
  d(1, 5) = d(5, 1) = 0.4;
  EXPECT_LT(cophenetic_correlation(d), 0.99);
}

TEST(Linkage, DegenerateAndInvalidInput) {
  EXPECT_EQ(cophenetic_correlation(DenseMatrix::Ones(4, 4) - DenseMatrix::Identity(4, 4)), 1.0);
  EXPECT_THROW(cophenetic_correlation(DenseMatrix::Zero(1, 1)), ArgumentError);
  EXPECT_THROW(average_linkage_cophenetic(DenseMatrix::Zero(2, 3)), ArgumentError);
  DenseMatrix bad = DenseMatrix::Zero(3, 3);
  bad(0, 1) = std::nan("");
  EXPECT_THROW(average_linkage_cophenetic(bad), ArgumentError);
}
