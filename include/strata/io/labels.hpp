#pragma once
/// @file Class labels for semi-supervised models (SSNMF, supervised
/// hierarchical NMF): reading a labels file and encoding labels as classes.
///
/// A labels file has one line per document: the label, or an empty line for
/// an unlabeled document. Labels are free text (surrounding blanks trimmed).
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/sparse.hpp"

namespace strata {

/// Labels encoded as class indices.
struct LabelEncoding {
  std::vector<std::string> classes;  ///< distinct labels, sorted (scikit-learn's LabelEncoder order)
  std::vector<std::int32_t> codes;   ///< per document: index into `classes`, or -1 when unlabeled

  Index n_documents() const { return static_cast<Index>(codes.size()); }
  Index n_classes() const { return static_cast<Index>(classes.size()); }
  Index n_labeled() const;
  /// The label of class `code`, or "" for -1.
  const std::string& name(std::int32_t code) const;
};

/// Encodes labels; "" marks an unlabeled document.
LabelEncoding encode_labels(const std::vector<std::string>& labels);

/// Reads a labels file (one line per document, empty = unlabeled; a final
/// newline is optional; "\r\n" accepted). Throws InputError naming `path` when
/// it cannot be read, is not UTF-8 text (a NUL byte), or has a number of lines
/// other than `n_documents` (pass -1 to accept any count).
std::vector<std::string> read_labels_file(const std::string& path, Index n_documents = -1);

}  // namespace strata
