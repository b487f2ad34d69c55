#pragma once
// Plain dense reference for the spherical-family losses: every output o = W h
// is computed and the loss is written from its definition (probabilities,
// z-scores), independently of strata's a/b/c decomposition.
#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "strata/nn/losses.hpp"

namespace reference {

/// Loss of one example: o (D outputs), dense target y (D entries, zero off the targets).
inline double spherical_loss_dense(const strata::nn::OutputLossOptions& opt, const Eigen::VectorXd& o,
                                   const Eigen::VectorXd& y) {
  using strata::nn::OutputLoss;
  const double D = static_cast<double>(o.size());
  double L = 0.0;
  switch (opt.kind) {
    case OutputLoss::Squared: return (o - y).squaredNorm();
    case OutputLoss::SphericalSoftmax: {
      const Eigen::ArrayXd num = o.array().square() + opt.epsilon;
      const double den = num.sum();
      for (Eigen::Index k = 0; k < o.size(); ++k)
        if (y(k) != 0) L -= y(k) * std::log(num(k) / den);
      return L;
    }
    case OutputLoss::TaylorSoftmax: {
      const Eigen::ArrayXd num = 1.0 + o.array() + 0.5 * o.array().square();
      const double den = num.sum();
      for (Eigen::Index k = 0; k < o.size(); ++k)
        if (y(k) != 0) L -= y(k) * std::log(num(k) / den);
      return L;
    }
    case OutputLoss::ZLoss: {
      const double mu = o.mean();
      const double sigma = std::sqrt((o.array() - mu).square().sum() / D + opt.z_epsilon);
      for (Eigen::Index k = 0; k < o.size(); ++k)
        if (y(k) != 0) {
          const double z = (o(k) - mu) / sigma;
          L += y(k) * std::log1p(std::exp(opt.z_alpha * (opt.z_beta - z))) / opt.z_alpha;
        }
      return L;
    }
  }
  return L;
}

/// Summed loss of a minibatch: W (D x d), H (m x d, rows = examples), Y dense (m x D).
template <class MatW, class MatH, class MatY>
double batch_loss_dense(const strata::nn::OutputLossOptions& opt, const MatW& W, const MatH& H, const MatY& Y) {
  double L = 0.0;
  for (Eigen::Index j = 0; j < H.rows(); ++j) {
    const Eigen::VectorXd o = W.template cast<double>() * H.row(j).transpose().template cast<double>();
    L += spherical_loss_dense(opt, o, Y.row(j).transpose().template cast<double>());
  }
  return L;
}

}  // namespace reference
