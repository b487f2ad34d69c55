#pragma once
/// @file Eight doubles as one value, for kernels whose row length k is only
/// known at run time: a template on k / 8 keeps a row in registers, which the
/// compiler's own loop over a run-time k does not. A GCC/Clang vector
/// extension: one AVX-512 register, or two or four narrower ones.
#include <cstring>

#include "strata/core/sparse.hpp"

namespace strata::detail {

/// aligned(8): rows of a matrix need not start on a 64-byte boundary.
using Vec8 = double __attribute__((vector_size(64), aligned(8)));

inline Vec8 load8(const double* p) {
  Vec8 v;
  std::memcpy(&v, p, sizeof(Vec8));
  return v;
}

inline void store8(double* p, Vec8 v) { std::memcpy(p, &v, sizeof(Vec8)); }

}  // namespace strata::detail
