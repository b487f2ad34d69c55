#pragma once
/// @file strata's random numbers: a seeded std::mt19937_64 with every
/// distribution written here, so that a seed gives the same numbers with every
/// standard library (std::normal_distribution and friends are
/// implementation-defined). Used by initializations, perturbations and the
/// synthetic data generators.
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace strata {
/// A seeded source of random variates that gives the same sequence on every
/// platform. All methods consume draws from one `std::mt19937_64`.
/// Algorithms: uniform = top 53 bits of a 64-bit draw; normal = Marsaglia's
/// polar method; gamma = Marsaglia & Tsang (2000), with the U^(1/a) boost for
/// shape a < 1; Poisson = multiplication of uniforms for mean < 10 and
/// Hoermann's PTRS transformed rejection (1993) above; Dirichlet = normalized
/// gammas, computed in log space so that tiny concentrations never underflow
/// to an all-zero vector.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  /// Raw 64-bit draw.
  std::uint64_t next_u64() { return engine_(); }
  /// Uniform on [0, 1), a multiple of 2^-53.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  /// Uniform on (0, 1): never exactly 0 (safe under log).
  double uniform_positive();
  /// Uniform integer in [0, n), unbiased (rejection); n >= 1.
  std::uint64_t uniform_index(std::uint64_t n);
  /// Standard normal N(0, 1).
  double normal();
  /// Gamma(shape, scale): mean shape * scale, variance shape * scale^2.
  /// shape > 0, scale > 0.
  double gamma(double shape, double scale = 1.0);
  /// log of a Gamma(shape, 1) variate; accurate even when the variate itself
  /// would underflow (shape << 1).
  double log_gamma_variate(double shape);
  /// Poisson with the given mean >= 0 (mean 0 gives 0).
  std::int64_t poisson(double mean);
  /// Dirichlet(alpha_0, ..., alpha_{k-1}) into out[0..k); every alpha > 0.
  void dirichlet(const double* alpha, int k, double* out);
  /// Symmetric Dirichlet(alpha, ..., alpha) of dimension k into out[0..k).
  void dirichlet(double alpha, int k, double* out);
  /// Shuffles v in place (Fisher-Yates with uniform_index).
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_index(i)]);
  }

  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace strata
