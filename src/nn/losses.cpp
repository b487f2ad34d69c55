#include "strata/nn/losses.hpp"

#include <algorithm>
#include <cmath>

#include "strata/core/error.hpp"

namespace strata::nn {

OutputLoss parse_output_loss(const std::string& name) {
  if (name == "squared") return OutputLoss::Squared;
  if (name == "spherical") return OutputLoss::SphericalSoftmax;
  if (name == "taylor") return OutputLoss::TaylorSoftmax;
  if (name == "zloss") return OutputLoss::ZLoss;
  throw ArgumentError("loss must be squared, spherical, taylor or zloss (got '" + name + "')");
}

std::string to_string(OutputLoss loss) {
  switch (loss) {
    case OutputLoss::Squared: return "squared";
    case OutputLoss::SphericalSoftmax: return "spherical";
    case OutputLoss::TaylorSoftmax: return "taylor";
    case OutputLoss::ZLoss: return "zloss";
  }
  return "?";
}

namespace {
double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }
double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}
}  // namespace

template <class S>
double spherical_loss(const OutputLossOptions& opt, double q, double s, Index D, Index K, const S* y, const S* o_t,
                      S* c, double& a, double& b) {
  double loss = 0.0;
  double y_sum = 0.0;
  for (Index i = 0; i < K; ++i) y_sum += y[i];
  switch (opt.kind) {
    case OutputLoss::Squared: {
      loss = q;
      for (Index i = 0; i < K; ++i) {
        loss += -2.0 * double(y[i]) * o_t[i] + double(y[i]) * y[i];
        c[i] = static_cast<S>(-2.0 * y[i]);
      }
      a = 2.0;
      b = 0.0;
      break;
    }
    case OutputLoss::SphericalSoftmax: {
      const double eps = opt.epsilon, norm = q + double(D) * eps;
      loss = y_sum * std::log(norm);
      for (Index i = 0; i < K; ++i) {
        const double o = o_t[i], num = o * o + eps;
        loss -= y[i] * std::log(num);
        c[i] = static_cast<S>(-2.0 * y[i] * o / num);
      }
      a = 2.0 * y_sum / norm;  // d/do of y_sum log(q + D eps) = (2 y_sum / norm) o
      b = 0.0;
      break;
    }
    case OutputLoss::TaylorSoftmax: {
      const double norm = double(D) + s + 0.5 * q;  // each term 1 + o + o^2/2 >= 1/2, so norm >= D/2
      loss = y_sum * std::log(norm);
      for (Index i = 0; i < K; ++i) {
        const double o = o_t[i], num = 1.0 + o + 0.5 * o * o;
        loss -= y[i] * std::log(num);
        c[i] = static_cast<S>(-y[i] * (1.0 + o) / num);
      }
      a = y_sum / norm;  // d/do_k of y_sum log(norm) = y_sum (1 + o_k) / norm
      b = y_sum / norm;
      break;
    }
    case OutputLoss::ZLoss: {
      const double mu = s / double(D);
      const double var = std::max(q / double(D) - mu * mu, 0.0) + opt.z_epsilon;
      const double sigma = std::sqrt(var);
      const double alpha = opt.z_alpha, beta = opt.z_beta;
      double g_sum = 0.0, gz_sum = 0.0;
      for (Index i = 0; i < K; ++i) {
        const double z = (o_t[i] - mu) / sigma;
        loss += y[i] * softplus(alpha * (beta - z)) / alpha;
        const double g = -double(y[i]) * sigmoid(alpha * (beta - z));  // dL/dz_k
        g_sum += g;
        gz_sum += g * z;
        c[i] = static_cast<S>(g / sigma);
      }
      // dz_k/do_j = delta_kj / sigma - 1 / (D sigma) - z_k (o_j - mu) / (D sigma^2)
      a = -gz_sum / (double(D) * var);
      b = -g_sum / (double(D) * sigma) + gz_sum * mu / (double(D) * var);
      break;
    }
  }
  return loss;
}

template double spherical_loss<float>(const OutputLossOptions&, double, double, Index, Index, const float*,
                                      const float*, float*, double&, double&);
template double spherical_loss<double>(const OutputLossOptions&, double, double, Index, Index, const double*,
                                       const double*, double*, double&, double&);

}  // namespace strata::nn
