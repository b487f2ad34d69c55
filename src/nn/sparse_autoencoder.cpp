#include "strata/nn/sparse_autoencoder.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/parallel/threads.hpp"
#include "dense_layers.hpp"
#include "random_rows.hpp"

namespace strata::nn {

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::Relu;
  if (name == "tanh") return Activation::Tanh;
  if (name == "sigmoid") return Activation::Sigmoid;
  throw ArgumentError("activation must be relu, tanh or sigmoid (got '" + name + "')");
}
Dtype parse_dtype(const std::string& name) {
  if (name == "float32") return Dtype::Float32;
  if (name == "float64") return Dtype::Float64;
  throw ArgumentError("dtype must be float32 or float64 (got '" + name + "')");
}
std::string to_string(Activation a) {
  return a == Activation::Relu ? "relu" : a == Activation::Tanh ? "tanh" : "sigmoid";
}
std::string to_string(Dtype t) { return t == Dtype::Float32 ? "float32" : "float64"; }
Optimizer parse_optimizer(const std::string& name) {
  if (name == "adam") return Optimizer::Adam;
  if (name == "sgd") return Optimizer::Sgd;
  throw ArgumentError("optimizer must be adam or sgd (got '" + name + "')");
}
std::string to_string(Optimizer o) { return o == Optimizer::Adam ? "adam" : "sgd"; }
std::string to_string(TrainingStatus s) {
  return s == TrainingStatus::Finished ? "finished" : s == TrainingStatus::NotLearning ? "not_learning" : "interrupted";
}

namespace {

using detail::activate;
using detail::glorot_init;
using detail::times_derivative;
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The hidden layers of the network in the training dtype.
template <class S>
struct Encoder {
  std::vector<RowMatrix<S>> W;  // [0] E: D x d_1; [l]: d_l x d_{l+1}
  std::vector<ColVector<S>> b;
  Activation act = Activation::Relu;

  // Activations A[l] (m x d_{l+1}) of a minibatch given as CSR rows.
  void forward(const CsrView<S>& X, std::vector<RowMatrix<S>>& A, int threads) const {
    const Index m = X.rows, d1 = W[0].cols();
    A.resize(W.size());
    A[0].resize(m, d1);
    const int t = static_cast<int>(std::min<Index>(std::max<Index>(1, m / 8), threads_for(threads, double(X.nnz()) * d1)));
#pragma omp parallel for num_threads(t) schedule(static)
    for (Index j = 0; j < m; ++j) {
      A[0].row(j) = b[0].transpose();
      for (Index p = X.indptr[j]; p < X.indptr[j + 1]; ++p) {
        if (p + 1 < X.indptr[j + 1]) detail::prefetch_row(W[0].row(X.indices[p + 1]).data(), d1);
        A[0].row(j) += X.data[p] * W[0].row(X.indices[p]);
      }
    }
    activate(A[0], act);
    for (std::size_t l = 1; l < W.size(); ++l) {
      A[l].noalias() = A[l - 1] * W[l];
      A[l].rowwise() += b[l].transpose();
      activate(A[l], act);
    }
  }
};

template <class S>
CsrMatrix<S> gather_rows(const SparseView& X, const std::vector<Index>& order, std::size_t begin, std::size_t end) {
  CsrMatrix<S> B;
  B.rows = static_cast<Index>(end - begin);
  B.cols = X.cols;
  for (std::size_t i = begin; i < end; ++i) {
    const Index r = order[i];
    for (Index p = X.indptr[r]; p < X.indptr[r + 1]; ++p) {
      B.indices.push_back(X.indices[p]);
      B.data.push_back(static_cast<S>(X.data[p]));
    }
    B.indptr.push_back(static_cast<Index>(B.indices.size()));
  }
  return B;
}

// Per-row norms of X: the scale the defaults adapt to.
struct RowScale {
  double rms_l2 = 1.0;   // sqrt(mean ||x||_2^2) over the nonzero rows
  double mean_l1 = 1.0;  // mean ||x||_1 over the nonzero rows
};
RowScale row_scale(const SparseView& X) {
  double l1 = 0.0, l2 = 0.0;
  Index rows = 0;
  for (Index i = 0; i < X.rows; ++i) {
    if (X.indptr[i] == X.indptr[i + 1]) continue;
    ++rows;
    for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) l1 += std::abs(X.data[p]), l2 += X.data[p] * X.data[p];
  }
  RowScale r;
  if (rows > 0 && l2 > 0) {
    r.rms_l2 = std::sqrt(l2 / double(rows));
    r.mean_l1 = l1 / double(rows);
  }
  return r;
}

// Adam's moments of the encoder (same shapes as its weights and biases).
template <class S>
struct EncoderMoments {
  std::vector<RowMatrix<S>> mW, vW;
  std::vector<ColVector<S>> mb, vb;
  explicit EncoderMoments(const Encoder<S>& enc) {
    for (std::size_t l = 0; l < enc.W.size(); ++l) {
      for (auto* M : {&mW, &vW}) {
        M->push_back(detail::large_matrix<S>(enc.W[l].rows(), enc.W[l].cols()));
        M->back().setZero();
      }
      mb.push_back(ColVector<S>::Zero(enc.b[l].size()));
      vb.push_back(ColVector<S>::Zero(enc.b[l].size()));
    }
  }
};

// Biases move every row's pre-activation of a unit at once: they take this share of the rate.
constexpr double kBiasShare = 0.1;

template <class S>
AutoencoderResult train(const SparseView& X, const AutoencoderOptions& o) {
  const int threads = resolve_threads(o.threads);
  const Index n = X.rows, D = X.cols;
  const bool adam = o.optimizer == Optimizer::Adam;
  const RowScale scale = row_scale(X);
  Random rng(o.seed);
  Encoder<S> enc;
  enc.act = o.activation;
  Index fan_in = D;
  for (int width : o.hidden) {
    if (!adam) {
      enc.W.push_back(glorot_init<S>(fan_in, width, rng));
    } else if (fan_in == D) {
      // Pre-activations E^T x of unit variance for a row of RMS norm: r^2/3 ||x||^2 = 1.
      enc.W.push_back(detail::uniform_init<S>(fan_in, width, rng, std::sqrt(3.0) / scale.rms_l2));
    } else {
      // He (relu) or LeCun (tanh, sigmoid) uniform: the variance carried through the layer.
      const double gain = o.activation == Activation::Relu ? 6.0 : 3.0;
      enc.W.push_back(detail::uniform_init<S>(fan_in, width, rng, std::sqrt(gain / double(fan_in))));
    }
    enc.b.push_back(ColVector<S>::Zero(width));
    fan_in = width;
  }
  OutputLayerOptions lo;
  lo.loss = o.loss;
  lo.threads = threads;
  lo.stabilize = o.stabilize;
  lo.stabilize_every = o.stabilize_every;
  RowMatrix<S> W0;
  if (!adam) {
    W0 = glorot_init<S>(D, fan_in, rng);
  } else if (o.loss.kind == OutputLoss::Squared) {
    // Zero: the first outputs predict zeros (relative error 1), and the squared
    // error's gradient there, -2 y h^T, is what the first step learns from.
    W0 = detail::large_matrix<S>(D, fan_in);
    W0.setZero();
  } else {
    // The other losses have a stationary point at o = 0 (the spherical
    // softmax's gradient vanishes there): small outputs, ||o|| ~ 0.1 rms ||x||
    // for codes of unit scale.
    W0 = detail::uniform_init<S>(D, fan_in, rng, 0.1 * scale.rms_l2 * std::sqrt(3.0 / (double(D) * double(fan_in))));
  }
  auto output = make_output_layer<S>(o.output_update, W0, lo);
  W0 = RowMatrix<S>();

  AutoencoderResult res;
  std::unique_ptr<EncoderMoments<S>> moments;
  if (adam) moments = std::make_unique<EncoderMoments<S>>(enc);
  detail::Adam opt;
  Eigen::VectorXd top_direction;  // of the codes' Gram, kept between minibatches
  detail::LossTrace trace;
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index(0));
  std::vector<RowMatrix<S>> A;
  RowMatrix<S> grad_H;
  ColumnGroups groups;
  double batch_seconds = 0.0, output_seconds = 0.0;
  const auto t_start = Clock::now();
  bool stop = false;
  // Adam's rates decay linearly over the planned minibatches, to 1/planned at the last one.
  const long long per_epoch = (n + o.batch_size - 1) / o.batch_size;
  long long planned = per_epoch * o.epochs;
  if (o.max_batches > 0) planned = std::min(planned, o.max_batches);
  for (int epoch = 1; epoch <= o.epochs && !stop; ++epoch) {
    rng.shuffle(order);
    double epoch_loss = 0.0;
    Index epoch_rows = 0;
    for (std::size_t begin = 0; begin < order.size(); begin += static_cast<std::size_t>(o.batch_size)) {
      if (o.max_batches > 0 && res.batches >= o.max_batches) {
        stop = true;
        break;
      }
      const std::size_t end = std::min(order.size(), begin + static_cast<std::size_t>(o.batch_size));
      const CsrMatrix<S> batch = gather_rows<S>(X, order, begin, end);
      const CsrView<S> Xb = batch.view();
      const auto t_batch = Clock::now();
      enc.forward(Xb, A, threads);
      // The output layer's step: plain (sgd), or a fraction of its stability
      // limit 1 / (2 lambda_max(H^T H)) under the squared error (adam).
      S eta = static_cast<S>(o.learning_rate);
      const double decay = adam && o.decay ? double(planned - res.batches) / double(planned) : 1.0;
      const double rate = o.learning_rate * decay;
      if (adam) {
        const double lambda = o.output_rate > 0 ? detail::top_eigenvalue_of_gram(A.back(), top_direction) : 0.0;
        eta = lambda > 0 ? static_cast<S>(decay * o.output_rate / (2.0 * lambda)) : S(0);
      }
      const auto t_out = Clock::now();
      const OutputStepStats st = output->step(A.back(), Xb, eta, &grad_H);
      output_seconds += since(t_out);
      if (adam) ++opt.t;
      // Backpropagation through the hidden layers (old weights for delta, then the update).
      RowMatrix<S> delta = grad_H;
      for (std::size_t l = enc.W.size(); l-- > 0;) {
        times_derivative(delta, A[l], enc.act);
        const ColVector<S> grad_b = delta.colwise().sum().transpose();
        if (l > 0) {
          const RowMatrix<S> grad_W = A[l - 1].transpose() * delta;
          RowMatrix<S> delta_prev = delta * enc.W[l].transpose();
          if (adam) {
            // A step moves a unit's pre-activation by about `learning_rate` for a row of mean ||h||_1.
            const double l1 = double(A[l - 1].cwiseAbs().sum()) / double(std::max<Index>(1, A[l - 1].rows()));
            if (l1 > 0) opt.update(enc.W[l], moments->mW[l], moments->vW[l], grad_W, rate / l1);
          } else {
            enc.W[l].noalias() -= eta * grad_W;
          }
          delta.swap(delta_prev);
        } else {
          // Sparse input layer: only the rows of E at the minibatch's nonzeros,
          // in parallel over distinct words, each summed in a fixed order.
          groups.build(Xb.indptr, Xb.indices, Xb.rows);
          const Index ng = groups.size();
          auto& E = enc.W[0];
          const int tg = static_cast<int>(
              std::min<Index>(std::max<Index>(1, ng / 64), threads_for(threads, double(Xb.nnz()) * E.cols())));
          const S sgd_eta = static_cast<S>(o.learning_rate);
          const double step_E = rate / scale.mean_l1;
#pragma omp parallel num_threads(tg)
          {
            RowMatrix<S> g(1, E.cols());
#pragma omp for schedule(static)
            for (Index k = 0; k < ng; ++k) {
              if (k + 1 < ng) detail::prefetch_row(E.row(groups.cols[k + 1]).data(), E.cols(), true);
              auto Ek = E.row(groups.cols[k]);
              if (adam) {
                // Lazy Adam: the moments of a word's row move only when the word occurs.
                g.setZero();
                for (Index e = groups.start[k]; e < groups.start[k + 1]; ++e) {
                  const Index p = groups.pos[e];
                  g.noalias() += Xb.data[p] * delta.row(groups.row_of[p]);
                }
                opt.update(Ek, moments->mW[0].row(groups.cols[k]), moments->vW[0].row(groups.cols[k]), g, step_E);
              } else {
                for (Index e = groups.start[k]; e < groups.start[k + 1]; ++e) {
                  const Index p = groups.pos[e];
                  Ek.noalias() -= (sgd_eta * Xb.data[p]) * delta.row(groups.row_of[p]);
                }
              }
            }
          }
        }
        if (adam)
          opt.update(enc.b[l], moments->mb[l], moments->vb[l], grad_b, kBiasShare * rate);
        else
          enc.b[l].noalias() -= eta * grad_b;
      }
      batch_seconds += since(t_batch);
      ++res.batches;
      epoch_loss += st.loss;
      epoch_rows += Xb.rows;
      double target_norm2 = 0.0;
      for (Index p = 0; p < Xb.nnz(); ++p) target_norm2 += double(Xb.data[p]) * double(Xb.data[p]);
      trace.add(st.loss, target_norm2);
      detail::check_finite_loss(st.loss, o.learning_rate, res.batches);
    }
    if (epoch_rows == 0) break;
    res.loss = epoch_loss / double(epoch_rows);
    res.history.push_back({epoch, since(t_start), res.loss, std::nan("")});
    if (!report_iteration(o.progress, "autoencoder", epoch, o.epochs, res.loss, since(t_start))) {
      res.interrupted = true;
      stop = true;
    }
  }
  res.seconds = since(t_start);
  res.progress = trace.progress();
  if (res.batches > 0) {
    res.seconds_per_batch = batch_seconds / double(res.batches);
    res.output_seconds_per_batch = output_seconds / double(res.batches);
  }
  if (auto* f = dynamic_cast<FactoredOutputLayer<S>*>(output.get())) res.stabilization = f->stabilization();
  auto finish = [&] {
    bool learning = trace.size() < 2 || res.progress.fell();
    if (o.loss.kind == OutputLoss::Squared && std::isfinite(res.relative_error) && res.relative_error >= 0.98)
      learning = false;
    res.status = res.interrupted ? TrainingStatus::Interrupted
                                 : learning ? TrainingStatus::Finished : TrainingStatus::NotLearning;
  };
  RowMatrix<S> decoder;
  if (o.keep_weights) decoder = output->weights();
  res.model.activation = o.activation;
  if (!o.keep_weights) {
    finish();
    return res;
  }
  output.reset();  // materializing W needs the memory back first
  moments.reset();
  for (std::size_t l = 0; l < enc.W.size(); ++l) {
    res.model.weights.push_back(enc.W[l].template cast<double>());
    res.model.biases.push_back(enc.b[l].template cast<double>());
  }
  res.model.decoder = decoder.template cast<double>();
  decoder = RowMatrix<S>();
  res.codes = autoencoder_encode(X, res.model, threads);
  const ReconstructionError err = reconstruction_error(X, res.codes, res.model.decoder, threads);
  res.relative_error = err.mean_relative;
  res.corpus_relative_error = err.corpus_relative;
  Index zeros = 0;
  for (Index j = 0; j < res.codes.cols(); ++j) {
    const Index z = (res.codes.col(j).array() == 0.0).count();
    zeros += z;
    if (z == res.codes.rows()) ++res.dead_units;
  }
  res.zero_codes = res.codes.size() > 0 ? double(zeros) / double(res.codes.size()) : 0.0;
  finish();
  return res;
}

}  // namespace

DenseMatrix autoencoder_encode(const SparseView& X, const AutoencoderModel& model, int threads) {
  require_argument(!model.weights.empty() && model.weights[0].rows() == X.cols, "X",
                   "a matrix with as many columns as the model's input (" +
                       std::to_string(model.weights.empty() ? 0 : model.weights[0].rows()) + ")",
                   std::to_string(X.cols) + " columns");
  Encoder<double> enc;
  enc.W.assign(model.weights.begin(), model.weights.end());
  enc.b.assign(model.biases.begin(), model.biases.end());
  enc.act = model.activation;
  std::vector<RowMatrix<double>> A;
  enc.forward(X, A, resolve_threads(threads));
  return A.back();
}

ReconstructionError reconstruction_error(const SparseView& X, const DenseMatrix& codes, const DenseMatrix& decoder,
                                         int threads) {
  require_argument(codes.rows() == X.rows && decoder.rows() == X.cols && codes.cols() == decoder.cols(), "codes",
                   "n x d codes and a D x d decoder for an n x D matrix",
                   std::to_string(codes.rows()) + " x " + std::to_string(codes.cols()) + " codes, " +
                       std::to_string(decoder.rows()) + " x " + std::to_string(decoder.cols()) + " decoder");
  // ||x - W h||^2 = ||x||^2 - 2 (x^T W) h + h^T (W^T W) h, per row.
  const DenseMatrix Q = decoder.transpose() * decoder;
  std::vector<double> err(static_cast<std::size_t>(X.rows)), norm2(static_cast<std::size_t>(X.rows));
  const int t = threads_for(resolve_threads(threads), double(X.nnz() + X.rows * codes.cols()) * codes.cols());
#pragma omp parallel num_threads(t)
  {
    Eigen::RowVectorXd xW(codes.cols());
#pragma omp for schedule(static)
    for (Index i = 0; i < X.rows; ++i) {
      xW.setZero();
      double x2 = 0.0;
      for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) {
        xW.noalias() += X.data[p] * decoder.row(X.indices[p]);
        x2 += X.data[p] * X.data[p];
      }
      const auto h = codes.row(i);
      const double e = x2 - 2.0 * xW.dot(h) + (h * Q).dot(h);
      err[i] = std::max(0.0, e);
      norm2[i] = x2;
    }
  }
  double mean = 0.0, total = 0.0, total_norm2 = 0.0;
  Index rows = 0;
  for (Index i = 0; i < X.rows; ++i) {
    total += err[i];
    total_norm2 += norm2[i];
    if (norm2[i] > 0) mean += err[i] / norm2[i], ++rows;
  }
  ReconstructionError r;
  r.mean_relative = rows > 0 ? mean / double(rows) : 0.0;
  r.corpus_relative = total_norm2 > 0 ? total / total_norm2 : 0.0;
  return r;
}

AutoencoderResult sparse_autoencoder(const SparseView& X, const AutoencoderOptions& o) {
  require_argument(!o.hidden.empty(), "hidden", "at least one layer width", "none");
  for (int w : o.hidden) require_argument(w >= 1, "hidden", "widths >= 1", std::to_string(w));
  require_argument(o.batch_size >= 1, "batch_size", ">= 1", std::to_string(o.batch_size));
  require_argument(o.epochs >= 1, "epochs", ">= 1", std::to_string(o.epochs));
  require_argument(o.max_batches >= 0, "max_batches", ">= 0 (0 = no limit)", std::to_string(o.max_batches));
  require_argument(o.learning_rate >= 0 && std::isfinite(o.learning_rate), "learning_rate", ">= 0",
                   std::to_string(o.learning_rate));
  require_argument(o.output_rate >= 0 && o.output_rate <= 1, "output_rate", "in [0, 1]",
                   std::to_string(o.output_rate));
  require_argument(o.stabilize_every >= 1, "stabilize_every", ">= 1", std::to_string(o.stabilize_every));
  require_argument(X.rows >= 1 && X.cols >= 1, "X", "a non-empty matrix",
                   std::to_string(X.rows) + " x " + std::to_string(X.cols));
  for (Index p = 0; p < X.nnz(); ++p)
    if (!std::isfinite(X.data[p])) throw InputError("<matrix>", "non-finite value at nonzero " + std::to_string(p));
  return o.dtype == Dtype::Float32 ? train<float>(X, o) : train<double>(X, o);
}

}  // namespace strata::nn
