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

/// Reads an svmlight/libsvm file. Indices are one-based unless an index 0
/// appears (scikit-learn's zero_based="auto"). `n_features` > 0 fixes the
/// column count (indices beyond it are an error); 0 infers it. Throws
/// InputError naming the file and line for a malformed pair, a non-numeric,
/// NaN or Inf value, or a negative index.
SvmlightData read_svmlight(const std::string& path, Index n_features = 0);

}  // namespace strata
