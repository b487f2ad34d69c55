#pragma once
// Internal helpers shared by the networks of src/nn: activations applied in
// place, their derivatives written with the activation's output, and the
// Glorot-uniform initialization.
#include <cmath>
#include <string>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/nn/output_layer.hpp"
#include "strata/nn/sparse_autoencoder.hpp"
#include "random_rows.hpp"

namespace strata::nn::detail {

/// Stops SGD whose minibatch loss has become non-finite, naming the cause.
inline void check_finite_loss(double loss, double learning_rate, long long batch) {
  if (!std::isfinite(loss))
    throw ArgumentError("learning_rate " + std::to_string(learning_rate) +
                        " makes training diverge (non-finite loss at minibatch " + std::to_string(batch) +
                        "); use a smaller one");
}

template <class M>
void activate(M& Z, Activation act) {
  using S = typename M::Scalar;
  switch (act) {
    case Activation::Relu: Z = Z.cwiseMax(S(0)); break;
    case Activation::Tanh: Z = Z.array().tanh().matrix(); break;
    case Activation::Sigmoid: Z = (S(1) / (S(1) + (-Z.array()).exp())).matrix(); break;
  }
}

// delta <- delta * f'(z), written with the activation's output A = f(z).
template <class M>
void times_derivative(M& delta, const M& A, Activation act) {
  using S = typename M::Scalar;
  switch (act) {
    case Activation::Relu: delta = (A.array() > S(0)).select(delta, S(0)); break;
    case Activation::Tanh: delta.array() *= S(1) - A.array().square(); break;
    case Activation::Sigmoid: delta.array() *= A.array() * (S(1) - A.array()); break;
  }
}

// Uniform in [-r, r]; Glorot's r = sqrt(6 / (rows + cols)) keeps the
// activations' variance roughly constant across layers.
template <class S>
RowMatrix<S> uniform_init(Index rows, Index cols, Random& rng, double r) {
  RowMatrix<S> M = large_matrix<S>(rows, cols);  // embeddings: random rows, huge pages
  for (Index i = 0; i < M.size(); ++i) M.data()[i] = static_cast<S>(r * (2.0 * rng.uniform() - 1.0));
  return M;
}
template <class S>
RowMatrix<S> glorot_init(Index rows, Index cols, Random& rng) {
  return uniform_init<S>(rows, cols, rng, std::sqrt(6.0 / double(rows + cols)));
}

}  // namespace strata::nn::detail
