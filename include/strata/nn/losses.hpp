#pragma once
/// @file The spherical loss family (SPEC 3.6): losses of an output vector
/// o in R^D that depend on o only through q = sum_k o_k^2, s = sum_k o_k and
/// the outputs o_k at the K target positions (de Brebisson & Vincent, ICLR
/// 2016; the Z-loss, arXiv 1604.08859). For such a loss the gradient has the
/// form
///     dL/do = a o + b 1 + c,   c sparse on the targets,
/// which is what lets the factored output layer work in O(d^2) per example.
///
/// The target y is a nonnegative sparse vector (a bag of words, or a one-hot
/// next word); every loss below is written for a weighted target so that a
/// bag of words counts each word with its weight y_k.
///  - Squared:   L = ||o - y||^2 = q - 2 sum y_k o_k + sum y_k^2.
///  - Spherical softmax: p_k = (o_k^2 + eps) / (q + D eps),
///               L = -sum y_k log p_k.
///  - Taylor softmax: p_k = (1 + o_k + o_k^2/2) / (D + s + q/2),
///               L = -sum y_k log p_k.
///  - Z-loss:    mu = s/D, sigma^2 = q/D - mu^2 (+ eps), z_k = (o_k - mu)/sigma,
///               L = sum y_k softplus(alpha (beta - z_k)) / alpha.
#include <string>

#include "strata/core/sparse.hpp"

namespace strata::nn {

enum class OutputLoss { Squared, SphericalSoftmax, TaylorSoftmax, ZLoss };

/// squared|spherical|taylor|zloss; throws ArgumentError naming `loss`.
OutputLoss parse_output_loss(const std::string& name);
std::string to_string(OutputLoss loss);

struct OutputLossOptions {
  OutputLoss kind = OutputLoss::Squared;  ///< which member of the family
  double epsilon = 1e-6;                  ///< spherical softmax: keeps p_k > 0 when o_k = 0
  double z_alpha = 1.0;                   ///< Z-loss sharpness alpha > 0
  double z_beta = 3.0;                    ///< Z-loss location beta: target z-scores beyond it cost little
  double z_epsilon = 1e-8;                ///< Z-loss: added to sigma^2 so that a constant o stays finite
};

/// One example's loss and the coefficients of dL/do = a o + b 1 + c.
/// `q`, `s`: sum o_k^2 and sum o_k over the D outputs; `y[i]`, `o_t[i]`: the
/// target weights and the outputs at the K target positions (distinct
/// positions). Writes c at the target positions into `c[0..K)`; returns L.
template <class S>
double spherical_loss(const OutputLossOptions& options, double q, double s, Index D, Index K, const S* y,
                      const S* o_t, S* c, double& a, double& b);

}  // namespace strata::nn
