#pragma once
/// @file Autoencoders of sparse rows with a very large output layer (SPEC 3.6):
///     x (D, sparse) -> h_1 = f(E^T x + b_1) -> h_2 = f(W_1^T h_1 + b_2) -> ...
///       -> o = W h_L (D outputs; W factored or naive, output_layer.hpp)
/// trained by plain minibatch SGD on the summed loss of the minibatch to
/// reconstruct x itself (a spherical-family loss, losses.hpp).
///  - The input layer reads and updates only the rows of E at the nonzeros of
///    the minibatch: O(nnz d_1) per minibatch.
///  - Hidden layers are dense d_l x d_{l+1} with a bias and an activation.
///  - The output layer has no bias (W = V U + 1 omega^T for the factored one).
/// Cost per minibatch of m rows: O(m (d^2 + K d)) with the factored output
/// layer, O(m D d) with the naive one.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/progress.hpp"
#include "strata/core/sparse.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/linalg/dense.hpp"
#include "strata/nn/output_layer.hpp"

namespace strata::nn {

enum class Activation { Relu, Tanh, Sigmoid };
enum class Dtype { Float32, Float64 };
Activation parse_activation(const std::string& name);  ///< relu|tanh|sigmoid
Dtype parse_dtype(const std::string& name);            ///< float32|float64
std::string to_string(Activation a);
std::string to_string(Dtype t);

struct AutoencoderOptions {
  std::vector<int> hidden = {128};          ///< widths of the hidden layers; the last one feeds the output layer
  OutputLossOptions loss;                   ///< reconstruction loss (squared by default)
  OutputUpdate output_update = OutputUpdate::Factored;  ///< factored O(d^2) or naive O(Dd) output layer
  Activation activation = Activation::Relu; ///< of every hidden layer
  int batch_size = 128;                     ///< rows per minibatch (m)
  int epochs = 1;                           ///< passes over the rows
  long long max_batches = 0;                ///< stop after this many minibatches in all; 0 = no limit
  double learning_rate = 0.01;              ///< SGD step on the minibatch's summed loss
  Dtype dtype = Dtype::Float32;             ///< arithmetic of the training
  int stabilize_every = 100;                ///< factored output layer: most updates between SVD checks of U
  bool stabilize = true;                    ///< factored output layer: keep U well conditioned
  bool keep_weights = true;                 ///< false: return timings and losses only (no weights, no codes),
                                            ///< for benchmarks at very large D where copies cost gigabytes
  std::uint64_t seed = 0;                   ///< initialization and row order
  int threads = 0;                          ///< 0 = all cores
  ProgressCallback progress;                ///< called once per epoch
};

/// The trained network, in double whatever the training dtype.
struct AutoencoderModel {
  std::vector<DenseMatrix> weights;  ///< [0]: E (D x d_1), [l]: d_l x d_{l+1}
  std::vector<DenseVector> biases;   ///< one per hidden layer
  Activation activation = Activation::Relu;
  DenseMatrix decoder;               ///< the output layer's W materialized (D x d_L)
};

struct AutoencoderResult {
  AutoencoderModel model;
  DenseMatrix codes;                   ///< n x d_L: the last hidden layer of every row
  std::vector<HistoryEntry> history;   ///< per epoch: iteration = epoch, loss = mean loss per row over the epoch
  long long batches = 0;               ///< minibatches trained
  double seconds = 0.0;                ///< training time (excludes the codes and the decoder materialization)
  double seconds_per_batch = 0.0;      ///< mean wall time of a minibatch: forward + backward + update
  double output_seconds_per_batch = 0.0;  ///< of which the output layer (loss, gradient, update)
  double loss = 0.0;                   ///< mean loss per row over the last epoch
  StabilizationStats stabilization;    ///< factored output layer only
  bool interrupted = false;            ///< the progress callback asked to stop
};

/// Trains on the rows of X (n x D, nonnegative values are not required).
/// Throws ArgumentError for invalid options and InputError for non-finite values.
AutoencoderResult sparse_autoencoder(const SparseView& X, const AutoencoderOptions& options);

/// Codes (last hidden layer, n x d_L) of the rows of X under a trained model.
DenseMatrix autoencoder_encode(const SparseView& X, const AutoencoderModel& model, int threads = 0);

}  // namespace strata::nn
