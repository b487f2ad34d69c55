// NPMI coherence with document co-occurrence against values worked by hand
// from gensim's formula.
#include "strata/solvers/coherence.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/core/error.hpp"

using namespace strata;

TEST(Coherence, TopTermsByWeight) {
  DenseMatrix H(2, 4);
  H << 0.1, 0.5, 0.0, 0.5,  //
      0.0, 0.0, 0.0, 2.0;
  const auto top = top_term_indices(H, 3);
  EXPECT_EQ(top[0], (std::vector<Index>{1, 3, 0}));  // ties: lower index first
  EXPECT_EQ(top[1], (std::vector<Index>{3}));        // only positive entries
}

TEST(Coherence, NpmiByHand) {
  // 4 documents x 3 terms. Term 0 in docs {0,1}, term 1 in {0,1}, term 2 in {2,3}.
  const SparseMatrix X = csr_from_triplets(4, 3, {{0, 0, 1.0}, {0, 1, 2.0}, {1, 0, 1.0}, {1, 1, 1.0},
                                                   {2, 2, 1.0}, {3, 2, 3.0}});
  const double e = 1e-12;
  const auto c = npmi_coherence(X.view(), {{0, 1}, {0, 2}, {0, 1, 2}, {2}}, 1);
  // Terms 0 and 1 always together: P = 0.5 each and jointly: log(0.5 / 0.25) / -log(0.5) = 1.
  const double together = std::log((0.5 + e) / 0.25) / -std::log(0.5 + e);
  const double apart = std::log(e / 0.25) / -std::log(e);  // never together: close to -1
  EXPECT_NEAR(c[0], together, 1e-12);
  EXPECT_NEAR(c[0], 1.0, 1e-9);
  EXPECT_NEAR(c[1], apart, 1e-12);
  EXPECT_NEAR(c[2], (together + 2 * apart) / 3, 1e-12);  // the mean over the three pairs
  EXPECT_EQ(c[3], 0.0);                                  // one term: no pair
  EXPECT_THROW(npmi_coherence(X.view(), {{0, 7}}, 1), ArgumentError);
}
