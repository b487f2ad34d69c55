#pragma once
/// @file Matrix Market exchange format (`.mtx`, optionally `.mtx.gz`):
/// coordinate real / integer / pattern matrices, general or symmetric.
/// https://math.nist.gov/MatrixMarket/formats.html
#include <string>

#include "strata/core/sparse.hpp"

namespace strata {

/// Reads a coordinate Matrix Market file. Pattern entries get the value 1;
/// symmetric matrices are expanded (both triangles stored); duplicates are
/// summed. Throws InputError naming the file and line on a bad banner,
/// unsupported field/symmetry (complex, array, hermitian, skew-symmetric),
/// an index out of range, a non-numeric, NaN or Inf value, fewer or more
/// entries than the size line declares, or a size line whose nonzero count
/// exceeds what the file's length allows (checked before allocating).
SparseMatrix read_matrix_market(const std::string& path);

/// Writes `m` as "coordinate real general", 1-based, atomically.
void write_matrix_market(const std::string& path, const SparseView& m);

}  // namespace strata
