#include "strata/solvers/neighbors.hpp"

#include <gtest/gtest.h>

#include "strata/core/error.hpp"

using namespace strata;

TEST(Neighbors, CosineOrderExcludesQueryAndZeroRows) {
  DenseMatrix v(5, 2);
  v << 1, 0,   // query
      2, 0,    // same direction: cosine 1
      0, 0,    // zero row: never a neighbour
      1, 1,    // cosine 1/sqrt(2)
      3, 0;    // also cosine 1: tie broken by row
  const auto n = nearest_by_cosine(v, v.row(0).data(), 10, 0, 1);
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0].index, 1);
  EXPECT_EQ(n[1].index, 4);
  EXPECT_EQ(n[2].index, 3);
  EXPECT_NEAR(n[2].cosine, 1 / std::sqrt(2.0), 1e-15);
  EXPECT_EQ(nearest_by_cosine(v, v.row(0).data(), 1, -1, 2)[0].index, 0);  // without exclusion the query itself
  EXPECT_THROW(nearest_by_cosine(v, v.row(0).data(), 0, 0, 1), ArgumentError);
}
