#pragma once
/// @file svmlight / libsvm format: one sample per line,
/// `label index:value index:value ... [# comment]`, optional `qid:N`.
#include <string>
#include <vector>

#include "strata/core/sparse.hpp"

namespace strata {

struct SvmlightData {
  SparseMatrix matrix;              ///< samples x features
  std::vector<std::string> labels;  ///< the first field of each line, verbatim
};

/// Reads an svmlight/libsvm file (optionally `.gz`), as scikit-learn's
/// load_svmlight_file does: `#` starts a comment, lines without fields are
/// skipped, a `qid:N` after the label is ignored, duplicates are summed.
/// Indices are one-based unless an index 0 appears anywhere in the file
/// (zero_based="auto"). Labels are kept verbatim (text, not numbers).
/// `n_features` > 0 fixes the column count (indices beyond it are an error;
/// ArgumentError if it is negative or above 2^31 - 1); 0 infers it from the
/// largest index. Throws InputError naming the file and line for a line that
/// starts with a pair instead of a label, a malformed pair, a non-integer or
/// negative index, a non-numeric, NaN or Inf value, an index beyond
/// `n_features`, an inferred column count that is implausible for the file's
/// length (see read_matrix_market), or a file with no samples.
SvmlightData read_svmlight(const std::string& path, Index n_features = 0);

}  // namespace strata
