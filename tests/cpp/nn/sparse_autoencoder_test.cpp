// The autoencoder's defaults (Adam on the encoder with steps scaled to the
// inputs, the output layer's exact step at a fraction of its stability limit):
// they learn on topic-structured TF-IDF-like rows where the plain SGD step does
// not, they are invariant to the rows' scale, the output layer stays exact
// under them (factored == naive), the reconstruction error is the SVD's
// measure, and a run that cannot learn says so in its status.
#include "strata/nn/sparse_autoencoder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/solvers/svd.hpp"

using namespace strata;
using namespace strata::nn;

namespace {

// n rows over D words from `topics` topics of `topic_words` words each (a
// row draws 2 topics and ~`nnz` words from them plus a few from anywhere),
// with idf-like weights, each row scaled to unit L2 norm times `scale`.
CsrMatrix<double> topic_rows(Index n, Index D, int topics, int topic_words, int nnz, std::uint64_t seed,
                             double scale = 1.0) {
  Random rng(seed);
  std::vector<std::vector<ColIndex>> words(static_cast<std::size_t>(topics));
  for (auto& t : words)
    for (int k = 0; k < topic_words; ++k) t.push_back(static_cast<ColIndex>(rng.uniform_index(D)));
  CsrMatrix<double> X;
  X.rows = n;
  X.cols = D;
  std::vector<double> row(static_cast<std::size_t>(D));
  for (Index i = 0; i < n; ++i) {
    std::fill(row.begin(), row.end(), 0.0);
    const auto a = rng.uniform_index(topics), b = rng.uniform_index(topics);
    for (int k = 0; k < nnz; ++k) {
      const auto& t = words[k % 3 == 0 ? b : a];
      row[t[rng.uniform_index(t.size())]] += 1.0;
    }
    for (int k = 0; k < 2; ++k) row[rng.uniform_index(D)] += 1.0;
    double norm2 = 0.0;
    for (Index j = 0; j < D; ++j)
      if (row[j] > 0) {
        row[j] *= 1.0 + std::log(1.0 + double(j % 17));  // idf-like spread of weights
        norm2 += row[j] * row[j];
      }
    for (Index j = 0; j < D; ++j)
      if (row[j] > 0) {
        X.indices.push_back(static_cast<ColIndex>(j));
        X.data.push_back(scale * row[j] / std::sqrt(norm2));
      }
    X.indptr.push_back(static_cast<Index>(X.indices.size()));
  }
  return X;
}

// Mean over rows of ||x - x V V^T||^2 / ||x||^2 for the rank-k truncated SVD.
double svd_relative_error(const SparseView& X, int k) {
  SvdOptions so;
  so.k = k;
  const TruncatedSvdResult svd = truncated_svd(X, so);
  double total = 0.0;
  for (Index i = 0; i < X.rows; ++i) {
    Eigen::RowVectorXd p = Eigen::RowVectorXd::Zero(k);
    double x2 = 0.0;
    for (Index q = X.indptr[i]; q < X.indptr[i + 1]; ++q) {
      p += X.data[q] * svd.V.row(X.indices[q]);
      x2 += X.data[q] * X.data[q];
    }
    total += 1.0 - p.squaredNorm() / x2;
  }
  return total / double(X.rows);
}

AutoencoderOptions defaults(int d, int epochs) {
  AutoencoderOptions o;
  o.hidden = {d};
  o.epochs = epochs;
  o.threads = 2;
  o.seed = 3;
  return o;
}

}  // namespace

TEST(SparseAutoencoderDefaults, CloseMostOfTheGapToTheTruncatedSvd) {
  const CsrMatrix<double> X = topic_rows(2000, 600, 12, 40, 25, 1);
  const int d = 16;
  const double svd = svd_relative_error(X.view(), d);
  const AutoencoderResult r = sparse_autoencoder(X.view(), defaults(d, 8));  // 128 minibatches
  const double closed = (1.0 - r.relative_error) / (1.0 - svd);
  EXPECT_GT(closed, 0.8) << "autoencoder " << r.relative_error << ", rank-" << d << " SVD " << svd;
  EXPECT_EQ(r.status, TrainingStatus::Finished);
  EXPECT_LT(r.progress.end_loss, 0.9 * r.progress.start_loss);
  EXPECT_EQ(r.dead_units, 0);
  EXPECT_NEAR(r.relative_error, r.corpus_relative_error, 1e-12);  // unit rows: both measures agree

  // The plain step of the previous defaults (0.01 on every layer, Glorot starts) does not learn here.
  AutoencoderOptions plain = defaults(d, 8);
  plain.optimizer = Optimizer::Sgd;
  plain.learning_rate = 0.01;
  const AutoencoderResult p = sparse_autoencoder(X.view(), plain);
  EXPECT_GT(p.relative_error, 0.98);
  EXPECT_EQ(p.status, TrainingStatus::NotLearning);
}

TEST(SparseAutoencoderDefaults, InvariantToTheRowsScale) {
  // Rates, initialization and the output step all follow the rows' norms: the
  // same rows times 1000 train the same network (up to rounding and Adam's
  // epsilon, far below the gradients here).
  const CsrMatrix<double> X = topic_rows(600, 300, 6, 30, 20, 2);
  const CsrMatrix<double> Y = topic_rows(600, 300, 6, 30, 20, 2, 1000.0);
  AutoencoderOptions o = defaults(8, 2);
  o.dtype = Dtype::Float64;
  const AutoencoderResult a = sparse_autoencoder(X.view(), o);
  const AutoencoderResult b = sparse_autoencoder(Y.view(), o);
  EXPECT_LT(a.relative_error, 0.9);
  EXPECT_NEAR(a.relative_error, b.relative_error, 1e-6);
  EXPECT_NEAR((b.model.decoder / 1000.0 - a.model.decoder).norm(), 0.0, 1e-6 * a.model.decoder.norm());
}

TEST(SparseAutoencoderDefaults, FactoredEqualsNaiveUnderTheScaledRates) {
  // The output layer's step changes every minibatch (a fraction of
  // 1 / (2 lambda_max(H^T H))), and is still the exact SGD step.
  const CsrMatrix<double> X = topic_rows(400, 200, 5, 25, 15, 4);
  AutoencoderOptions o = defaults(10, 3);
  o.hidden = {24, 10};
  o.batch_size = 32;
  o.dtype = Dtype::Float64;
  o.output_update = OutputUpdate::Factored;
  const AutoencoderResult f = sparse_autoencoder(X.view(), o);
  o.output_update = OutputUpdate::Naive;
  const AutoencoderResult n = sparse_autoencoder(X.view(), o);
  ASSERT_EQ(f.batches, n.batches);
  EXPECT_LT((f.model.decoder - n.model.decoder).norm(), 1e-9 * n.model.decoder.norm());
  for (std::size_t l = 0; l < f.model.weights.size(); ++l)
    EXPECT_LT((f.model.weights[l] - n.model.weights[l]).norm(), 1e-9 * n.model.weights[l].norm());
  EXPECT_NEAR(f.relative_error, n.relative_error, 1e-9);
  EXPECT_GT(f.stabilization.checks, 0);
}

TEST(SparseAutoencoderDefaults, ZeroRatesAreReportedAsNotLearning) {
  const CsrMatrix<double> X = topic_rows(500, 200, 5, 25, 15, 5);
  AutoencoderOptions o = defaults(8, 2);
  o.learning_rate = 0.0;
  o.output_rate = 0.0;
  const AutoencoderResult r = sparse_autoencoder(X.view(), o);
  EXPECT_EQ(r.status, TrainingStatus::NotLearning);
  EXPECT_NEAR(r.relative_error, 1.0, 1e-12);  // the output layer starts at zero
  EXPECT_NEAR(r.progress.end_loss, 1.0, 1e-6);
  EXPECT_EQ(to_string(r.status), "not_learning");
  // Only the output layer learning is progress too.
  o.output_rate = AutoencoderOptions{}.output_rate;
  EXPECT_EQ(sparse_autoencoder(X.view(), o).status, TrainingStatus::Finished);
}

TEST(SparseAutoencoderDefaults, ReconstructionErrorIsTheRowsRelativeError) {
  const CsrMatrix<double> X = topic_rows(50, 40, 3, 10, 8, 6, 3.0);
  Random rng(7);
  DenseMatrix codes(50, 4), decoder(40, 4);
  for (Index i = 0; i < codes.size(); ++i) codes.data()[i] = rng.normal();
  for (Index i = 0; i < decoder.size(); ++i) decoder.data()[i] = 0.1 * rng.normal();
  const ReconstructionError e = reconstruction_error(X.view(), codes, decoder, 2);
  DenseMatrix dense = DenseMatrix::Zero(50, 40);
  for (Index i = 0; i < 50; ++i)
    for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) dense(i, X.indices[p]) = X.data[p];
  const DenseMatrix R = dense - codes * decoder.transpose();
  double mean = 0.0;
  for (Index i = 0; i < 50; ++i) mean += R.row(i).squaredNorm() / dense.row(i).squaredNorm();
  EXPECT_NEAR(e.mean_relative, mean / 50.0, 1e-12);
  EXPECT_NEAR(e.corpus_relative, R.squaredNorm() / dense.squaredNorm(), 1e-12);
}

TEST(SparseAutoencoderDefaults, RejectsBadRates) {
  const CsrMatrix<double> X = topic_rows(20, 30, 2, 5, 5, 8);
  AutoencoderOptions o = defaults(4, 1);
  o.output_rate = 1.5;
  EXPECT_THROW(sparse_autoencoder(X.view(), o), ArgumentError);
  o.output_rate = 0.5;
  o.learning_rate = -0.1;
  EXPECT_THROW(sparse_autoencoder(X.view(), o), ArgumentError);
  EXPECT_THROW(parse_optimizer("rmsprop"), ArgumentError);
  EXPECT_EQ(parse_optimizer("sgd"), Optimizer::Sgd);
}
