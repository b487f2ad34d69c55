#include "strata/solvers/logistic.hpp"

#include <cmath>
#include <string>

#include "strata/core/error.hpp"

namespace strata {

namespace {

// Row-wise softmax of scores, in place; returns sum_i logsumexp(z_i).
double softmax_rows(DenseMatrix& Z) {
  double total = 0.0;
  for (Index i = 0; i < Z.rows(); ++i) {
    const double top = Z.row(i).maxCoeff();
    Z.row(i) = (Z.row(i).array() - top).exp().matrix();
    const double s = Z.row(i).sum();
    Z.row(i) /= s;
    total += top + std::log(s);
  }
  return total;
}

struct Objective {
  const DenseMatrix& X;
  const std::vector<std::int32_t>& y;
  double inv_C;

  // Value at (W, b); with gradients when gW != nullptr.
  double operator()(const DenseMatrix& W, const DenseVector& b, DenseMatrix* gW, DenseVector* gb) const {
    DenseMatrix Z = X * W;
    Z.rowwise() += b.transpose();
    double f = 0.0;
    for (Index i = 0; i < Z.rows(); ++i) f -= Z(i, y[i]);
    f += softmax_rows(Z);  // Z now holds the probabilities P
    f += 0.5 * inv_C * W.squaredNorm();
    if (gW != nullptr) {
      for (Index i = 0; i < Z.rows(); ++i) Z(i, y[i]) -= 1.0;  // P - Y
      *gW = X.transpose() * Z + inv_C * W;
      *gb = Z.colwise().sum().transpose();
    }
    return f;
  }
};

}  // namespace

DenseMatrix LogisticModel::predict_proba(const DenseMatrix& X) const {
  DenseMatrix Z = X * coef;
  Z.rowwise() += intercept.transpose();
  softmax_rows(Z);
  return Z;
}

std::vector<std::int32_t> LogisticModel::predict(const DenseMatrix& X) const {
  const DenseMatrix P = predict_proba(X);
  std::vector<std::int32_t> out(static_cast<std::size_t>(P.rows()));
  for (Index i = 0; i < P.rows(); ++i) {
    Index best = 0;
    P.row(i).maxCoeff(&best);  // first maximum on ties
    out[i] = static_cast<std::int32_t>(best);
  }
  return out;
}

LogisticModel fit_logistic_regression(const DenseMatrix& X, const std::vector<std::int32_t>& y, int n_classes,
                                      const LogisticOptions& options) {
  require_argument(static_cast<Index>(y.size()) == X.rows(), "y", "one label per row of X",
                   std::to_string(y.size()) + " labels for " + std::to_string(X.rows()) + " rows");
  require_argument(n_classes >= 1, "n_classes", ">= 1", std::to_string(n_classes));
  require_argument(options.C > 0.0, "C", "> 0", std::to_string(options.C));
  for (std::int32_t c : y)
    require_argument(c >= 0 && c < n_classes, "y", "in [0, n_classes)", std::to_string(c));

  const Objective objective{X, y, 1.0 / options.C};
  LogisticModel m;
  m.coef = DenseMatrix::Zero(X.cols(), n_classes);
  m.intercept = DenseVector::Zero(n_classes);
  if (X.rows() == 0) return m;

  // L-BFGS (Nocedal & Wright, algorithm 7.4) on the flattened parameters
  // theta = [vec(W); b], with a backtracking Armijo line search.
  const Index d = X.cols(), k = n_classes, p = d * k + k;
  auto unpack = [&](const DenseVector& theta, DenseMatrix& W, DenseVector& b) {
    W = Eigen::Map<const DenseMatrix>(theta.data(), d, k);
    b = theta.tail(k);
  };
  auto value_and_gradient = [&](const DenseVector& theta, DenseVector& g) {
    DenseMatrix W, gW;
    DenseVector b, gb;
    unpack(theta, W, b);
    const double f = objective(W, b, &gW, &gb);
    g.resize(p);
    g.head(d * k) = Eigen::Map<const DenseVector>(gW.data(), d * k);
    g.tail(k) = gb;
    return f;
  };
  constexpr int kMemory = 10;
  std::vector<DenseVector> s_hist, y_hist;
  std::vector<double> rho_hist;
  DenseVector theta = DenseVector::Zero(p), g, g_new, theta_new;
  double f = value_and_gradient(theta, g);
  const double gradient_tol = options.tol * static_cast<double>(X.rows());
  for (int it = 1; it <= options.max_iter; ++it) {
    m.iterations = it;
    if (g.cwiseAbs().maxCoeff() <= gradient_tol) {
      m.converged = true;
      break;
    }
    // Two-loop recursion: direction = -H g.
    DenseVector q = g;
    std::vector<double> alpha(s_hist.size());
    for (int i = static_cast<int>(s_hist.size()) - 1; i >= 0; --i) {
      alpha[i] = rho_hist[i] * s_hist[i].dot(q);
      q -= alpha[i] * y_hist[i];
    }
    if (!s_hist.empty()) q *= s_hist.back().dot(y_hist.back()) / y_hist.back().squaredNorm();
    for (std::size_t i = 0; i < s_hist.size(); ++i) {
      const double beta = rho_hist[i] * y_hist[i].dot(q);
      q += (alpha[i] - beta) * s_hist[i];
    }
    DenseVector direction = -q;
    double slope = g.dot(direction);
    if (slope >= 0.0) {  // not a descent direction: fall back to the gradient
      direction = -g;
      slope = -g.squaredNorm();
      s_hist.clear();
      y_hist.clear();
      rho_hist.clear();
    }
    double step = s_hist.empty() ? std::min(1.0, 1.0 / g.cwiseAbs().maxCoeff()) : 1.0;
    double f_new = 0.0;
    for (int tries = 0;; ++tries) {
      theta_new = theta + step * direction;
      f_new = value_and_gradient(theta_new, g_new);
      if (f_new <= f + 1e-4 * step * slope || tries == 60) break;
      step *= 0.5;
    }
    if (!(f_new < f)) break;  // at the floating-point limit of the objective
    DenseVector s_k = theta_new - theta, y_k = g_new - g;
    const double sy = s_k.dot(y_k);
    if (sy > 1e-12 * s_k.norm() * y_k.norm()) {  // keep the curvature pair
      if (static_cast<int>(s_hist.size()) == kMemory) {
        s_hist.erase(s_hist.begin());
        y_hist.erase(y_hist.begin());
        rho_hist.erase(rho_hist.begin());
      }
      s_hist.push_back(std::move(s_k));
      y_hist.push_back(std::move(y_k));
      rho_hist.push_back(1.0 / sy);
    }
    theta.swap(theta_new);
    g.swap(g_new);
    f = f_new;
  }
  DenseMatrix W;
  DenseVector b;
  unpack(theta, W, b);
  m.coef = W;
  m.intercept = b;
  return m;
}

}  // namespace strata
