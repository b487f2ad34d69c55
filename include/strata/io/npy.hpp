#pragma once
/// @file NumPy `.npy` files (format version 1.0), the format of every factor
/// matrix strata writes, readable by `numpy.load` with no strata installed.
/// Arrays are C-ordered (row-major), little-endian.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/sparse.hpp"

namespace strata {

/// Writes atomically. `shape` has 1 or 2 entries whose product is the element count.
void write_npy(const std::string& path, const double* data, const std::vector<Index>& shape);
void write_npy(const std::string& path, const float* data, const std::vector<Index>& shape);
void write_npy(const std::string& path, const std::int64_t* data, const std::vector<Index>& shape);
void write_npy(const std::string& path, const std::int32_t* data, const std::vector<Index>& shape);

/// An array read from a .npy file, converted to double.
struct NpyArray {
  std::vector<Index> shape;
  std::vector<double> values;  ///< row-major
  Index rows() const { return shape.empty() ? 1 : shape[0]; }
  Index cols() const { return shape.size() < 2 ? 1 : shape[1]; }
};

/// Reads dtypes <f8, <f4, <i8, <i4, |u1, |b1 (C or Fortran order; Fortran is
/// transposed to C order). Throws InputError naming the file on a bad magic,
/// header, dtype, or a size that disagrees with the file length.
NpyArray read_npy(const std::string& path);

}  // namespace strata
