#pragma once
/// @file Matrix Market exchange format (`.mtx`, optionally `.mtx.gz`):
/// coordinate real / integer / pattern matrices, general or symmetric.
/// https://math.nist.gov/MatrixMarket/formats.html
#include <string>

#include "strata/core/sparse.hpp"

namespace strata {

/// Reads a coordinate Matrix Market file. The banner is case-insensitive;
/// `%` lines are comments and blank lines are skipped anywhere after it.
/// Pattern entries get the value 1; symmetric matrices are expanded (both
/// triangles stored, the diagonal once); duplicates are summed; negative values
/// are kept (commands that need nonnegative data check it themselves).
/// Throws InputError naming the file and line on a bad or missing banner,
/// unsupported field/symmetry (complex, array, hermitian, skew-symmetric), a
/// bad size line, an index out of range, a non-numeric, NaN or Inf value,
/// fewer or more entries than the size line declares, an empty file, or a
/// size line that the file cannot back: more nonzeros than its bytes can hold,
/// rows above 2^62 or columns above 2^31 - 1, or dimensions implausible for
/// its length (more than 2^26 + 64 per byte of text). All of these are checked
/// before allocating. O(nnz log(row length)); streams `.gz` transparently.
SparseMatrix read_matrix_market(const std::string& path);

/// Writes `m` as "coordinate real general", 1-based, with `%.17g` values (which
/// read back bit for bit), atomically. Throws InputError if `m` is malformed.
void write_matrix_market(const std::string& path, const SparseView& m);

}  // namespace strata
