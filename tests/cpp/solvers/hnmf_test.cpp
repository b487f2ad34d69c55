// Hierarchical NMF: the backpropagated Neural NMF gradient against finite
// differences, the planted 9 -> 4 -> 2 hierarchy (SPEC 3.4), invariants.
#include "strata/solvers/hnmf.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/synth/generators.hpp"

using namespace strata;

namespace {

SparseMatrix random_sparse(Index n, Index m, double density, std::uint64_t seed) {
  Random rng(seed);
  std::vector<Triplet> t;
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < m; ++j)
      if (rng.uniform() < density) t.push_back({i, static_cast<ColIndex>(j), rng.uniform() * 2});
  return csr_from_triplets(n, m, std::move(t));
}

DenseMatrix positive(Index rows, Index cols, std::uint64_t seed) {
  Random rng(seed);
  DenseMatrix A(rows, cols);
  for (Index i = 0; i < A.size(); ++i) A.data()[i] = 0.1 + rng.uniform();
  return A;
}

LabelEncoding some_labels(Index n, int classes, double fraction, std::uint64_t seed) {
  Random rng(seed);
  std::vector<std::string> labels(static_cast<size_t>(n));
  for (Index i = 0; i < n; ++i)
    if (rng.uniform() < fraction) labels[i] = "c" + std::to_string(i % classes);
  return encode_labels(labels);
}

/// Central finite differences of neural_nmf_cost against its backpropagated gradient.
void check_gradient(HnmfLoss loss, bool supervised) {
  const SparseMatrix X = random_sparse(30, 25, 0.5, 1);
  std::vector<DenseMatrix> factors{positive(6, 25, 2), positive(4, 6, 3), positive(3, 4, 4)};
  const LabelEncoding labels = some_labels(30, 3, 0.6, 5);
  DenseMatrix B = positive(3, 3, 6);
  const LabelEncoding* lp = supervised ? &labels : nullptr;
  const double lambda = 0.7;
  std::vector<DenseMatrix> grad;
  neural_nmf_cost(X.view(), factors, supervised ? &B : nullptr, lp, lambda, loss, 2, &grad);
  ASSERT_EQ(grad.size(), factors.size() + (supervised ? 1 : 0));
  auto cost_at = [&] { return neural_nmf_cost(X.view(), factors, supervised ? &B : nullptr, lp, lambda, loss, 2, nullptr); };
  int checked = 0;
  for (size_t b = 0; b < grad.size(); ++b) {
    DenseMatrix& P = b < factors.size() ? factors[b] : B;
    const double gmax = grad[b].cwiseAbs().maxCoeff();
    ASSERT_GT(gmax, 0.0) << "factor " << b;
    for (Index e = 0; e < P.size(); e += 3) {
      const double saved = P.data()[e], h = 1e-6 * std::max(1.0, std::abs(saved));
      P.data()[e] = saved + h;
      const double up = cost_at();
      P.data()[e] = saved - h;
      const double down = cost_at();
      P.data()[e] = saved;
      const double fd = (up - down) / (2 * h);
      EXPECT_NEAR(grad[b].data()[e], fd, 1e-5 * gmax + 1e-6 * std::abs(fd)) << "factor " << b << " entry " << e;
      ++checked;
    }
  }
  EXPECT_GT(checked, 30);
}

synth::HierarchyResult planted(std::uint64_t seed) {
  synth::HierarchyOptions h;
  h.n_documents = 200;
  h.n_terms = 300;
  h.seed = seed;
  return synth::make_hierarchy(h);
}

}  // namespace

TEST(NeuralNmfGradient, ReconstructionCostMatchesFiniteDifferences) { check_gradient(HnmfLoss::Reconstruction, false); }
TEST(NeuralNmfGradient, EnergyCostMatchesFiniteDifferences) { check_gradient(HnmfLoss::Energy, false); }
TEST(NeuralNmfGradient, SupervisedTermMatchesFiniteDifferences) {
  check_gradient(HnmfLoss::Reconstruction, true);
  check_gradient(HnmfLoss::Energy, true);
}

TEST(Hnmf, PlantedHierarchyNeuralBeatsSequentialAndMatchesDeep) {
  // SPEC 3.4 / the slides' table: a model per depth (9 -> 4 and 9 -> 4 -> 2);
  // Neural NMF's error at the last layer is below sequential NMF's and not
  // above Deep NMF's.
  const auto data = planted(11);
  for (std::vector<int> ranks : {std::vector<int>{9, 4}, std::vector<int>{9, 4, 2}}) {
    HnmfOptions o;
    o.ranks = ranks;
    o.threads = 1;
    o.epochs = 40;
    o.layer_iter = 100;
    double error[3];
    for (auto method : {HnmfMethod::Sequential, HnmfMethod::Deep, HnmfMethod::Neural}) {
      o.method = method;
      const HnmfResult r = hierarchical_nmf(data.X.view(), o);
      ASSERT_EQ(r.layers.size(), ranks.size());
      error[static_cast<int>(method)] = r.layers.back().relative_error;
    }
    const double seq = error[0], deep = error[1], neural = error[2];
    SCOPED_TRACE("depth " + std::to_string(ranks.size()) + ": sequential " + std::to_string(seq) + ", deep " +
                 std::to_string(deep) + ", neural " + std::to_string(neural));
    EXPECT_LT(neural, seq);
    EXPECT_LE(neural, deep * 1.01);
  }
}

TEST(Hnmf, SemiSupervisedNeuralClassifiesUnlabeledDocuments) {
  const auto data = planted(12);
  const auto& top = data.labels.back();  // the 2 top-level classes
  Random rng(3);
  std::vector<std::string> given(top.size());
  std::vector<char> hidden(top.size(), 1);
  for (size_t i = 0; i < top.size(); ++i)
    if (rng.uniform() < 0.4) given[i] = "g" + std::to_string(top[i]), hidden[i] = 0;
  const LabelEncoding labels = encode_labels(given);
  HnmfOptions o;
  o.ranks = {9, 4, 2};
  o.method = HnmfMethod::Neural;
  o.labels = &labels;
  o.threads = 1;
  o.epochs = 40;
  o.layer_iter = 100;
  const HnmfResult r = hierarchical_nmf(data.X.view(), o);
  ASSERT_EQ(r.predicted.size(), top.size());
  Index right = 0, count = 0;
  for (size_t i = 0; i < top.size(); ++i) {
    if (!hidden[i]) continue;
    ++count;
    right += labels.classes[static_cast<size_t>(r.predicted[i])] == "g" + std::to_string(top[i]);
  }
  EXPECT_GE(static_cast<double>(right) / count, 0.95);
  EXPECT_GE(r.layers.back().accuracy, 0.95);
}

TEST(Hnmf, DeepNeverIncreasesTheCost) {
  // Includes the seed where an exact NNLS of the singular H_0 subproblem used to raise the cost.
  const auto data = planted(12);
  HnmfOptions o;
  o.ranks = {9, 4};
  o.method = HnmfMethod::Deep;
  o.threads = 1;
  o.epochs = 10;
  const HnmfResult r = hierarchical_nmf(data.X.view(), o);
  for (size_t e = 1; e < r.history.size(); ++e) EXPECT_LE(r.history[e].loss, r.history[e - 1].loss);
  EXPECT_LT(r.history.back().loss, r.history.front().loss);
}

TEST(Hnmf, PgdNeverIncreasesTheCostAndForwardPassReproducesCoefficients) {
  const SparseMatrix X = random_sparse(80, 60, 0.3, 21);
  for (auto loss : {HnmfLoss::Reconstruction, HnmfLoss::Energy}) {
    HnmfOptions o;
    o.ranks = {6, 3};
    o.loss = loss;
    o.epochs = 15;
    o.threads = 2;
    const HnmfResult r = hierarchical_nmf(X.view(), o);
    for (size_t e = 1; e < r.history.size(); ++e) EXPECT_LE(r.history[e].loss, r.history[e - 1].loss);
    const auto W = hnmf_forward(X.view(), {r.layers[0].H, r.layers[1].mixing}, 2);
    EXPECT_LT((W[1] - r.layers[1].W).cwiseAbs().maxCoeff(), 1e-9);
    EXPECT_LT((r.layers[1].H - r.layers[1].mixing * r.layers[0].H).cwiseAbs().maxCoeff(), 1e-12);
  }
}

TEST(Hnmf, DeterministicForASeedAndThreadCount) {
  const SparseMatrix X = random_sparse(60, 50, 0.3, 22);
  for (auto method : {HnmfMethod::Sequential, HnmfMethod::Deep, HnmfMethod::Neural})
    for (auto optimizer : {HnmfOptimizer::Pgd, HnmfOptimizer::Adam}) {
      HnmfOptions o;
      o.ranks = {5, 2};
      o.method = method;
      o.optimizer = optimizer;
      o.epochs = 5;
      o.threads = 2;
      const HnmfResult a = hierarchical_nmf(X.view(), o), b = hierarchical_nmf(X.view(), o);
      EXPECT_EQ(a.layers[1].W, b.layers[1].W);
      EXPECT_EQ(a.layers[0].H, b.layers[0].H);
    }
}

TEST(Hnmf, InvalidOptionsNameTheParameter) {
  const SparseMatrix X = random_sparse(20, 15, 0.4, 23);
  HnmfOptions o;
  o.ranks = {3, 5};
  EXPECT_THROW(hierarchical_nmf(X.view(), o), ArgumentError);
  o.ranks = {};
  EXPECT_THROW(hierarchical_nmf(X.view(), o), ArgumentError);
  o.ranks = {4, 2};
  o.learning_rate = 0;
  EXPECT_THROW(hierarchical_nmf(X.view(), o), ArgumentError);
  o.learning_rate = 0.05;
  const LabelEncoding wrong = some_labels(19, 2, 1.0, 1);
  o.labels = &wrong;
  try {
    hierarchical_nmf(X.view(), o);
    FAIL() << "labels of the wrong length accepted";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("labels"), std::string::npos);
  }
  EXPECT_THROW(parse_hnmf_method("shallow"), ArgumentError);
}
