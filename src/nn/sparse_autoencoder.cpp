#include "strata/nn/sparse_autoencoder.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
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

template <class S>
AutoencoderResult train(const SparseView& X, const AutoencoderOptions& o) {
  const int threads = resolve_threads(o.threads);
  const Index n = X.rows, D = X.cols;
  Random rng(o.seed);
  Encoder<S> enc;
  enc.act = o.activation;
  Index fan_in = D;
  for (int width : o.hidden) {
    enc.W.push_back(glorot_init<S>(fan_in, width, rng));
    enc.b.push_back(ColVector<S>::Zero(width));
    fan_in = width;
  }
  OutputLayerOptions lo;
  lo.loss = o.loss;
  lo.threads = threads;
  lo.stabilize = o.stabilize;
  lo.stabilize_every = o.stabilize_every;
  auto output = make_output_layer<S>(o.output_update, glorot_init<S>(D, fan_in, rng), lo);

  AutoencoderResult res;
  const S eta = static_cast<S>(o.learning_rate);
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index(0));
  std::vector<RowMatrix<S>> A;
  RowMatrix<S> grad_H;
  ColumnGroups groups;
  double batch_seconds = 0.0, output_seconds = 0.0;
  const auto t_start = Clock::now();
  bool stop = false;
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
      const auto t_out = Clock::now();
      const OutputStepStats st = output->step(A.back(), Xb, eta, &grad_H);
      output_seconds += since(t_out);
      // Backpropagation through the hidden layers (old weights for delta, then the update).
      RowMatrix<S> delta = grad_H;
      for (std::size_t l = enc.W.size(); l-- > 0;) {
        times_derivative(delta, A[l], enc.act);
        const ColVector<S> grad_b = delta.colwise().sum().transpose();
        if (l > 0) {
          const RowMatrix<S> grad_W = A[l - 1].transpose() * delta;
          RowMatrix<S> delta_prev = delta * enc.W[l].transpose();
          enc.W[l].noalias() -= eta * grad_W;
          delta.swap(delta_prev);
        } else {
          // Sparse input layer: only the rows of E at the minibatch's nonzeros,
          // in parallel over distinct words, each summed in a fixed order.
          groups.build(Xb.indptr, Xb.indices, Xb.rows);
          const Index ng = groups.size();
          auto& E = enc.W[0];
          const int tg = static_cast<int>(
              std::min<Index>(std::max<Index>(1, ng / 64), threads_for(threads, double(Xb.nnz()) * E.cols())));
#pragma omp parallel for num_threads(tg) schedule(static)
          for (Index g = 0; g < ng; ++g) {
            if (g + 1 < ng) detail::prefetch_row(E.row(groups.cols[g + 1]).data(), E.cols(), true);
            auto Ek = E.row(groups.cols[g]);
            for (Index e = groups.start[g]; e < groups.start[g + 1]; ++e) {
              const Index p = groups.pos[e];
              Ek.noalias() -= (eta * Xb.data[p]) * delta.row(groups.row_of[p]);
            }
          }
        }
        enc.b[l].noalias() -= eta * grad_b;
      }
      batch_seconds += since(t_batch);
      ++res.batches;
      epoch_loss += st.loss;
      epoch_rows += Xb.rows;
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
  if (res.batches > 0) {
    res.seconds_per_batch = batch_seconds / double(res.batches);
    res.output_seconds_per_batch = output_seconds / double(res.batches);
  }
  if (auto* f = dynamic_cast<FactoredOutputLayer<S>*>(output.get())) res.stabilization = f->stabilization();
  RowMatrix<S> decoder;
  if (o.keep_weights) decoder = output->weights();
  res.model.activation = o.activation;
  if (!o.keep_weights) return res;
  output.reset();  // materializing W needs the memory back first
  for (std::size_t l = 0; l < enc.W.size(); ++l) {
    res.model.weights.push_back(enc.W[l].template cast<double>());
    res.model.biases.push_back(enc.b[l].template cast<double>());
  }
  res.model.decoder = decoder.template cast<double>();
  res.codes = autoencoder_encode(X, res.model, threads);
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

AutoencoderResult sparse_autoencoder(const SparseView& X, const AutoencoderOptions& o) {
  require_argument(!o.hidden.empty(), "hidden", "at least one layer width", "none");
  for (int w : o.hidden) require_argument(w >= 1, "hidden", "widths >= 1", std::to_string(w));
  require_argument(o.batch_size >= 1, "batch_size", ">= 1", std::to_string(o.batch_size));
  require_argument(o.epochs >= 1, "epochs", ">= 1", std::to_string(o.epochs));
  require_argument(o.max_batches >= 0, "max_batches", ">= 0 (0 = no limit)", std::to_string(o.max_batches));
  require_argument(o.learning_rate > 0 && std::isfinite(o.learning_rate), "learning_rate", "> 0",
                   std::to_string(o.learning_rate));
  require_argument(o.stabilize_every >= 1, "stabilize_every", ">= 1", std::to_string(o.stabilize_every));
  require_argument(X.rows >= 1 && X.cols >= 1, "X", "a non-empty matrix",
                   std::to_string(X.rows) + " x " + std::to_string(X.cols));
  for (Index p = 0; p < X.nnz(); ++p)
    if (!std::isfinite(X.data[p])) throw InputError("<matrix>", "non-finite value at nonzero " + std::to_string(p));
  return o.dtype == Dtype::Float32 ? train<float>(X, o) : train<double>(X, o);
}

}  // namespace strata::nn
