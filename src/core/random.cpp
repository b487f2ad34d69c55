#include "strata/core/random.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "strata/core/error.hpp"

namespace strata {

double Random::uniform_positive() {
  // Midpoints of the 2^53 cells of [0, 1): never 0, never 1.
  return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;
}

std::uint64_t Random::uniform_index(std::uint64_t n) {
  if (n <= 1) return 0;
  // 2^64 mod n: draws below it would make small residues more likely.
  const std::uint64_t threshold = (0 - n) % n;
  for (;;) {
    const std::uint64_t x = engine_();
    if (x >= threshold) return x % n;
  }
}

double Random::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double f = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * f;
  has_spare_normal_ = true;
  return u * f;
}

double Random::gamma(double shape, double scale) {
  if (!(shape > 0.0 && scale > 0.0))
    throw ArgumentError("gamma shape and scale must be > 0 (got " + std::to_string(shape) + ", " + std::to_string(scale) + ")");
  if (shape < 1.0) {
    // Gamma(a) = Gamma(a + 1) * U^(1/a) (Marsaglia & Tsang, section 6).
    return gamma(shape + 1.0, scale) * std::pow(uniform_positive(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform_positive();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v * scale;
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v * scale;
  }
}

double Random::log_gamma_variate(double shape) {
  if (shape < 1.0) return std::log(gamma(shape + 1.0)) + std::log(uniform_positive()) / shape;
  return std::log(gamma(shape));
}

std::int64_t Random::poisson(double mean) {
  if (!(mean > 0.0)) return 0;
  if (mean < 10.0) {
    // Multiply uniforms until the product drops below e^-mean (Knuth).
    const double limit = std::exp(-mean);
    std::int64_t k = 0;
    double p = uniform_positive();
    while (p > limit) {
      ++k;
      p *= uniform_positive();
    }
    return k;
  }
  // PTRS: transformed rejection with squeeze (Hoermann 1993).
  const double slam = std::sqrt(mean);
  const double loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = uniform() - 0.5;
    const double v = uniform_positive();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::int64_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <= -mean + k * loglam - std::lgamma(k + 1.0))
      return static_cast<std::int64_t>(k);
  }
}

void Random::dirichlet(const double* alpha, int k, double* out) {
  double top = -std::numeric_limits<double>::infinity();
  for (int t = 0; t < k; ++t) {
    out[t] = log_gamma_variate(alpha[t]);
    top = std::max(top, out[t]);
  }
  double sum = 0.0;
  for (int t = 0; t < k; ++t) {
    out[t] = std::exp(out[t] - top);
    sum += out[t];
  }
  for (int t = 0; t < k; ++t) out[t] /= sum;
}

void Random::dirichlet(double alpha, int k, double* out) {
  const std::vector<double> a(static_cast<std::size_t>(std::max(k, 0)), alpha);
  dirichlet(a.data(), k, out);
}

// ---------------------------------------------------------------------------
// AliasTable
// ---------------------------------------------------------------------------

}  // namespace strata
