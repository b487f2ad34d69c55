#pragma once
/// @file Multinomial logistic regression with an L2 penalty: the classifier
/// the embedding evaluations train on their vectors (and a baseline for the
/// semi-supervised models). Minimizes, over W (features x classes) and b,
///     sum_i -log softmax(x_i W + b)_{y_i} + ||W||_F^2 / (2 C)
/// (scikit-learn's LogisticRegression(C=C) with the multinomial loss and an
/// unpenalized intercept) by L-BFGS with a backtracking line search; the
/// objective is smooth and convex, strictly so in W.
#include <cstdint>
#include <vector>

#include "strata/linalg/dense.hpp"

namespace strata {

struct LogisticOptions {
  double C = 1.0;         ///< inverse regularization strength (> 0)
  int max_iter = 1000;    ///< L-BFGS iterations
  double tol = 1e-6;      ///< stop when the gradient's max-norm falls below tol * n
};

struct LogisticModel {
  DenseMatrix coef;       ///< features x classes
  DenseVector intercept;  ///< classes
  int iterations = 0;
  bool converged = false;
  /// Class scores (rows x classes; softmax probabilities) and predictions.
  DenseMatrix predict_proba(const DenseMatrix& X) const;
  std::vector<std::int32_t> predict(const DenseMatrix& X) const;
};

/// Fits the model on the rows of X with labels y in [0, n_classes).
/// Throws ArgumentError on shape or label errors.
LogisticModel fit_logistic_regression(const DenseMatrix& X, const std::vector<std::int32_t>& y, int n_classes,
                                      const LogisticOptions& options = {});

}  // namespace strata
