// Thread counts: a request above the processors is capped (a huge one used to
// crash the OpenMP runtime), and a solver run with it gives the result of the
// capped count.
#include "strata/parallel/threads.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include "strata/solvers/nmf.hpp"
#include "strata/synth/generators.hpp"

using namespace strata;

TEST(Threads, RequestsAreCappedAtTheProcessors) {
  const int available = std::max(omp_get_num_procs(), 1);
  EXPECT_EQ(resolve_threads(0), available);
  EXPECT_EQ(resolve_threads(-3), available);
  EXPECT_EQ(resolve_threads(1), 1);
  EXPECT_EQ(resolve_threads(65536), available);
  EXPECT_EQ(resolve_threads(2147483647), available);
}

TEST(Threads, HugeRequestRunsAsTheCappedCount) {
  synth::TopicsOptions t;
  t.n_documents = 120;
  t.n_terms = 90;
  t.n_topics = 3;
  t.seed = 4;
  const auto data = synth::make_topics(t);
  NmfOptions o;
  o.k = 3;
  o.max_iter = 20;
  o.threads = 65536;
  const NmfResult huge = nmf(data.X.view(), o);
  o.threads = std::max(omp_get_num_procs(), 1);
  const NmfResult capped = nmf(data.X.view(), o);
  EXPECT_TRUE(huge.W == capped.W);
  EXPECT_TRUE(huge.H == capped.H);
}
