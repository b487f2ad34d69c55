#pragma once
/// @file Autoencoders of sparse rows with a very large output layer (SPEC 3.6):
///     x (D, sparse) -> h_1 = f(E^T x + b_1) -> h_2 = f(W_1^T h_1 + b_2) -> ...
///       -> o = W h_L (D outputs; W factored or naive, output_layer.hpp)
/// trained on the summed loss of the minibatch to reconstruct x itself (a
/// spherical-family loss, losses.hpp).
///  - Default (optimizer Adam): the input and hidden layers take Adam steps
///    scaled to their inputs (a step of the input layer moves a pre-activation
///    by about `learning_rate`, whatever the rows' norms and lengths); the
///    output layer takes the exact SGD step (the factored update needs one)
///    at a fraction `output_rate` of its stability limit,
///    eta = output_rate / (2 lambda_max(H^T H)) for the minibatch's codes H;
///    the input layer starts with pre-activations of unit variance and the
///    output layer at zero (squared error). docs/autoencoder.md has the rules.
///  - optimizer Sgd: one plain SGD rate on every layer, Glorot starts (the
///    behaviour before the scaled defaults; exactness studies and benchmarks).
///  - The input layer reads and updates only the rows of E at the nonzeros of
///    the minibatch: O(nnz d_1) per minibatch.
///  - Hidden layers are dense d_l x d_{l+1} with a bias and an activation.
///  - The output layer has no bias (W = V U + 1 omega^T for the factored one).
/// Cost per minibatch of m rows: O(m (d^2 + K d)) with the factored output
/// layer, O(m D d) with the naive one.
#include <cmath>
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
/// How the input and hidden layers are trained (the output layer always takes exact SGD steps).
enum class Optimizer { Adam, Sgd };
/// How a training run ended. NotLearning: the loss did not fall (see TrainingProgress).
enum class TrainingStatus { Finished, NotLearning, Interrupted };
Activation parse_activation(const std::string& name);  ///< relu|tanh|sigmoid
Dtype parse_dtype(const std::string& name);            ///< float32|float64
Optimizer parse_optimizer(const std::string& name);    ///< adam|sgd
std::string to_string(Activation a);
std::string to_string(Dtype t);
std::string to_string(Optimizer o);
std::string to_string(TrainingStatus s);                ///< finished|not_learning|interrupted

/// Whether training made progress: the summed loss of the first (last) few
/// minibatches over the summed squared norms of their targets (for the
/// squared error that is the relative error ||x - x_hat||^2 / ||x||^2 of
/// those rows; for one-hot targets the mean loss per target). The windows
/// are the first and last w = clamp(batches / 10, 1, 50) minibatches.
struct TrainingProgress {
  double start_loss = 0.0;  ///< over the first w minibatches
  double end_loss = 0.0;    ///< over the last w minibatches
  /// Training counts as learning when end_loss < (1 - min_fall) start_loss.
  static constexpr double min_fall = 0.02;
  bool fell() const { return end_loss < (1.0 - min_fall) * start_loss; }  // false for NaN
};

struct AutoencoderOptions {
  std::vector<int> hidden = {128};          ///< widths of the hidden layers; the last one feeds the output layer
  OutputLossOptions loss;                   ///< reconstruction loss (squared by default)
  OutputUpdate output_update = OutputUpdate::Factored;  ///< factored O(d^2) or naive O(Dd) output layer
  Activation activation = Activation::Relu; ///< of every hidden layer
  int batch_size = 128;                     ///< rows per minibatch (m)
  int epochs = 1;                           ///< passes over the rows
  long long max_batches = 0;                ///< stop after this many minibatches in all; 0 = no limit
  Optimizer optimizer = Optimizer::Adam;    ///< of the input and hidden layers (see the file comment)
  double learning_rate = 0.3;               ///< adam: how far a step may move a pre-activation (input layer:
                                            ///< step / mean ||x||_1; hidden layers: step / mean ||h||_1;
                                            ///< biases: a tenth); sgd: the step of every layer on the summed
                                            ///< loss. 0 = no update of these layers
  double output_rate = 0.4;                 ///< adam: the output layer's step as a fraction of its stability
                                            ///< limit, eta = output_rate / (2 lambda_max(H^T H)); in [0, 1].
                                            ///< Unused by sgd (the output layer takes learning_rate)
  bool decay = true;                        ///< adam: both rates decay linearly over the planned minibatches
                                            ///< (epochs x ceil(n / batch_size), or max_batches), to 1/planned
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
  TrainingProgress progress;           ///< loss of the first and last minibatches, relative to their targets
  /// After training (keep_weights only; NaN otherwise), o = W h of every row against x:
  double relative_error = std::nan("");         ///< mean over nonzero rows of ||x - o||^2 / ||x||^2
  double corpus_relative_error = std::nan("");  ///< ||X - O||_F^2 / ||X||_F^2
  Index dead_units = 0;                ///< units of the last hidden layer that are 0 on every row (keep_weights)
  double zero_codes = 0.0;             ///< fraction of the codes that are exactly 0 (keep_weights)
  StabilizationStats stabilization;    ///< factored output layer only
  bool interrupted = false;            ///< the progress callback asked to stop
  /// Interrupted; NotLearning when the loss did not fall (progress.fell()) or, for the squared error, the
  /// reconstruction is not 2% better than predicting zeros (relative_error >= 0.98); else Finished.
  TrainingStatus status = TrainingStatus::Finished;
};

/// Reconstruction error of the rows of X by o = decoder * code (codes: n x d, decoder: D x d).
struct ReconstructionError {
  double mean_relative = 0.0;    ///< mean over the rows with x != 0 of ||x - o||^2 / ||x||^2
  double corpus_relative = 0.0;  ///< ||X - O||_F^2 / ||X||_F^2
};
/// O(nnz d + n d^2 + D d^2); never forms O.
ReconstructionError reconstruction_error(const SparseView& X, const DenseMatrix& codes, const DenseMatrix& decoder,
                                         int threads = 0);

/// Trains on the rows of X (n x D, nonnegative values are not required).
/// Throws ArgumentError for invalid options and InputError for non-finite values.
AutoencoderResult sparse_autoencoder(const SparseView& X, const AutoencoderOptions& options);

/// Codes (last hidden layer, n x d_L) of the rows of X under a trained model.
DenseMatrix autoencoder_encode(const SparseView& X, const AutoencoderModel& model, int threads = 0);

}  // namespace strata::nn
