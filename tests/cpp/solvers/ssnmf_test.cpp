// SSNMF against the papers' dense multiplicative updates and exact block
// descent, and its invariants (monotone objective, determinism, classification
// of planted topics, argument errors).
#include "strata/solvers/ssnmf.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "reference/dense_ssnmf.hpp"
#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/synth/generators.hpp"

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

DenseMatrix positive(Index n, Index k, std::uint64_t seed) {
  Random rng(seed);
  DenseMatrix A(n, k);
  for (Index i = 0; i < A.size(); ++i) A.data()[i] = 0.1 + rng.uniform();
  return A;
}

/// Three classes; every third document unlabeled.
LabelEncoding some_labels(Index n) {
  std::vector<std::string> y;
  for (Index i = 0; i < n; ++i) y.push_back(i % 3 == 2 ? "" : std::string(1, static_cast<char>('a' + (i / 3) % 3)));
  return encode_labels(y);
}

SsnmfOptions fixed_run(NmfSolver solver, NmfLoss loss, NmfLoss label_loss, int iterations) {
  SsnmfOptions o;
  o.k = 4;
  o.solver = solver;
  o.loss = loss;
  o.label_loss = label_loss;
  o.lambda = 0.7;
  o.init = NmfInit::Custom;
  o.max_iter = iterations;
  o.tol = 0;
  o.threads = 2;
  o.validation = 0;  // one fit, the one the references follow
  return o;
}

double max_relative_difference(const DenseMatrix& a, const Mat& b) {
  return (a - b).cwiseAbs().maxCoeff() / std::max(b.cwiseAbs().maxCoeff(), 1e-300);
}

struct LossCase {
  NmfLoss loss, label_loss;
};
const LossCase kLossCases[] = {{NmfLoss::Frobenius, NmfLoss::Frobenius},
                               {NmfLoss::Frobenius, NmfLoss::KullbackLeibler},
                               {NmfLoss::KullbackLeibler, NmfLoss::Frobenius},
                               {NmfLoss::KullbackLeibler, NmfLoss::KullbackLeibler}};

}  // namespace

TEST(Ssnmf, MultiplicativeUpdatesMatchDenseReference) {
  const SparseMatrix X = random_sparse(30, 25, 0.4, 1);
  const LabelEncoding labels = some_labels(30);
  const DenseMatrix W0 = positive(30, 4, 2), H0 = positive(4, 25, 3), B0 = positive(4, 3, 4);
  for (const LossCase& lc : kLossCases) {
    const SsnmfOptions o = fixed_run(NmfSolver::Mu, lc.loss, lc.label_loss, 15);
    const SsnmfResult r = ssnmf(X.view(), labels, o, &W0, &H0, &B0);
    const auto p = reference::make_problem(reference::dense(X.view()), labels.codes, 3, o.lambda,
                                           lc.loss == NmfLoss::KullbackLeibler,
                                           lc.label_loss == NmfLoss::KullbackLeibler);
    Mat W = W0, H = H0, B = B0;
    for (int it = 0; it < 15; ++it) reference::ssnmf_mu_step(p, W, H, B);
    SCOPED_TRACE(to_string(lc.loss) + "/" + to_string(lc.label_loss));
    EXPECT_LT(max_relative_difference(r.W, W), 1e-9);
    EXPECT_LT(max_relative_difference(r.H, H), 1e-9);
    EXPECT_LT(max_relative_difference(r.B_fit, B), 1e-9);
    const auto [data, label] = reference::ssnmf_terms(p, W, H, B);
    EXPECT_NEAR(r.data_loss, data, 1e-9 * data);
    EXPECT_NEAR(r.label_loss, label, 1e-9 * label);
    EXPECT_NEAR(r.loss, data + o.lambda * label, 1e-9 * (data + o.lambda * label));
  }
}

TEST(Ssnmf, BppEqualsExactBlockCoordinateDescent) {
  const SparseMatrix X = random_sparse(30, 25, 0.4, 5);
  const LabelEncoding labels = some_labels(30);
  const DenseMatrix W0 = positive(30, 4, 6), H0 = positive(4, 25, 7), B0 = positive(4, 3, 8);
  const SsnmfOptions o = fixed_run(NmfSolver::Bpp, NmfLoss::Frobenius, NmfLoss::Frobenius, 4);
  const SsnmfResult r = ssnmf(X.view(), labels, o, &W0, &H0, &B0);
  const auto p = reference::make_problem(reference::dense(X.view()), labels.codes, 3, o.lambda, false, false);
  Mat W = W0, H = H0, B = B0;
  for (int it = 0; it < 4; ++it) reference::ssnmf_exact_step(p, W, H, B);
  EXPECT_LT(max_relative_difference(r.W, W), 1e-8);
  EXPECT_LT(max_relative_difference(r.H, H), 1e-8);
  EXPECT_LT(max_relative_difference(r.B_fit, B), 1e-8);
}

TEST(Ssnmf, ObjectiveDecreasesForEverySolverAndLoss) {
  const SparseMatrix X = random_sparse(60, 40, 0.3, 9);
  const LabelEncoding labels = some_labels(60);
  for (NmfSolver solver : {NmfSolver::Hals, NmfSolver::Bpp, NmfSolver::Mu})
    for (const LossCase& lc : kLossCases) {
      if (solver == NmfSolver::Bpp && (lc.loss != NmfLoss::Frobenius || lc.label_loss != NmfLoss::Frobenius))
        continue;
      SsnmfOptions o;
      o.k = 5;
      o.solver = solver;
      o.loss = lc.loss;
      o.label_loss = lc.label_loss;
      o.max_iter = 40;
      o.tol = 0;
      o.threads = 2;
      o.validation = 0;  // one fit at the balance lambda
      const SsnmfResult r = ssnmf(X.view(), labels, o);
      SCOPED_TRACE(to_string(solver) + " " + to_string(lc.loss) + "/" + to_string(lc.label_loss));
      ASSERT_EQ(r.history.size(), 41u);
      for (size_t i = 1; i < r.history.size(); ++i)
        EXPECT_LE(r.history[i].loss, r.history[i - 1].loss * (1 + 1e-10)) << "iteration " << i;
      EXPECT_LT(r.history.back().loss, r.history.front().loss);
      // The reported terms are those of the returned factors.
      const auto [data, label] =
          ssnmf_objective_terms(X.view(), labels, r.W, r.H, r.B_fit, lc.loss, lc.label_loss, 2);
      EXPECT_NEAR(r.data_loss, data, 1e-8 * data);
      EXPECT_NEAR(r.label_loss, label, 1e-8 * std::max(label, 1.0));
    }
}

TEST(Ssnmf, HalsReachesTheExactSolversObjective) {
  const SparseMatrix X = random_sparse(80, 50, 0.3, 10);
  const LabelEncoding labels = some_labels(80);
  SsnmfOptions o;
  o.k = 5;
  o.max_iter = 300;
  o.tol = 1e-9;
  o.threads = 2;
  o.validation = 0;  // the same lambda (the balance value) for every solver
  const double hals = ssnmf(X.view(), labels, o).loss;
  o.solver = NmfSolver::Bpp;
  const double bpp = ssnmf(X.view(), labels, o).loss;
  o.solver = NmfSolver::Mu;
  o.max_iter = 100;  // the multiplicative updates are slower: fewer iterations give a higher objective
  const double mu = ssnmf(X.view(), labels, o).loss;
  EXPECT_NEAR(hals, bpp, 0.02 * bpp);
  EXPECT_LT(hals, mu);
}

TEST(Ssnmf, DefaultLambdaBalancesTheTerms) {
  const SparseMatrix X = random_sparse(30, 20, 0.5, 11);
  const LabelEncoding labels = some_labels(30);  // 20 labeled
  const double nx2 = squared_frobenius_norm(X.view());
  double sum = 0;
  for (double v : X.data) sum += v;
  EXPECT_DOUBLE_EQ(ssnmf_default_lambda(X.view(), labels, NmfLoss::Frobenius, NmfLoss::Frobenius), nx2 / 20);
  EXPECT_DOUBLE_EQ(ssnmf_default_lambda(X.view(), labels, NmfLoss::KullbackLeibler, NmfLoss::KullbackLeibler),
                   sum / 20);
  EXPECT_DOUBLE_EQ(ssnmf_default_lambda(X.view(), labels, NmfLoss::Frobenius, NmfLoss::KullbackLeibler),
                   0.5 * nx2 / 20);
  SsnmfOptions o;
  o.k = 3;
  o.max_iter = 2;
  o.validation = 0;  // no validation: an automatic lambda is the balance value itself (multiple 1)
  EXPECT_DOUBLE_EQ(ssnmf(X.view(), labels, o).lambda, nx2 / 20);
  o.lambda = 3.5;
  EXPECT_DOUBLE_EQ(ssnmf(X.view(), labels, o).lambda, 3.5);
}

TEST(Ssnmf, ClassifiesPlantedTopicsFromHalfTheLabels) {
  synth::TopicsOptions t;
  t.n_documents = 400;
  t.n_terms = 300;
  t.n_topics = 4;
  t.alpha = 0.05;
  t.overlap = 0.3;
  t.doc_length = 60;
  t.seed = 3;
  const synth::TopicsResult data = synth::make_topics(t);
  std::vector<std::string> y;
  for (Index i = 0; i < t.n_documents; ++i)
    y.push_back(i % 2 ? "" : synth::topic_label(data.labels[static_cast<size_t>(i)], 4));
  const LabelEncoding labels = encode_labels(y);
  for (const LossCase& lc : kLossCases) {
    SsnmfOptions o;
    o.k = 4;
    o.loss = lc.loss;
    o.label_loss = lc.label_loss;
    o.threads = 2;
    const SsnmfResult r = ssnmf(data.X.view(), labels, o);
    Index correct = 0, hidden = 0;
    for (Index i = 1; i < t.n_documents; i += 2, ++hidden)
      correct += labels.classes[static_cast<size_t>(r.predicted[static_cast<size_t>(i)])] ==
                 synth::topic_label(data.labels[static_cast<size_t>(i)], 4);
    SCOPED_TRACE(to_string(lc.loss) + "/" + to_string(lc.label_loss));
    EXPECT_GE(static_cast<double>(correct) / hidden, 0.9);
    EXPECT_GE(r.training_accuracy, 0.9);
  }
}

TEST(Ssnmf, DeterministicForASeedAndThreadCount) {
  const SparseMatrix X = random_sparse(200, 120, 0.1, 12);
  const LabelEncoding labels = some_labels(200);
  for (NmfLoss loss : {NmfLoss::Frobenius, NmfLoss::KullbackLeibler}) {
    SsnmfOptions o;
    o.k = 6;
    o.loss = loss;
    o.label_loss = loss;
    o.max_iter = 20;
    o.threads = 2;
    o.init = NmfInit::Random;
    o.seed = 42;
    const SsnmfResult a = ssnmf(X.view(), labels, o), b = ssnmf(X.view(), labels, o);
    EXPECT_EQ(a.W, b.W);
    EXPECT_EQ(a.H, b.H);
    EXPECT_EQ(a.B, b.B);
    o.seed = 43;
    EXPECT_NE(ssnmf(X.view(), labels, o).W, a.W);
  }
}

TEST(Ssnmf, ScoresAndPredictions) {
  DenseMatrix W(3, 2), B(2, 3);
  W << 1, 0, 0, 2, 0, 0;
  B << 0.2, 0.8, 0, 0, 0, 1;
  const DenseMatrix S = ssnmf_scores(W, B);
  EXPECT_NEAR(S(0, 1), 0.8, 1e-15);
  EXPECT_NEAR(S(1, 2), 1.0, 1e-15);
  for (Index i = 0; i < 3; ++i) EXPECT_NEAR(S.row(i).sum(), 1.0, 1e-15);
  EXPECT_NEAR(S(2, 0), 1.0 / 3, 1e-15);  // no information: uniform
  EXPECT_EQ(ssnmf_predict(W, B, 0), (std::vector<std::int32_t>{1, 2, 0}));
  EXPECT_EQ(ssnmf_predict(W, B), (std::vector<std::int32_t>{1, 2, -1}));
}

TEST(Ssnmf, RejectsBadArgumentsWithTheirName) {
  const SparseMatrix X = random_sparse(20, 15, 0.4, 13);
  const LabelEncoding labels = some_labels(20);
  auto expect_argument_error = [&](const LabelEncoding& l, const SsnmfOptions& o, const std::string& name) {
    try {
      ssnmf(X.view(), l, o);
      ADD_FAILURE() << "no error for " << name;
    } catch (const ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  };
  SsnmfOptions o;
  o.k = 3;
  expect_argument_error(some_labels(19), o, "labels");
  expect_argument_error(encode_labels(std::vector<std::string>(20, "")), o, "labels");
  LabelEncoding bad = labels;
  bad.codes[4] = 7;
  expect_argument_error(bad, o, "label codes");
  SsnmfOptions b = o;
  b.lambda = -1;
  expect_argument_error(labels, b, "lambda");
  b = o;
  b.k = 16;
  expect_argument_error(labels, b, "k");
  b = o;
  b.folds = 0;
  expect_argument_error(labels, b, "folds");
  b = o;
  b.loss = NmfLoss::Beta;  // beta-divergences are NMF's (MU) only
  expect_argument_error(labels, b, "loss");
  b = o;
  b.solver = NmfSolver::Bpp;
  b.label_loss = NmfLoss::KullbackLeibler;
  expect_argument_error(labels, b, "solver");
  b = o;
  b.init = NmfInit::Custom;
  expect_argument_error(labels, b, "W0, H0 and B0");
  // Negative data is an input error.
  SparseMatrix negative = X;
  negative.data[0] = -1;
  EXPECT_THROW(ssnmf(negative.view(), labels, o), InputError);
}

TEST(Ssnmf, ValidationSplitIsPerClassAndSeeded) {
  std::vector<std::string> y;
  for (int i = 0; i < 100; ++i) y.push_back(i % 10 == 9 ? "" : i < 60 ? "a" : i < 95 ? "b" : "c");
  const LabelEncoding labels = encode_labels(y);  // a: 54, b: 31, c: 4 labeled
  const std::vector<Index> hidden = ssnmf_validation_split(labels, 0.25, 5);
  std::vector<Index> per_class(3, 0);
  for (Index i : hidden) {
    ASSERT_GE(labels.codes[static_cast<size_t>(i)], 0);  // only labeled documents are hidden
    ++per_class[static_cast<size_t>(labels.codes[static_cast<size_t>(i)])];
  }
  EXPECT_EQ(per_class, (std::vector<Index>{14, 8, 1}));  // round(0.25 * count) per class
  EXPECT_TRUE(std::is_sorted(hidden.begin(), hidden.end()));
  EXPECT_EQ(ssnmf_validation_split(labels, 0.25, 5), hidden);
  EXPECT_NE(ssnmf_validation_split(labels, 0.25, 6), hidden);
  // A class with one labeled document keeps it in the fit.
  std::vector<std::string> one{"a", "a", "b", ""};
  EXPECT_EQ(ssnmf_validation_split(encode_labels(one), 0.9, 1).size(), 1u);
  EXPECT_TRUE(ssnmf_validation_split(labels, 0.0, 5).empty());
  EXPECT_THROW(ssnmf_validation_split(labels, 1.0, 5), ArgumentError);
}

TEST(Ssnmf, KCandidatesAreMultiplesOfTheClasses) {
  EXPECT_EQ(ssnmf_k_candidates(12, 3000, 3000), (std::vector<int>{12, 48, 192}));
  EXPECT_EQ(ssnmf_k_candidates(15, 500, 20000), (std::vector<int>{15, 60}));  // 240 clamped to 62: dropped
  EXPECT_EQ(ssnmf_k_candidates(53, 3000, 3000), (std::vector<int>{53, 212, 375}));
  EXPECT_EQ(ssnmf_k_candidates(3, 20, 15), (std::vector<int>{1}));
}

// folds == 1: the automatic lambda is the candidate with the best accuracy on
// the validation split, each candidate being a plain fit with those labels hidden.
TEST(Ssnmf, AutomaticLambdaIsTheBestPlainFitOnTheValidationSplit) {
  synth::TopicsOptions t;
  t.n_documents = 240;
  t.n_terms = 200;
  t.n_topics = 4;
  t.alpha = 0.3;
  t.overlap = 0.6;
  t.doc_length = 30;
  t.seed = 5;
  const synth::TopicsResult data = synth::make_topics(t);
  std::vector<std::string> y;
  for (Index i = 0; i < t.n_documents; ++i)
    y.push_back(i % 5 < 3 ? synth::topic_label(data.labels[static_cast<size_t>(i)], 4) : "");
  const LabelEncoding labels = encode_labels(y);
  SsnmfOptions o;
  o.k = 6;
  o.threads = 2;
  o.seed = 3;
  o.lambda_multiples = {0.01, 1.0, 100.0};
  o.folds = 1;
  const SsnmfResult r = ssnmf(data.X.view(), labels, o);

  const std::vector<Index> hidden = ssnmf_validation_split(labels, o.validation, o.seed);
  LabelEncoding seen = labels;
  for (Index i : hidden) seen.codes[static_cast<size_t>(i)] = -1;
  ASSERT_EQ(r.selection.size(), 3u);
  ASSERT_EQ(r.validation_documents, static_cast<Index>(hidden.size()));
  double best = -1, best_multiple = 0;
  for (size_t c = 0; c < 3; ++c) {
    SsnmfOptions plain = o;
    plain.validation = 0;
    plain.lambda = o.lambda_multiples[c] * ssnmf_default_lambda(data.X.view(), seen, o.loss, o.label_loss);
    const SsnmfResult p = ssnmf(data.X.view(), seen, plain);
    Index correct = 0;
    for (Index i : hidden) correct += p.predicted[static_cast<size_t>(i)] == labels.codes[static_cast<size_t>(i)];
    const double accuracy = static_cast<double>(correct) / static_cast<double>(hidden.size());
    EXPECT_DOUBLE_EQ(r.selection[c].accuracy, accuracy) << "multiple " << o.lambda_multiples[c];
    EXPECT_DOUBLE_EQ(r.selection[c].lambda,
                     o.lambda_multiples[c] * ssnmf_default_lambda(data.X.view(), labels, o.loss, o.label_loss));
    EXPECT_EQ(r.selection[c].fold_accuracy, std::vector<double>{accuracy});
    if (accuracy > best) best = accuracy, best_multiple = o.lambda_multiples[c];
  }
  EXPECT_DOUBLE_EQ(r.validation_accuracy, best);
  EXPECT_DOUBLE_EQ(r.lambda, best_multiple * ssnmf_default_lambda(data.X.view(), labels, o.loss, o.label_loss));
  EXPECT_EQ(r.k, 6);
  // The final fit is the plain fit with all labels at the chosen lambda.
  SsnmfOptions plain = o;
  plain.validation = 0;
  plain.lambda = r.lambda;
  const SsnmfResult p = ssnmf(data.X.view(), labels, plain);
  EXPECT_EQ(p.W, r.W);
  EXPECT_EQ(p.B, r.B);
  EXPECT_EQ(p.predicted, r.predicted);
}

TEST(Ssnmf, CrossValidationFoldsCoverEveryLabeledDocumentOnce) {
  std::vector<std::string> y;
  for (int i = 0; i < 100; ++i) y.push_back(i % 10 == 9 ? "" : i < 60 ? "a" : i < 95 ? "b" : "c");
  const LabelEncoding labels = encode_labels(y);  // a: 54, b: 32, c: 4 labeled
  for (int folds : {2, 3, 5}) {
    const std::vector<std::int32_t> fold = ssnmf_cv_folds(labels, folds, 5);
    ASSERT_EQ(fold.size(), y.size());
    std::vector<std::vector<Index>> count(static_cast<size_t>(folds), std::vector<Index>(3, 0));
    for (size_t i = 0; i < y.size(); ++i) {
      const std::int32_t code = labels.codes[i];
      if (code < 0) {
        EXPECT_EQ(fold[i], -1) << "unlabeled document " << i;  // never in a fold
        continue;
      }
      ASSERT_GE(fold[i], 0);  // every labeled document in exactly one fold
      ASSERT_LT(fold[i], folds);
      ++count[static_cast<size_t>(fold[i])][static_cast<size_t>(code)];
    }
    Index smallest = labels.n_labeled(), largest = 0;
    for (int c = 0; c < 3; ++c) {  // stratified: a class's count differs by at most one between folds
      Index lo = labels.n_labeled(), hi = 0, total = 0;
      for (int f = 0; f < folds; ++f) {
        const Index v = count[static_cast<size_t>(f)][static_cast<size_t>(c)];
        lo = std::min(lo, v), hi = std::max(hi, v), total += v;
      }
      EXPECT_LE(hi - lo, 1) << "class " << c << ", " << folds << " folds";
      EXPECT_EQ(total, c == 0 ? 54 : c == 1 ? 32 : 4);
    }
    for (int f = 0; f < folds; ++f) {
      Index size = 0;
      for (Index v : count[static_cast<size_t>(f)]) size += v;
      smallest = std::min(smallest, size), largest = std::max(largest, size);
    }
    EXPECT_LE(largest - smallest, 1) << folds << " folds";
    EXPECT_EQ(ssnmf_cv_folds(labels, folds, 5), fold);
  }
  EXPECT_NE(ssnmf_cv_folds(labels, 3, 6), ssnmf_cv_folds(labels, 3, 5));
  EXPECT_THROW(ssnmf_cv_folds(labels, 1, 5), ArgumentError);
}

// Cross-validation (the default): every candidate is fit once per fold with
// that fold's labels hidden; its score is the accuracy pooled over the folds
// (and the mean -log score of the true class); the chosen (k, lambda) has the
// best pooled accuracy (ties: the smaller log-loss) and is refit with all labels.
TEST(Ssnmf, CrossValidationChoosesTheBestPooledAccuracy) {
  synth::TopicsOptions t;
  t.n_documents = 180;
  t.n_terms = 150;
  t.n_topics = 4;
  t.alpha = 0.3;
  t.overlap = 0.7;
  t.doc_length = 25;
  t.seed = 8;
  const synth::TopicsResult data = synth::make_topics(t);
  std::vector<std::string> y;
  for (Index i = 0; i < t.n_documents; ++i)
    y.push_back(i % 5 < 3 ? synth::topic_label(data.labels[static_cast<size_t>(i)], 4) : "");
  const LabelEncoding labels = encode_labels(y);
  SsnmfOptions o;
  o.threads = 2;
  o.seed = 4;
  o.k_candidates = {2, 4, 8};
  o.lambda_multiples = {0.1, 10.0};
  ASSERT_EQ(o.folds, 3);  // the default
  const SsnmfResult r = ssnmf(data.X.view(), labels, o);
  ASSERT_EQ(r.selection.size(), 6u);
  EXPECT_EQ(r.validation_documents, labels.n_labeled());  // every labeled document scored once

  const std::vector<std::int32_t> fold = ssnmf_cv_folds(labels, o.folds, o.seed);
  size_t best = 0;
  std::vector<double> accuracy(6), log_loss(6);
  for (size_t c = 0; c < 6; ++c) {
    const int k = o.k_candidates[c / 2];
    const double multiple = o.lambda_multiples[c % 2];
    Index correct = 0;
    double loss = 0.0;
    for (int f = 0; f < o.folds; ++f) {
      LabelEncoding seen = labels;
      for (size_t i = 0; i < fold.size(); ++i)
        if (fold[i] == f) seen.codes[i] = -1;
      SsnmfOptions plain = o;
      plain.validation = 0;
      plain.k = k;
      plain.lambda = multiple * ssnmf_default_lambda(data.X.view(), seen, o.loss, o.label_loss);
      const SsnmfResult p = ssnmf(data.X.view(), seen, plain);
      NmfOptions fi;
      fi.threads = 2;
      const DenseMatrix scores = ssnmf_scores(nmf_transform(data.X.view(), p.H, fi), p.B);
      Index fold_correct = 0, fold_size = 0;
      for (size_t i = 0; i < fold.size(); ++i) {
        if (fold[i] != f) continue;
        const std::int32_t truth = labels.codes[i];
        ++fold_size;
        fold_correct += p.predicted[i] == truth;
        loss -= std::log(std::max(scores(static_cast<Index>(i), truth), kSsnmfMinScore));
      }
      correct += fold_correct;
      EXPECT_DOUBLE_EQ(r.selection[c].fold_accuracy[static_cast<size_t>(f)],
                       static_cast<double>(fold_correct) / static_cast<double>(fold_size));
    }
    accuracy[c] = static_cast<double>(correct) / static_cast<double>(labels.n_labeled());
    log_loss[c] = loss / static_cast<double>(labels.n_labeled());
    EXPECT_EQ(r.selection[c].k, k);
    EXPECT_DOUBLE_EQ(r.selection[c].accuracy, accuracy[c]) << "candidate " << c;
    EXPECT_NEAR(r.selection[c].log_loss, log_loss[c], 1e-12 * std::max(1.0, log_loss[c]));
    EXPECT_DOUBLE_EQ(r.selection[c].lambda_multiple, multiple);
    if (accuracy[c] > accuracy[best] || (accuracy[c] == accuracy[best] && log_loss[c] < log_loss[best])) best = c;
  }
  for (size_t c = 0; c < 6; ++c) {  // the chosen one is at least as good as every other
    EXPECT_GE(accuracy[best], accuracy[c]);
    if (accuracy[c] == accuracy[best]) EXPECT_LE(log_loss[best], log_loss[c]);
  }
  EXPECT_EQ(r.k, o.k_candidates[best / 2]);
  EXPECT_DOUBLE_EQ(r.validation_accuracy, accuracy[best]);
  SsnmfOptions plain = o;  // the final fit: all labels, the chosen k and lambda
  plain.validation = 0;
  plain.k = r.k;
  plain.lambda = o.lambda_multiples[best % 2] * ssnmf_default_lambda(data.X.view(), labels, o.loss, o.label_loss);
  EXPECT_DOUBLE_EQ(r.lambda, plain.lambda);
  const SsnmfResult p = ssnmf(data.X.view(), labels, plain);
  EXPECT_EQ(p.W, r.W);
  EXPECT_EQ(p.predicted, r.predicted);
}

// FoldIn: B solves the label term on the fold-in codes (KKT of the NNLS), and
// every document's class is the argmax of its fold-in codes times B.
TEST(Ssnmf, FoldInClassifierIsTheLabelFitOnFoldInCodes) {
  const SparseMatrix X = random_sparse(90, 50, 0.3, 21);
  const LabelEncoding labels = some_labels(90);
  SsnmfOptions o;
  o.k = 5;
  o.threads = 2;
  o.validation = 0;
  const SsnmfResult r = ssnmf(X.view(), labels, o);
  NmfOptions fold;
  fold.threads = 2;
  const DenseMatrix C = nmf_transform(X.view(), r.H, fold);
  DenseMatrix G = DenseMatrix::Zero(o.k, o.k), R = DenseMatrix::Zero(o.k, labels.n_classes());
  for (Index i = 0; i < X.rows; ++i) {
    const std::int32_t c = labels.codes[static_cast<size_t>(i)];
    if (c < 0) continue;
    G += C.row(i).transpose() * C.row(i);
    R.col(c) += C.row(i).transpose();
  }
  const DenseMatrix grad = G * r.B - R;  // gradient of 0.5 ||Y_L - C_L B||^2
  const double scale = R.cwiseAbs().maxCoeff();
  EXPECT_GE(r.B.minCoeff(), 0.0);
  EXPECT_GE(grad.minCoeff(), -1e-9 * scale);
  EXPECT_LE((grad.array() * r.B.array()).abs().maxCoeff(), 1e-9 * scale * std::max(r.B.maxCoeff(), 1.0));
  const std::vector<std::int32_t> direct = ssnmf_predict(C, r.B, -1);
  for (size_t i = 0; i < direct.size(); ++i)
    if (direct[i] >= 0) EXPECT_EQ(r.predicted[i], direct[i]) << "document " << i;
  // Joint keeps the factorization's B and the fitted W.
  o.classifier = SsnmfClassifier::Joint;
  const SsnmfResult j = ssnmf(X.view(), labels, o);
  EXPECT_EQ(j.B, j.B_fit);
  EXPECT_EQ(j.B_fit, r.B_fit);
  const std::vector<std::int32_t> joint = ssnmf_predict(j.W, j.B, -1);
  for (size_t i = 0; i < joint.size(); ++i)
    if (joint[i] >= 0) EXPECT_EQ(j.predicted[i], joint[i]) << "document " << i;
}
