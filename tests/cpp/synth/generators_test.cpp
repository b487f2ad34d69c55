#include "strata/synth/generators.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <unordered_map>

#include "strata/core/error.hpp"

using namespace strata;
using namespace strata::synth;

namespace {

struct Moments {
  double mean = 0.0, variance = 0.0;
};

template <class Draw>
Moments moments(int count, Draw draw) {
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < count; ++i) {
    const double x = draw();
    sum += x;
    sum2 += x * x;
  }
  Moments m;
  m.mean = sum / count;
  m.variance = sum2 / count - m.mean * m.mean;
  return m;
}

bool same_matrix(const SparseMatrix& a, const SparseMatrix& b) {
  return a.rows == b.rows && a.cols == b.cols && a.indptr == b.indptr && a.indices == b.indices && a.data == b.data;
}

DenseMatrix to_dense(const SparseMatrix& X) {
  DenseMatrix D(X.rows, X.cols);
  for (Index i = 0; i < X.rows; ++i)
    for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) D(i, X.indices[p]) = X.data[p];
  return D;
}

DenseMatrix multiply(const DenseMatrix& A, const DenseMatrix& B) {
  DenseMatrix C(A.rows, B.cols);
  for (Index i = 0; i < A.rows; ++i)
    for (Index t = 0; t < A.cols; ++t)
      for (Index j = 0; j < B.cols; ++j) C(i, j) += A(i, t) * B(t, j);
  return C;
}

double relative_error(const DenseMatrix& X, const DenseMatrix& Y) {
  double num = 0.0, den = 0.0;
  for (std::size_t p = 0; p < X.values.size(); ++p) {
    num += (X.values[p] - Y.values[p]) * (X.values[p] - Y.values[p]);
    den += X.values[p] * X.values[p];
  }
  return std::sqrt(num / den);
}

std::vector<Index> top_terms(const DenseMatrix& H, Index t, int count) {
  std::vector<Index> order(static_cast<std::size_t>(H.cols));
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + count, order.end(),
                    [&](Index a, Index b) { return H(t, a) > H(t, b) || (H(t, a) == H(t, b) && a < b); });
  order.resize(static_cast<std::size_t>(count));
  return order;
}

/// Least-squares slope of log(count) against log(rank) over ranks 1..top.
double zipf_slope(const std::vector<std::string>& documents, int top) {
  std::unordered_map<std::string, double> counts;
  for (const auto& d : documents) {
    std::istringstream in(d);
    std::string w;
    while (in >> w) counts[w] += 1.0;
  }
  std::vector<double> c;
  for (const auto& kv : counts) c.push_back(kv.second);
  std::sort(c.rbegin(), c.rend());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int r = 1; r <= top; ++r) {
    const double x = std::log(r), y = std::log(c[static_cast<std::size_t>(r - 1)]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return (top * sxy - sx * sy) / (top * sxx - sx * sx);
}

}  // namespace

// ---------------------------------------------------------------------------
// Distributions
// ---------------------------------------------------------------------------

TEST(SynthRandom, EngineIsTheStandardMersenneTwister) {
  // The C++ standard fixes the 10000th output of a default-seeded mt19937_64.
  synth::Random rng(5489u);
  std::uint64_t x = 0;
  for (int i = 0; i < 10000; ++i) x = rng.next_u64();
  EXPECT_EQ(x, 9981545732273789042ull);
}

TEST(SynthRandom, SameSeedSameSequence) {
  synth::Random a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const double x = a.gamma(0.7) + a.normal() + static_cast<double>(a.poisson(25.0));
    const double y = b.gamma(0.7) + b.normal() + static_cast<double>(b.poisson(25.0));
    const double z = c.gamma(0.7) + c.normal() + static_cast<double>(c.poisson(25.0));
    EXPECT_EQ(x, y);
    differs = differs || x != z;
  }
  EXPECT_TRUE(differs);
}

TEST(SynthRandom, UniformAndIndex) {
  synth::Random rng(1);
  const Moments u = moments(200000, [&] { return rng.uniform(); });
  EXPECT_NEAR(u.mean, 0.5, 0.005);
  EXPECT_NEAR(u.variance, 1.0 / 12.0, 0.002);
  std::vector<int> hist(7, 0);
  for (int i = 0; i < 70000; ++i) {
    const std::uint64_t j = rng.uniform_index(7);
    ASSERT_LT(j, 7u);
    ++hist[j];
  }
  for (int h : hist) EXPECT_NEAR(h, 10000, 500);
  for (int i = 0; i < 1000; ++i) {
    const double p = rng.uniform_positive();
    ASSERT_GT(p, 0.0);
    ASSERT_LT(p, 1.0);
  }
}

TEST(SynthRandom, NormalMoments) {
  synth::Random rng(2);
  const Moments m = moments(200000, [&] { return rng.normal(); });
  EXPECT_NEAR(m.mean, 0.0, 0.01);
  EXPECT_NEAR(m.variance, 1.0, 0.015);
  // Fourth moment 3 (a Gaussian, not just any unit-variance law).
  synth::Random rng2(3);
  const Moments q = moments(200000, [&] {
    const double x = rng2.normal();
    return x * x * x * x;
  });
  EXPECT_NEAR(q.mean, 3.0, 0.1);
}

TEST(SynthRandom, GammaMoments) {
  for (double shape : {0.05, 0.3, 1.0, 2.5, 40.0}) {
    synth::Random rng(4);
    const double scale = 1.7;
    const Moments m = moments(200000, [&] { return rng.gamma(shape, scale); });
    const double mean = shape * scale, var = shape * scale * scale;
    EXPECT_NEAR(m.mean, mean, 0.02 * mean + 0.002) << "shape " << shape;
    EXPECT_NEAR(m.variance, var, 0.06 * var) << "shape " << shape;
  }
  synth::Random rng(5);
  EXPECT_THROW(rng.gamma(0.0), ArgumentError);
  EXPECT_THROW(rng.gamma(1.0, -1.0), ArgumentError);
}

TEST(SynthRandom, LogGammaDoesNotUnderflow) {
  synth::Random rng(6);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(std::isfinite(rng.log_gamma_variate(0.001)));
}

TEST(SynthRandom, PoissonMoments) {
  for (double mean : {0.05, 0.8, 4.0, 9.99, 10.0, 37.5, 1000.0, 1e6}) {
    synth::Random rng(8);
    const Moments m = moments(200000, [&] { return static_cast<double>(rng.poisson(mean)); });
    EXPECT_NEAR(m.mean, mean, 0.01 * mean + 0.003) << "mean " << mean;
    EXPECT_NEAR(m.variance, mean, 0.03 * mean + 0.003) << "mean " << mean;
  }
  synth::Random rng(9);
  EXPECT_EQ(rng.poisson(0.0), 0);
  // P(0) for mean 2 is e^-2.
  int zeros = 0;
  for (int i = 0; i < 100000; ++i) zeros += rng.poisson(2.0) == 0;
  EXPECT_NEAR(zeros / 100000.0, std::exp(-2.0), 0.004);
}

TEST(SynthRandom, DirichletMoments) {
  synth::Random rng(10);
  const std::vector<double> alpha{0.2, 1.0, 3.0, 0.05};
  const double a0 = 0.2 + 1.0 + 3.0 + 0.05;
  std::vector<double> sum(4, 0.0), sum2(4, 0.0), x(4);
  const int count = 100000;
  for (int i = 0; i < count; ++i) {
    rng.dirichlet(alpha.data(), 4, x.data());
    double s = 0.0;
    for (int t = 0; t < 4; ++t) {
      ASSERT_GE(x[t], 0.0);
      s += x[t];
      sum[t] += x[t];
      sum2[t] += x[t] * x[t];
    }
    ASSERT_NEAR(s, 1.0, 1e-12);
  }
  for (int t = 0; t < 4; ++t) {
    const double mean = alpha[t] / a0, var = mean * (1 - mean) / (a0 + 1);
    EXPECT_NEAR(sum[t] / count, mean, 0.01);
    EXPECT_NEAR(sum2[t] / count - (sum[t] / count) * (sum[t] / count), var, 0.1 * var + 1e-4);
  }
  // Tiny concentrations: still a distribution, never all zeros or NaN.
  for (int i = 0; i < 1000; ++i) {
    rng.dirichlet(0.001, 5, x.data());
    ASSERT_NEAR(x[0] + x[1] + x[2] + x[3] + x[4], 1.0, 1e-12);
  }
}

TEST(SynthRandom, AliasTableFrequencies) {
  const std::vector<double> w{0.0, 1.0, 3.0, 0.0, 6.0};
  const AliasTable table(w);
  synth::Random rng(11);
  std::vector<int> hist(5, 0);
  const int count = 200000;
  for (int i = 0; i < count; ++i) ++hist[table.sample(rng)];
  EXPECT_EQ(hist[0], 0);
  EXPECT_EQ(hist[3], 0);
  EXPECT_NEAR(hist[1] / double(count), 0.1, 0.005);
  EXPECT_NEAR(hist[2] / double(count), 0.3, 0.005);
  EXPECT_NEAR(hist[4] / double(count), 0.6, 0.005);
  EXPECT_THROW(AliasTable(std::vector<double>{0.0, 0.0}), ArgumentError);
  EXPECT_THROW(AliasTable(std::vector<double>{1.0, -1.0}), ArgumentError);
}

// ---------------------------------------------------------------------------
// Planted topics
// ---------------------------------------------------------------------------

TEST(SynthTopics, ShapesAndInvariants) {
  TopicsOptions o;
  o.n_documents = 300;
  o.n_terms = 500;
  o.n_topics = 7;
  const TopicsResult r = make_topics(o);
  EXPECT_EQ(r.X.rows, 300);
  EXPECT_EQ(r.X.cols, 500);
  EXPECT_NO_THROW(validate_csr(r.X.view(), "topics"));
  EXPECT_EQ(r.W.rows, 300);
  EXPECT_EQ(r.W.cols, 7);
  EXPECT_EQ(r.H.rows, 7);
  EXPECT_EQ(r.H.cols, 500);
  EXPECT_EQ(r.labels.size(), 300u);
  EXPECT_EQ(r.vocabulary.size(), 500u);
  EXPECT_EQ(r.vocabulary[7], "t0007");
  for (Index p = 0; p < r.X.nnz(); ++p) {
    ASSERT_GT(r.X.data[p], 0.0);
    ASSERT_EQ(r.X.data[p], std::floor(r.X.data[p]));  // Poisson counts
  }
  for (Index i = 0; i < r.X.rows; ++i)
    for (Index p = r.X.indptr[i] + 1; p < r.X.indptr[i + 1]; ++p) ASSERT_LT(r.X.indices[p - 1], r.X.indices[p]);
  for (double v : r.W.values) ASSERT_GE(v, 0.0);
  for (Index t = 0; t < 7; ++t) {
    double s = 0.0;
    for (Index j = 0; j < 500; ++j) {
      ASSERT_GE(r.H(t, j), 0.0);
      s += r.H(t, j);
    }
    EXPECT_NEAR(s, 1.0, 1e-12);
  }
  for (Index i = 0; i < 300; ++i) {
    double s = 0.0;
    int best = 0;
    for (int t = 0; t < 7; ++t) {
      s += r.W(i, t);
      if (r.W(i, t) > r.W(i, best)) best = t;
    }
    EXPECT_NEAR(s, r.doc_lengths[i], 1e-9 * s);
    EXPECT_EQ(r.labels[i], best);
  }
}

TEST(SynthTopics, DeterministicForASeed) {
  TopicsOptions o;
  o.n_documents = 200;
  o.n_terms = 300;
  o.n_topics = 5;
  o.overlap = 0.3;
  o.seed = 42;
  const TopicsResult a = make_topics(o), b = make_topics(o);
  EXPECT_TRUE(same_matrix(a.X, b.X));
  EXPECT_EQ(a.W.values, b.W.values);
  EXPECT_EQ(a.H.values, b.H.values);
  EXPECT_EQ(a.labels, b.labels);
  o.seed = 43;
  const TopicsResult c = make_topics(o);
  EXPECT_FALSE(same_matrix(a.X, c.X));
  EXPECT_NE(a.H.values, c.H.values);
}

TEST(SynthTopics, DisjointTopTermsWithoutOverlap) {
  TopicsOptions o;
  o.n_documents = 400;
  o.n_terms = 1000;
  o.n_topics = 10;
  o.overlap = 0.0;
  const TopicsResult r = make_topics(o);
  std::set<Index> seen;
  for (int t = 0; t < 10; ++t) {
    for (Index j : top_terms(r.H, t, 10)) {
      EXPECT_TRUE(seen.insert(j).second) << "term " << j << " is a top term of two topics";
      EXPECT_GE(j, r.anchor_begin[t]);
      EXPECT_LT(j, r.anchor_begin[t + 1]);
    }
  }
  // No mass outside the anchor block.
  for (int t = 0; t < 10; ++t)
    for (Index j = 0; j < r.H.cols; ++j) {
      if (j < r.anchor_begin[t] || j >= r.anchor_begin[t + 1]) ASSERT_EQ(r.H(t, j), 0.0);
    }
  // The dominant topic of a document is visible in its counts: most of its
  // tokens fall in that topic's anchor block (alpha = 0.1 gives peaked mixtures).
  int agree = 0;
  for (Index i = 0; i < r.X.rows; ++i) {
    std::vector<double> per_block(10, 0.0);
    for (Index p = r.X.indptr[i]; p < r.X.indptr[i + 1]; ++p)
      per_block[static_cast<std::size_t>(r.X.indices[p] * 10 / r.X.cols)] += r.X.data[p];
    agree += std::max_element(per_block.begin(), per_block.end()) - per_block.begin() == r.labels[i];
  }
  EXPECT_GT(agree, 0.9 * r.X.rows);
}

TEST(SynthTopics, OverlapSharesMass) {
  TopicsOptions o;
  o.n_documents = 10;
  o.n_terms = 400;
  o.n_topics = 4;
  o.overlap = 0.6;
  const TopicsResult r = make_topics(o);
  for (int t = 0; t < 4; ++t) {
    double outside = 0.0;
    for (Index j = 0; j < r.H.cols; ++j)
      if (j < r.anchor_begin[t] || j >= r.anchor_begin[t + 1]) outside += r.H(t, j);
    EXPECT_GT(outside, 0.3);  // about 0.6 * 3/4 of the shared component
    EXPECT_LT(outside, 0.6);
  }
}

TEST(SynthTopics, RowSumsMatchDocumentLengths) {
  TopicsOptions o;
  o.n_documents = 2000;
  o.n_terms = 300;
  o.n_topics = 5;
  o.doc_length = 80.0;
  const TopicsResult r = make_topics(o);
  double total = 0.0, requested = 0.0;
  for (Index i = 0; i < r.X.rows; ++i) {
    for (Index p = r.X.indptr[i]; p < r.X.indptr[i + 1]; ++p) total += r.X.data[p];
    requested += r.doc_lengths[i];
  }
  EXPECT_NEAR(total / r.X.rows, requested / r.X.rows, 0.02 * requested / r.X.rows);
  EXPECT_NEAR(requested / r.X.rows, 80.0, 3.0);
  // Without length variation every document expects exactly doc_length tokens.
  o.length_cv = 0.0;
  const TopicsResult fixed = make_topics(o);
  for (double L : fixed.doc_lengths) EXPECT_EQ(L, 80.0);
}

TEST(SynthTopics, NoNoiseIsTheExactProduct) {
  TopicsOptions o;
  o.n_documents = 30;
  o.n_terms = 60;
  o.n_topics = 3;
  o.overlap = 0.2;
  o.noise = Noise::None;
  const TopicsResult r = make_topics(o);
  EXPECT_LT(relative_error(multiply(r.W, r.H), to_dense(r.X)), 1e-14);
}

TEST(SynthTopics, RejectsBadOptions) {
  TopicsOptions o;
  o.n_terms = 5;
  o.n_topics = 10;
  EXPECT_THROW(make_topics(o), ArgumentError);
  o = TopicsOptions{};
  o.overlap = 1.5;
  EXPECT_THROW(make_topics(o), ArgumentError);
  o = TopicsOptions{};
  o.alpha = 0.0;
  EXPECT_THROW(make_topics(o), ArgumentError);
  o = TopicsOptions{};
  o.n_documents = 0;
  EXPECT_THROW(make_topics(o), ArgumentError);
  EXPECT_THROW(parse_noise("gaussian"), ArgumentError);
  EXPECT_EQ(parse_noise("none"), Noise::None);
}

TEST(SynthTopics, CorpusConversion) {
  TopicsOptions o;
  o.n_documents = 20;
  o.n_terms = 50;
  o.n_topics = 12;
  const TopicsResult r = make_topics(o);
  const Corpus c = to_corpus(r, o);
  EXPECT_NO_THROW(validate_corpus(c, "synthetic"));
  EXPECT_EQ(c.labels.size(), 20u);
  EXPECT_EQ(c.labels[0], topic_label(r.labels[0], 12));
  EXPECT_EQ(topic_label(3, 12), "topic03");
  EXPECT_EQ(topic_label(3, 10), "topic3");
  EXPECT_EQ(c.doc_ids[0], "d0000");
  EXPECT_EQ(c.weighting, "count");
}

// ---------------------------------------------------------------------------
// Planted hierarchy
// ---------------------------------------------------------------------------

TEST(SynthHierarchy, DefaultGroupingIsNineFourTwo) {
  EXPECT_EQ(contiguous_parents(9, 4), (std::vector<int>{0, 0, 0, 1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(contiguous_parents(4, 2), (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(contiguous_parents(5, 5), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_THROW(contiguous_parents(3, 4), ArgumentError);
  const HierarchyResult r = make_hierarchy(HierarchyOptions{});
  ASSERT_EQ(r.parents.size(), 2u);
  EXPECT_EQ(r.parents[0], contiguous_parents(9, 4));
  EXPECT_EQ(r.parents[1], contiguous_parents(4, 2));
}

TEST(SynthHierarchy, ShapesLabelsAndFactors) {
  HierarchyOptions o;
  o.n_documents = 600;
  o.n_terms = 450;
  const HierarchyResult r = make_hierarchy(o);
  EXPECT_EQ(r.X.rows, 600);
  EXPECT_EQ(r.X.cols, 450);
  EXPECT_NO_THROW(validate_csr(r.X.view(), "hierarchy"));
  ASSERT_EQ(r.W.size(), 3u);
  ASSERT_EQ(r.H.size(), 3u);
  ASSERT_EQ(r.labels.size(), 3u);
  const std::vector<int> ranks{9, 4, 2};
  for (int l = 0; l < 3; ++l) {
    EXPECT_EQ(r.W[l].rows, 600);
    EXPECT_EQ(r.W[l].cols, ranks[l]);
    EXPECT_EQ(r.H[l].rows, ranks[l]);
    EXPECT_EQ(r.H[l].cols, 450);
    for (int t = 0; t < ranks[l]; ++t) {
      double s = 0.0;
      for (Index j = 0; j < 450; ++j) s += r.H[l](t, j);
      EXPECT_NEAR(s, 1.0, 1e-12);
    }
    if (l > 0) {
      EXPECT_EQ(r.mixing[l].rows, ranks[l]);
      EXPECT_EQ(r.mixing[l].cols, ranks[l - 1]);
      // W[l] aggregates W[l - 1]; H[l] = mixing[l] H[l - 1].
      for (Index i = 0; i < 600; ++i) {
        double up = 0.0, down = 0.0;
        for (int t = 0; t < ranks[l]; ++t) up += r.W[l](i, t);
        for (int t = 0; t < ranks[l - 1]; ++t) down += r.W[l - 1](i, t);
        ASSERT_NEAR(up, down, 1e-9 * down);
      }
      EXPECT_LT(relative_error(multiply(r.mixing[l], r.H[l - 1]), r.H[l]), 1e-14);
    }
  }
  // Every document's labels follow the tree, and all topics occur.
  std::vector<std::set<int>> used(3);
  for (Index i = 0; i < 600; ++i) {
    for (int l = 0; l < 3; ++l) used[l].insert(r.labels[l][i]);
    EXPECT_EQ(r.labels[1][i], r.parents[0][r.labels[0][i]]);
    EXPECT_EQ(r.labels[2][i], r.parents[1][r.labels[1][i]]);
    int best = 0;
    for (int t = 1; t < 9; ++t)
      if (r.W[0](i, t) > r.W[0](i, best)) best = t;
    EXPECT_EQ(r.labels[0][i], best);
  }
  for (int l = 0; l < 3; ++l) EXPECT_EQ(static_cast<int>(used[l].size()), ranks[l]);
  // Siblings share their parent's terms; cousins in other top groups share nothing.
  double sib = 0.0, other = 0.0;
  for (Index j = 0; j < 450; ++j) {
    sib += std::min(r.H[0](0, j), r.H[0](1, j));    // leaves 0 and 1 share parent 0
    other += std::min(r.H[0](0, j), r.H[0](8, j));  // leaf 8 is under the other top topic
  }
  EXPECT_GT(sib, 0.1);
  EXPECT_EQ(other, 0.0);
}

TEST(SynthHierarchy, ErrorGrowsUpTheLayers) {
  HierarchyOptions o;
  o.n_documents = 300;
  o.n_terms = 300;
  o.noise = Noise::None;
  const HierarchyResult r = make_hierarchy(o);
  const DenseMatrix X = to_dense(r.X);
  const double e0 = relative_error(X, multiply(r.W[0], r.H[0]));
  const double e1 = relative_error(X, multiply(r.W[1], r.H[1]));
  const double e2 = relative_error(X, multiply(r.W[2], r.H[2]));
  EXPECT_LT(e0, 1e-12);
  EXPECT_GT(e1, 0.05);
  EXPECT_GT(e2, e1);
}

TEST(SynthHierarchy, DeterministicAndCustomParents) {
  HierarchyOptions o;
  o.n_documents = 100;
  o.n_terms = 200;
  o.ranks = {6, 2};
  o.parents = {{1, 0, 1, 0, 1, 0}};
  const HierarchyResult a = make_hierarchy(o), b = make_hierarchy(o);
  EXPECT_TRUE(same_matrix(a.X, b.X));
  EXPECT_EQ(a.labels, b.labels);
  for (Index i = 0; i < 100; ++i) EXPECT_EQ(a.labels[1][i], (a.labels[0][i] % 2 == 0) ? 1 : 0);
  o.seed = 1;
  EXPECT_FALSE(same_matrix(a.X, make_hierarchy(o).X));
  o.parents = {{0, 0, 0, 0, 0, 0}};  // parent 1 unused
  EXPECT_THROW(make_hierarchy(o), ArgumentError);
  o.parents = {{0, 1, 2, 0, 1, 0}};  // out of range
  EXPECT_THROW(make_hierarchy(o), ArgumentError);
  o.parents.clear();
  o.ranks = {2, 4};
  EXPECT_THROW(make_hierarchy(o), ArgumentError);
  o.ranks = {9, 4, 2};
  o.n_terms = 10;  // fewer terms than tree nodes
  EXPECT_THROW(make_hierarchy(o), ArgumentError);
}

TEST(SynthHierarchy, SingleLayerIsPlantedTopics) {
  HierarchyOptions o;
  o.ranks = {5};
  o.n_documents = 50;
  o.n_terms = 100;
  const HierarchyResult r = make_hierarchy(o);
  EXPECT_EQ(r.W.size(), 1u);
  EXPECT_TRUE(r.parents.empty());
  const Corpus c = to_corpus(r, o);
  EXPECT_NO_THROW(validate_corpus(c, "synthetic"));
}

// ---------------------------------------------------------------------------
// Low rank with missing entries
// ---------------------------------------------------------------------------

TEST(SynthLowRank, ObservedFractionMaskAndHeldOut) {
  LowRankOptions o;
  o.n_rows = 500;
  o.n_cols = 400;
  o.rank = 4;
  o.observed = 0.3;
  const LowRankResult r = make_lowrank(o);
  EXPECT_NO_THROW(validate_csr(r.X.view(), "lowrank"));
  const double fraction = double(r.X.nnz()) / (500.0 * 400.0);
  EXPECT_NEAR(fraction, 0.3, 0.01);
  EXPECT_EQ(r.X.nnz() + static_cast<Index>(r.held_out.size()), 500 * 400);
  EXPECT_EQ(r.mask.indptr, r.X.indptr);
  EXPECT_EQ(r.mask.indices, r.X.indices);
  for (double v : r.mask.data) ASSERT_EQ(v, 1.0);
  // Observed and held-out values are (W H)_ij exactly without noise.
  const DenseMatrix WH = multiply(r.W, r.H);
  for (Index i = 0; i < r.X.rows; ++i)
    for (Index p = r.X.indptr[i]; p < r.X.indptr[i + 1]; ++p) ASSERT_NEAR(r.X.data[p], WH(i, r.X.indices[p]), 1e-12);
  std::set<std::pair<Index, Index>> observed;
  for (Index i = 0; i < r.X.rows; ++i)
    for (Index p = r.X.indptr[i]; p < r.X.indptr[i + 1]; ++p) observed.insert({i, r.X.indices[p]});
  for (const Triplet& t : r.held_out) {
    ASSERT_EQ(observed.count({t.row, t.col}), 0u);
    ASSERT_NEAR(t.value, WH(t.row, t.col), 1e-12);
  }
  // Mean entry about `scale`.
  double mean = std::accumulate(WH.values.begin(), WH.values.end(), 0.0) / WH.values.size();
  EXPECT_NEAR(mean, 1.0, 0.1);
}

TEST(SynthLowRank, ExplicitZerosAreStored) {
  LowRankOptions o;
  o.n_rows = 200;
  o.n_cols = 100;
  o.rank = 2;
  o.factor_density = 0.3;
  o.noise_sigma = 0.05;
  o.held_out = 0.5;
  const LowRankResult r = make_lowrank(o);
  const Index zeros = std::count(r.X.data.begin(), r.X.data.end(), 0.0);
  EXPECT_GT(zeros, 0);
  for (double v : r.X.data) ASSERT_GE(v, 0.0);
  for (const Triplet& t : r.held_out) ASSERT_GE(t.value, 0.0);
  const double unobserved = 200.0 * 100.0 - r.X.nnz();
  EXPECT_NEAR(r.held_out.size() / unobserved, 0.5, 0.03);
  const Corpus c = to_corpus(r, o);
  EXPECT_NO_THROW(validate_corpus(c, "synthetic"));
  EXPECT_EQ(c.matrix.nnz(), r.X.nnz());
}

TEST(SynthLowRank, DeterministicAndChecked) {
  LowRankOptions o;
  o.n_rows = 50;
  o.n_cols = 40;
  o.noise_sigma = 0.1;
  const LowRankResult a = make_lowrank(o), b = make_lowrank(o);
  EXPECT_TRUE(same_matrix(a.X, b.X));
  EXPECT_EQ(a.W.values, b.W.values);
  o.seed = 5;
  EXPECT_FALSE(same_matrix(a.X, make_lowrank(o).X));
  o.observed = 0.0;
  EXPECT_THROW(make_lowrank(o), ArgumentError);
  o.observed = 1.0;
  EXPECT_EQ(make_lowrank(o).X.nnz(), 50 * 40);
  o.rank = 0;
  EXPECT_THROW(make_lowrank(o), ArgumentError);
}

// ---------------------------------------------------------------------------
// Zipfian corpus
// ---------------------------------------------------------------------------

TEST(SynthZipf, VocabularyIsDistinctAndTokenizable) {
  for (WordStyle style : {WordStyle::Pronounceable, WordStyle::Numbered}) {
    const auto words = zipf_vocabulary(20000, style);
    EXPECT_EQ(std::set<std::string>(words.begin(), words.end()).size(), words.size());
    for (const auto& w : words) {
      ASSERT_GE(w.size(), 2u);
      for (char ch : w) ASSERT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) << w;
    }
  }
  const auto p = zipf_vocabulary(5, WordStyle::Pronounceable);
  EXPECT_EQ(p[0], "ba");
  for (const auto& w : p) EXPECT_NE(w, "be");  // an English stop word
  EXPECT_EQ(zipf_vocabulary(3, WordStyle::Numbered), (std::vector<std::string>{"w0", "w1", "w2"}));
}

TEST(SynthZipf, RankFrequencySlope) {
  for (double s : {1.07, 1.5}) {
    ZipfOptions o;
    o.vocabulary_size = 5000;
    o.exponent = s;
    o.n_documents = 3000;
    o.doc_length = 100;
    const ZipfCorpus c = make_zipf_corpus(o);
    EXPECT_EQ(c.documents.size(), 3000u);
    EXPECT_NEAR(zipf_slope(c.documents, 100), -s, 0.1) << "exponent " << s;
  }
}

TEST(SynthZipf, LengthsDeterminismAndTopics) {
  ZipfOptions o;
  o.n_documents = 500;
  o.doc_length = 40;
  o.n_topics = 4;
  const ZipfCorpus a = make_zipf_corpus(o), b = make_zipf_corpus(o);
  EXPECT_EQ(a.documents, b.documents);
  EXPECT_EQ(a.labels, b.labels);
  double tokens = 0.0;
  std::set<std::string> labels(a.labels.begin(), a.labels.end());
  EXPECT_EQ(labels, (std::set<std::string>{"topic0", "topic1", "topic2", "topic3"}));
  for (const auto& d : a.documents) {
    ASSERT_FALSE(d.empty());
    tokens += 1 + std::count(d.begin(), d.end(), ' ');
  }
  EXPECT_NEAR(tokens / 500.0, 40.0, 2.5);
  o.seed = 3;
  EXPECT_NE(a.documents, make_zipf_corpus(o).documents);
}

TEST(SynthZipf, TopicsChangeWordUse) {
  // Documents of the same topic share vocabulary more than documents of different topics.
  ZipfOptions o;
  o.n_documents = 400;
  o.n_topics = 2;
  o.topic_weight = 0.8;
  o.topic_alpha = 0.05;
  o.vocabulary_size = 2000;
  const ZipfCorpus c = make_zipf_corpus(o);
  std::vector<std::map<std::string, double>> freq(2);
  for (std::size_t i = 0; i < c.documents.size(); ++i) {
    std::istringstream in(c.documents[i]);
    std::string w;
    while (in >> w) freq[c.topics[i]][w] += 1;
  }
  // The most frequent word of topic 0 is much rarer in topic 1 (their orders are independent permutations).
  auto top0 = std::max_element(freq[0].begin(), freq[0].end(),
                               [](const auto& x, const auto& y) { return x.second < y.second; });
  EXPECT_GT(top0->second, 3.0 * freq[1][top0->first]);
}

TEST(SynthZipf, StreamsToFileWithTargetSize) {
  ZipfOptions o;
  o.target_bytes = 300000;
  o.n_topics = 3;
  const std::string lines = ::testing::TempDir() + "synth_zipf.txt";
  const std::string tsv = ::testing::TempDir() + "synth_zipf.tsv";
  EXPECT_EQ(zipf_format_for_path(lines), ZipfFileFormat::Lines);
  EXPECT_EQ(zipf_format_for_path(tsv), ZipfFileFormat::Tsv);
  EXPECT_EQ(zipf_format_for_path("X.TSV"), ZipfFileFormat::Tsv);
  const ZipfWriteSummary s = write_zipf_corpus(lines, o, ZipfFileFormat::Lines);
  EXPECT_GE(s.bytes, 300000);
  EXPECT_LT(s.bytes, 300000 + 10000);
  std::ifstream in(lines, std::ios::binary);
  std::vector<std::string> file_docs;
  std::string line;
  std::int64_t size = 0;
  while (std::getline(in, line)) {
    size += static_cast<std::int64_t>(line.size()) + 1;
    file_docs.push_back(line);
  }
  EXPECT_EQ(size, s.bytes);
  EXPECT_EQ(static_cast<Index>(file_docs.size()), s.documents);
  // The same documents as in memory, whatever the stopping rule.
  ZipfOptions by_count = o;
  by_count.target_bytes = 0;
  by_count.n_documents = s.documents;
  EXPECT_EQ(make_zipf_corpus(by_count).documents, file_docs);

  const ZipfWriteSummary t = write_zipf_corpus(tsv, by_count, ZipfFileFormat::Tsv);
  EXPECT_EQ(t.documents, s.documents);
  std::ifstream tin(tsv, std::ios::binary);
  std::getline(tin, line);
  const auto tab1 = line.find('\t'), tab2 = line.find('\t', tab1 + 1);
  ASSERT_NE(tab2, std::string::npos);
  EXPECT_EQ(line.substr(0, tab1), "doc0");
  EXPECT_EQ(line.substr(tab1 + 1, 5), "topic");
  EXPECT_EQ(line.substr(tab2 + 1), file_docs[0]);
  std::remove(lines.c_str());
  std::remove(tsv.c_str());
}

TEST(SynthZipf, ProgressCanStop) {
  ZipfOptions o;
  o.target_bytes = 5 << 20;
  const std::string path = ::testing::TempDir() + "synth_zipf_stopped.txt";
  std::remove(path.c_str());
  int calls = 0;
  const ZipfWriteSummary s = write_zipf_corpus(path, o, ZipfFileFormat::Lines, [&](const ProgressEvent& e) {
    ++calls;
    EXPECT_EQ(e.total, 5 << 20);
    return false;
  });
  EXPECT_TRUE(s.interrupted);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(std::ifstream(path).good());  // nothing written
}

TEST(SynthZipf, RejectsBadOptions) {
  ZipfOptions o;
  o.exponent = 0.0;
  EXPECT_THROW(ZipfGenerator{o}, ArgumentError);
  o = ZipfOptions{};
  o.doc_length = 0.5;
  EXPECT_THROW(ZipfGenerator{o}, ArgumentError);
  o = ZipfOptions{};
  o.vocabulary_size = 0;
  EXPECT_THROW(ZipfGenerator{o}, ArgumentError);
  EXPECT_THROW(parse_word_style("klingon"), ArgumentError);
}
