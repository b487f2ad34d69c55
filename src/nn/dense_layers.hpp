#pragma once
// Internal helpers shared by the networks of src/nn: activations applied in
// place, their derivatives written with the activation's output, and the
// Glorot-uniform initialization.
#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

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

// The loss and the targets' squared norms of every minibatch, for
// TrainingProgress: the first and last w = clamp(batches / 10, 1, 50).
class LossTrace {
 public:
  void add(double loss, double target_norm2) {
    loss_.push_back(loss);
    norm2_.push_back(target_norm2);
  }
  TrainingProgress progress() const {
    TrainingProgress p;
    const std::size_t n = loss_.size();
    if (n == 0) return p;
    const std::size_t w = std::clamp<std::size_t>(n / 10, 1, 50);
    auto window = [&](std::size_t begin) {
      double l = 0.0, y = 0.0;
      for (std::size_t i = begin; i < begin + w; ++i) l += loss_[i], y += norm2_[i];
      return y > 0 ? l / y : l;
    };
    p.start_loss = window(0);
    p.end_loss = window(n - w);
    return p;
  }
  std::size_t size() const { return loss_.size(); }

 private:
  std::vector<double> loss_, norm2_;
};

// Adam (Kingma & Ba 2015) with the bias-corrected moments; `step` is the
// largest move of one coordinate per update (|m_hat / sqrt(v_hat)| <= ~1).
struct Adam {
  static constexpr double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  long long t = 0;  // updates so far (the caller increments it once per minibatch)
  double c1() const { return 1.0 - std::pow(beta1, double(t)); }
  double c2() const { return 1.0 - std::pow(beta2, double(t)); }
  // param <- param - step m_hat / (sqrt(v_hat) + epsilon), elementwise over equal-sized blocks.
  template <class P, class M, class V, class G>
  void update(P&& param, M&& m, V&& v, const G& grad, double step) const {
    using S = typename std::decay_t<P>::Scalar;
    const S b1 = S(beta1), b2 = S(beta2), k1 = S(step / c1()), r2 = S(1.0 / std::sqrt(c2())), eps = S(epsilon);
    m.array() = b1 * m.array() + (S(1) - b1) * grad.array();
    v.array() = b2 * v.array() + (S(1) - b2) * grad.array().square();
    param.array() -= k1 * m.array() / (v.array().sqrt() * r2 + eps);
  }
};

// The largest eigenvalue of H^T H (H: m x d) by power iteration from `v`
// (kept between minibatches: the codes' top direction drifts slowly), in
// double, and at least the largest ||h_j||^2 (a lower bound too: one row
// whose code points away from the others would be missed by a few
// iterations from the last minibatch's direction). 0 when H = 0.
template <class S>
double top_eigenvalue_of_gram(const RowMatrix<S>& H, Eigen::VectorXd& v, int iterations = 4) {
  const Index d = H.cols();
  if (v.size() != d || !(v.norm() > 0)) v = Eigen::VectorXd::Constant(d, 1.0 / std::sqrt(double(std::max<Index>(d, 1))));
  const Eigen::MatrixXd Hd = H.template cast<double>();
  const double row_max = Hd.rows() > 0 ? Hd.rowwise().squaredNorm().maxCoeff() : 0.0;
  double lambda = 0.0;
  for (int it = 0; it < iterations; ++it) {
    Eigen::VectorXd w = Hd.transpose() * (Hd * v);
    lambda = w.norm();
    if (!(lambda > 0) || !std::isfinite(lambda)) {
      v = Eigen::VectorXd::Constant(d, 1.0 / std::sqrt(double(std::max<Index>(d, 1))));
      return 0.0;
    }
    v = w / lambda;
  }
  return std::max(lambda, row_max);
}

}  // namespace strata::nn::detail
