// NMFk rank selection: its building blocks against hand-worked values, the
// whole procedure on planted topics with a known number of topics.
#include "strata/solvers/rank.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/synth/generators.hpp"
#include "reference/dense_nmf.hpp"
#include "reference/lawson_hanson.hpp"

using namespace strata;

namespace {

synth::TopicsResult planted(int k, double overlap, std::uint64_t seed, Index n = 300, Index m = 240) {
  synth::TopicsOptions t;
  t.n_documents = n;
  t.n_terms = m;
  t.n_topics = k;
  t.overlap = overlap;
  t.doc_length = 150;
  t.seed = seed;
  return synth::make_topics(t);
}

NmfkOptions quick(int k_min, int k_max) {
  NmfkOptions o;
  o.k_min = k_min;
  o.k_max = k_max;
  o.perturbations = 8;
  o.nmf.max_iter = 100;
  o.seed = 5;
  o.threads = 2;
  return o;
}

}  // namespace

TEST(RankBlocks, AngularDistances) {
  DenseMatrix p(4, 2);
  p << 1, 0, 0, 2, 3, 0, -1, 0;
  const DenseMatrix d = angular_distances(p);
  EXPECT_NEAR(d(0, 1), 0.5, 1e-12);  // orthogonal
  EXPECT_NEAR(d(0, 2), 0.0, 1e-12);  // same direction, different length
  EXPECT_NEAR(d(0, 3), 1.0, 1e-12);  // opposite
  EXPECT_NEAR(d(1, 3), 0.5, 1e-12);
  for (Index i = 0; i < 4; ++i) EXPECT_EQ(d(i, i), 0.0);
}

TEST(RankBlocks, SilhouettesOfHandWorkedExample) {
  // Points 0, 1, 10, 11 on a line, clusters {0, 1} and {10, 11}; point 0:
  // a = 1, b = (10 + 11) / 2, s = (b - a) / b. A third, one-point cluster scores 0.
  const std::vector<double> x{0, 1, 10, 11, 30};
  DenseMatrix d(5, 5);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) d(i, j) = std::abs(x[i] - x[j]);
  const std::vector<double> s = silhouette_samples(d, {0, 0, 1, 1, 2});
  EXPECT_NEAR(s[0], (10.5 - 1) / 10.5, 1e-12);
  EXPECT_NEAR(s[1], (9.5 - 1) / 9.5, 1e-12);
  EXPECT_NEAR(s[2], (9.5 - 1) / 9.5, 1e-12);   // b = mean(10, 9) to {0, 1} beats mean to {30}
  EXPECT_NEAR(s[3], (10.5 - 1) / 10.5, 1e-12);
  EXPECT_EQ(s[4], 0.0);
  EXPECT_THROW(silhouette_samples(d, {0, 0, 0, 0, 0}), ArgumentError);
  EXPECT_THROW(silhouette_samples(d, {0, 1}), ArgumentError);
}

TEST(RankBlocks, ClusteringRecoversShuffledNoisyCopies) {
  // R copies of k unit vectors, each copy shuffled and jittered: every
  // cluster must collect the copies of one original vector.
  const int k = 6, R = 7, d = 20;
  Random rng(3);
  DenseMatrix truth(k, d);
  for (Index i = 0; i < truth.size(); ++i) truth.data()[i] = rng.uniform();
  std::vector<DenseMatrix> sets;
  std::vector<std::vector<int>> origin;
  for (int r = 0; r < R; ++r) {
    std::vector<int> perm{0, 1, 2, 3, 4, 5};
    rng.shuffle(perm);
    DenseMatrix s(k, d);
    for (int j = 0; j < k; ++j) {
      for (int c = 0; c < d; ++c) s(j, c) = truth(perm[j], c) * (1 + 0.05 * (rng.uniform() - 0.5));
      s.row(j).normalize();
    }
    sets.push_back(s);
    origin.push_back(perm);
  }
  const ComponentClusters c = cluster_components(sets);
  // Same origin <=> same cluster.
  for (int r = 1; r < R; ++r)
    for (int j = 0; j < k; ++j)
      for (int i = 0; i < k; ++i)
        EXPECT_EQ(origin[r][j] == origin[0][i], c.cluster[r][j] == c.cluster[0][i]);
  for (int j = 0; j < k; ++j) EXPECT_NEAR(c.centroids.row(j).norm(), 1.0, 1e-12);
  EXPECT_GE(c.iterations, 1);
}

TEST(RankBlocks, KRangeParsing) {
  int a, b, s;
  parse_k_range("2:15", a, b, s);
  EXPECT_EQ(std::tie(a, b, s), std::make_tuple(2, 15, 1));
  parse_k_range("4:20:4", a, b, s);
  EXPECT_EQ(std::tie(a, b, s), std::make_tuple(4, 20, 4));
  parse_k_range("7", a, b, s);
  EXPECT_EQ(std::tie(a, b, s), std::make_tuple(7, 7, 1));
  for (const char* bad : {"", "2:", ":3", "a:b", "2:3:4:5", "-2:3", "2.5:4"})
    EXPECT_THROW(parse_k_range(bad, a, b, s), ArgumentError) << bad;
}

TEST(RankBlocks, SelectionRule) {
  auto point = [](int k, double sil, double err) {
    RankPoint p;
    p.k = k;
    p.silhouette_min_H = sil;
    p.relative_error = err;
    return p;
  };
  const std::vector<RankPoint> curve{point(2, 0.99, 0.9), point(3, 0.95, 0.8), point(4, 0.5, 0.7),
                                     point(5, 0.85, 0.79), point(6, 0.3, 0.6)};
  bool met = false;
  EXPECT_EQ(select_rank(curve, 0.8, 0.0, &met), 5);  // the largest passing rank
  EXPECT_TRUE(met);
  // k = 5 lowers the error only from 0.8 to 0.79: not worth it with a 5% gain required.
  EXPECT_EQ(select_rank(curve, 0.8, 0.05), 3);
  EXPECT_EQ(select_rank(curve, 0.999, 0.0, &met), 2);  // none passes: the best silhouette
  EXPECT_FALSE(met);
  EXPECT_EQ(select_rank({}, 0.8, 0.0), 0);
}

TEST(RankBlocks, CriteriaChooseByTheirOwnRules) {
  auto point = [](int k, int stable, double mean, double coph, double cv, double npmi) {
    RankPoint p;
    p.k = k;
    p.stable_topics = stable;
    p.silhouette_mean_H = mean;
    p.silhouette_min_H = mean - 0.3;
    p.cophenetic = coph;
    p.cv_error = cv;
    p.coherence = npmi;
    p.relative_error = 1.0 - 0.1 * k;  // the error falls with k, as it does on data
    return p;
  };
  const std::vector<RankPoint> curve{point(2, 2, 0.99, 0.95, 0.90, 0.10), point(3, 2, 0.80, 0.97, 0.85, 0.30),
                                     point(4, 4, 0.90, 0.96, 0.80, 0.20), point(5, 4, 0.95, 0.99, 0.82, 0.25)};
  NmfkOptions o;  // mean_threshold 0.9, threshold 0.8
  const RankSelection mean = select_rank_by(curve, RankCriterion::MeanSilhouette, o);
  EXPECT_EQ(mean.k, 5);  // the largest rank whose mean silhouette reaches 0.9 (k = 3 does not)
  EXPECT_TRUE(mean.met);
  EXPECT_EQ(mean.runners_up, (std::vector<int>{4, 2, 3}));  // the other passing ranks, largest first
  EXPECT_NE(mean.reason.find("0.950"), std::string::npos);
  // Only the smallest rank reaches 0.96: the next rung (0.91) decides.
  o.mean_threshold = 0.96;
  const RankSelection lower = select_rank_by(curve, RankCriterion::MeanSilhouette, o);
  EXPECT_EQ(lower.k, 5);
  EXPECT_NE(lower.reason.find("0.91"), std::string::npos);
  o.mean_threshold = 0.9;
  std::vector<RankPoint> unstable = curve;  // means 0.79, 0.64, 0.72, 0.76: below every rung
  for (RankPoint& p : unstable) p.silhouette_mean_H *= 0.8;
  const RankSelection none = select_rank_by(unstable, RankCriterion::MeanSilhouette, o);
  EXPECT_FALSE(none.met);
  EXPECT_EQ(none.k, 2);  // the highest mean silhouette
  EXPECT_EQ(select_rank_by(curve, RankCriterion::Cophenetic, o).k, 3);  // falls after 3
  const RankSelection cv = select_rank_by(curve, RankCriterion::CrossValidation, o);
  EXPECT_EQ(cv.k, 4);
  EXPECT_TRUE(cv.met);
  EXPECT_EQ(select_rank_by(curve, RankCriterion::Coherence, o).k, 3);
  // A minimum at the end of the range is reported as not met (widen the range).
  std::vector<RankPoint> falling = curve;
  falling.back().cv_error = 0.5;
  EXPECT_FALSE(select_rank_by(falling, RankCriterion::CrossValidation, o).met);
  for (RankCriterion c : all_rank_criteria()) EXPECT_EQ(parse_rank_criterion(to_string(c)), c);
  EXPECT_THROW(parse_rank_criterion("best"), ArgumentError);
}

TEST(BicrossValidation, EqualsAPlainDenseComputation) {
  const auto data = planted(4, 0.2, 3, 80, 60);
  NmfOptions o;
  o.k = 3;
  o.init = NmfInit::Nndsvda;
  o.max_iter = 50;
  o.threads = 2;
  const BicrossValidationSplit split = bicross_validation_split(data.X.rows, data.X.cols, 11);
  const double fast = bicross_validation_error(data.X.view(), o, split);
  // The same held-out predictions with dense blocks and Lawson-Hanson NNLS;
  // the NMF of each D block is strata's (deterministic from NNDSVDa).
  const reference::Mat X = reference::dense(data.X.view());
  auto block = [&](const std::vector<Index>& r, const std::vector<Index>& c) {
    reference::Mat B(static_cast<Index>(r.size()), static_cast<Index>(c.size()));
    for (size_t i = 0; i < r.size(); ++i)
      for (size_t j = 0; j < c.size(); ++j) B(static_cast<Index>(i), static_cast<Index>(j)) = X(r[i], c[j]);
    return B;
  };
  auto nnls_rows = [](const reference::Mat& target, const reference::Mat& basis) {  // min ||target - W basis||
    reference::Mat W(target.rows(), basis.rows());
    for (Index i = 0; i < target.rows(); ++i)
      W.row(i) = reference::lawson_hanson(basis.transpose(), target.row(i).transpose()).x.transpose();
    return W;
  };
  double held_out = 0.0;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 2; ++b) {
      const auto &I = split.row_folds[a], &I2 = split.row_folds[1 - a];
      const auto &J = split.col_folds[b], &J2 = split.col_folds[1 - b];
      const reference::Mat A = block(I, J), B = block(I, J2), C = block(I2, J), D = block(I2, J2);
      std::vector<Triplet> t;
      for (Index i = 0; i < D.rows(); ++i)
        for (Index j = 0; j < D.cols(); ++j)
          if (D(i, j) != 0) t.push_back({i, static_cast<ColIndex>(j), D(i, j)});
      NmfOptions one = o;
      one.threads = 1;
      const NmfResult fit = nmf(csr_from_triplets(D.rows(), D.cols(), std::move(t)).view(), one);
      const reference::Mat W_A = nnls_rows(B, fit.H);
      const reference::Mat H_C = nnls_rows(C.transpose(), fit.W.transpose()).transpose();
      held_out += (A - W_A * H_C).squaredNorm();
    }
  EXPECT_NEAR(fast, std::sqrt(held_out / X.squaredNorm()), 1e-8);
}

TEST(BicrossValidation, ExactLowRankIsPredictedAndNoiseIsNot) {
  // X = W H exactly, rank 4, with zeros in both factors (a unique NMF).
  Random rng(8);
  DenseMatrix W = DenseMatrix::Zero(120, 4), H = DenseMatrix::Zero(4, 90);
  for (Index i = 0; i < W.rows(); ++i) W(i, i % 4) = 1.0 + rng.uniform();
  for (Index i = 0; i < W.rows(); ++i) W(i, (i + 1) % 4) = 0.3 * rng.uniform();
  for (Index j = 0; j < H.cols(); ++j) H(j % 4, j) = 1.0 + rng.uniform();
  for (Index j = 0; j < H.cols(); ++j) H((j + 2) % 4, j) = 0.2 * rng.uniform();
  const DenseMatrix X = W * H;
  std::vector<Triplet> t;
  for (Index i = 0; i < X.rows(); ++i)
    for (Index j = 0; j < X.cols(); ++j)
      if (X(i, j) != 0) t.push_back({i, static_cast<ColIndex>(j), X(i, j)});
  const SparseMatrix S = csr_from_triplets(X.rows(), X.cols(), std::move(t));
  const BicrossValidationSplit split = bicross_validation_split(S.rows, S.cols, 2);
  NmfOptions o;
  o.init = NmfInit::Nndsvda;
  o.max_iter = 500;
  o.tol = 1e-10;
  std::vector<double> error;
  for (int k = 2; k <= 4; ++k) {
    o.k = k;
    error.push_back(bicross_validation_error(S.view(), o, split));
  }
  EXPECT_LT(error[2], 0.02);           // rank 4 predicts the held-out blocks
  EXPECT_GT(error[1], 5 * error[2]);   // rank 3 cannot
  EXPECT_GT(error[0], error[1]);
}

TEST(Nmfk, ReportsEveryCriterion) {
  const auto data = planted(4, 0.0, 6);
  const NmfkResult r = nmfk(data.X.view(), quick(2, 6));
  ASSERT_EQ(r.by_criterion.size(), all_rank_criteria().size());
  const RankPoint& at = r.curve[4 - 2];
  EXPECT_EQ(at.stable_topics, 4);
  EXPECT_LT(r.curve[5 - 2].stable_topics, 5);  // one topic too many: not all stable
  EXPECT_GT(at.cophenetic, 0.95);
  EXPECT_GT(at.coherence, 0.0);
  for (const RankPoint& p : r.curve) {
    EXPECT_LE(p.stable_topics, p.k);
    EXPECT_TRUE(std::isfinite(p.cv_error));
    EXPECT_GE(p.coherence, -1.0);
    EXPECT_LE(p.coherence, 1.0);
  }
  EXPECT_EQ(r.selection.criterion, RankCriterion::MeanSilhouette);
  EXPECT_FALSE(r.selection.reason.empty());
  for (const RankSelection& s : r.by_criterion)
    if (s.criterion == RankCriterion::MeanSilhouette || s.criterion == RankCriterion::MinSilhouette) EXPECT_EQ(s.k, 4);
  NmfkOptions skip = quick(2, 3);
  skip.cross_validation = false;
  EXPECT_TRUE(std::isnan(nmfk(data.X.view(), skip).curve[0].cv_error));
}

TEST(Nmfk, SelectsThePlantedRank) {
  for (auto [k, overlap, seed] : {std::tuple{3, 0.0, 1ULL}, std::tuple{5, 0.3, 2ULL}}) {
    const auto data = planted(k, overlap, seed);
    const NmfkResult r = nmfk(data.X.view(), quick(2, k + 3));
    ASSERT_EQ(r.curve.size(), static_cast<size_t>(k + 2));
    EXPECT_EQ(r.selected_k, k) << "planted k=" << k << " overlap " << overlap;
    EXPECT_EQ(r.status, NmfkStatus::Selected);
    const RankPoint& at = r.curve[k - 2];
    EXPECT_GE(at.silhouette_min_H, 0.8);
    EXPECT_LE(at.silhouette_min_H, at.silhouette_mean_H + 1e-12);
    EXPECT_LT(r.curve[k - 1].silhouette_min_H, 0.8);  // one topic too many is unstable
    // The model of the selected rank: shapes, nonnegative, error no worse than the centroid model's.
    EXPECT_EQ(r.model.W.rows(), data.X.rows);
    EXPECT_EQ(r.model.H.rows(), k);
    EXPECT_GE(r.model.W.minCoeff(), 0.0);
    EXPECT_LE(r.model.relative_error, at.relative_error + 1e-9);
  }
}

TEST(Nmfk, ErrorCurveDecreasesUpToThePlantedRank) {
  const auto data = planted(4, 0.0, 9);
  const NmfkResult r = nmfk(data.X.view(), quick(2, 5));
  for (size_t i = 1; i + 1 < r.curve.size(); ++i) EXPECT_LT(r.curve[i].relative_error, r.curve[i - 1].relative_error);
}

TEST(Nmfk, DeterministicAndIndependentOfThreads) {
  const auto data = planted(3, 0.2, 4, 150, 120);
  NmfkOptions o = quick(2, 4);
  o.perturbations = 5;
  const NmfkResult a = nmfk(data.X.view(), o);
  o.threads = 1;
  const NmfkResult b = nmfk(data.X.view(), o);
  ASSERT_EQ(a.curve.size(), b.curve.size());
  for (size_t i = 0; i < a.curve.size(); ++i) {
    EXPECT_EQ(a.curve[i].silhouette_min_H, b.curve[i].silhouette_min_H);
    EXPECT_EQ(a.curve[i].silhouette_mean_W, b.curve[i].silhouette_mean_W);
    EXPECT_EQ(a.curve[i].perturbed_error, b.curve[i].perturbed_error);
    EXPECT_NEAR(a.curve[i].relative_error, b.curve[i].relative_error, 1e-12);
  }
  o.threads = 2;
  const NmfkResult c = nmfk(data.X.view(), o);
  EXPECT_EQ(a.selected_k, c.selected_k);
  EXPECT_TRUE(a.model.H == c.model.H);
  EXPECT_TRUE(a.model.W == c.model.W);
}

TEST(Nmfk, PoissonPerturbationAndSharedStarts) {
  const auto data = planted(4, 0.0, 12);
  NmfkOptions o = quick(2, 6);
  o.perturbation = Perturbation::Poisson;
  o.init = NmfkInit::Shared;
  EXPECT_EQ(nmfk(data.X.view(), o).selected_k, 4);
}

TEST(Nmfk, SemanticVariantSharesTheTopics) {
  const auto data = planted(4, 0.1, 21);
  // Term-term co-occurrence within documents: X^T X.
  std::vector<Triplet> t;
  const DenseMatrix dense = [&] {
    DenseMatrix D = DenseMatrix::Zero(data.X.rows, data.X.cols);
    for (Index i = 0; i < data.X.rows; ++i)
      for (Index p = data.X.indptr[i]; p < data.X.indptr[i + 1]; ++p) D(i, data.X.indices[p]) = data.X.data[p];
    return D;
  }();
  const DenseMatrix C = dense.transpose() * dense;
  for (Index i = 0; i < C.rows(); ++i)
    for (Index j = 0; j < C.cols(); ++j)
      if (i != j && C(i, j) > 0) t.push_back({i, static_cast<ColIndex>(j), C(i, j)});
  const SparseMatrix counts = csr_from_triplets(C.rows(), C.cols(), std::move(t));
  NmfkOptions o = quick(2, 6);
  o.semantic = true;
  const SparseView counts_view = counts.view();
  const NmfkResult r = nmfk(data.X.view(), o, &counts_view);
  EXPECT_EQ(r.selected_k, 4);
  EXPECT_GT(r.semantic_beta, 0.0);
  EXPECT_EQ(r.model.W.rows(), data.X.rows);
  EXPECT_EQ(r.context_factor.rows(), data.X.cols);
  EXPECT_EQ(r.context_factor.cols(), 4);
  EXPECT_THROW(nmfk(data.X.view(), o), ArgumentError);  // no co-occurrence given
  const SparseMatrix wrong = csr_from_triplets(3, 3, {});
  const SparseView wrong_view = wrong.view();
  EXPECT_THROW(nmfk(data.X.view(), o, &wrong_view), ArgumentError);
}

TEST(Nmfk, LayerSelectionOnCoefficients) {
  // The coefficients W (documents x 8) of a planted model stand for the layer
  // below; the next layer must be smaller, so k_max is clamped to 7.
  const auto data = planted(8, 0.0, 31, 400, 320);
  DenseMatrix W0(data.W.rows, data.W.cols);
  for (Index i = 0; i < W0.rows(); ++i)
    for (Index j = 0; j < W0.cols(); ++j) W0(i, j) = data.W(i, j);
  NmfkOptions o = quick(2, 20);
  const NmfkResult r = nmfk_layer(W0, o);
  EXPECT_EQ(r.curve.back().k, 7);  // k_max clamped below the 8 columns
  EXPECT_THROW(nmfk_layer(DenseMatrix::Ones(10, 2), o), ArgumentError);
}

TEST(Nmfk, RejectsBadOptionsAndInput) {
  const auto data = planted(3, 0.0, 1, 60, 50);
  const SparseView X = data.X.view();
  auto with = [](auto change) {
    NmfkOptions o = quick(2, 4);
    change(o);
    return o;
  };
  EXPECT_THROW(nmfk(X, with([](NmfkOptions& o) { o.k_min = 1; })), ArgumentError);
  EXPECT_THROW(nmfk(X, with([](NmfkOptions& o) { o.k_max = 51; })), ArgumentError);
  EXPECT_THROW(nmfk(X, with([](NmfkOptions& o) { o.k_max = 1; })), ArgumentError);
  EXPECT_THROW(nmfk(X, with([](NmfkOptions& o) { o.k_step = 0; })), ArgumentError);
  EXPECT_THROW(nmfk(X, with([](NmfkOptions& o) { o.perturbations = 1; })), ArgumentError);
  EXPECT_THROW(nmfk(X, with([](NmfkOptions& o) { o.epsilon = 0; })), ArgumentError);
  EXPECT_THROW(nmfk(X, with([](NmfkOptions& o) { o.threshold = 1.5; })), ArgumentError);
  EXPECT_THROW(nmfk(X, with([](NmfkOptions& o) { o.min_error_gain = 1; })), ArgumentError);
  EXPECT_THROW(parse_perturbation("gaussian"), ArgumentError);
  SparseMatrix negative = data.X;
  negative.data[0] = -1;
  EXPECT_THROW(nmfk(negative.view(), quick(2, 3)), InputError);
}
