// Exact assignment against brute force over every permutation.
#include "strata/linalg/assignment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"

using namespace strata;

namespace {

DenseMatrix random_cost(Index n, Index m, bool integers, Random& rng) {
  DenseMatrix c(n, m);
  // Small integers force many ties; reals test the general case.
  for (Index i = 0; i < c.size(); ++i)
    c.data()[i] = integers ? static_cast<double>(rng.uniform_index(4)) : rng.uniform() * 10 - 3;
  return c;
}

/// The best total over all injective maps of the smaller side into the larger.
double brute_force(const DenseMatrix& c, bool maximize) {
  const bool wide = c.rows() <= c.cols();
  const Index small = wide ? c.rows() : c.cols(), large = wide ? c.cols() : c.rows();
  std::vector<int> perm(static_cast<size_t>(large));
  std::iota(perm.begin(), perm.end(), 0);
  double best = maximize ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  do {
    double total = 0;
    for (Index i = 0; i < small; ++i) total += wide ? c(i, perm[i]) : c(perm[i], i);
    best = maximize ? std::max(best, total) : std::min(best, total);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

void expect_valid(const std::vector<int>& a, Index rows, Index cols) {
  ASSERT_EQ(static_cast<Index>(a.size()), rows);
  std::set<int> used;
  int assigned = 0;
  for (int j : a) {
    if (j < 0) continue;
    EXPECT_LT(j, cols);
    EXPECT_TRUE(used.insert(j).second) << "column " << j << " used twice";
    ++assigned;
  }
  EXPECT_EQ(assigned, std::min(rows, cols));
}

}  // namespace

TEST(Assignment, MatchesBruteForceOnSquareMatrices) {
  Random rng(7);
  for (int trial = 0; trial < 60; ++trial) {
    const Index k = 1 + trial % 7;
    for (bool integers : {false, true})
      for (bool maximize : {false, true}) {
        const DenseMatrix c = random_cost(k, k, integers, rng);
        const std::vector<int> a = linear_sum_assignment(c, maximize);
        expect_valid(a, k, k);
        EXPECT_NEAR(assignment_cost(c, a), brute_force(c, maximize), 1e-9) << "k=" << k << " trial " << trial;
      }
  }
}

TEST(Assignment, MatchesBruteForceOnRectangularMatrices) {
  Random rng(11);
  for (auto [n, m] : {std::pair<Index, Index>{2, 5}, {3, 6}, {5, 2}, {6, 4}, {1, 4}, {4, 1}}) {
    for (int trial = 0; trial < 5; ++trial) {
      const DenseMatrix c = random_cost(n, m, trial % 2 == 1, rng);
      for (bool maximize : {false, true}) {
        const std::vector<int> a = linear_sum_assignment(c, maximize);
        expect_valid(a, n, m);
        EXPECT_NEAR(assignment_cost(c, a), brute_force(c, maximize), 1e-9) << n << " x " << m;
      }
    }
  }
}

TEST(Assignment, GreedyTrapIsAvoided) {
  // Greedy takes (0,0) = 10 and is left with (1,1) = 0; the optimum pairs 9 + 9.
  DenseMatrix s(2, 2);
  s << 10, 9, 9, 0;
  EXPECT_EQ(linear_sum_assignment(s, /*maximize=*/true), (std::vector<int>{1, 0}));
}

TEST(Assignment, RejectsEmptyAndNonFiniteCosts) {
  EXPECT_THROW(linear_sum_assignment(DenseMatrix(0, 3)), ArgumentError);
  DenseMatrix c = DenseMatrix::Zero(2, 2);
  c(1, 0) = std::nan("");
  EXPECT_THROW(linear_sum_assignment(c), ArgumentError);
  c(1, 0) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(linear_sum_assignment(c), ArgumentError);
}
