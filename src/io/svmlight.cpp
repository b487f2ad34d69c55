// svmlight / libsvm reader, following scikit-learn's load_svmlight_file:
// `#` starts a comment, lines with no fields are skipped, an optional `qid:N`
// may follow the label, and indices are zero-based iff some index is 0
// (zero_based="auto"). Unlike scikit-learn, labels are kept as text (so that
// class names survive) and NaN/Inf values are rejected.
#include "strata/io/svmlight.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "strata/core/error.hpp"
#include "text_fields.hpp"
#include "strata/text/document_reader.hpp"

namespace strata {
namespace {

using namespace io_detail;

constexpr std::int64_t kMaxFeatureIndex = std::numeric_limits<ColIndex>::max();

}  // namespace

SvmlightData read_svmlight(const std::string& path, Index n_features) {
  require_argument(n_features >= 0 && n_features <= kMaxFeatureIndex, "n_features",
                   "in [0, " + std::to_string(kMaxFeatureIndex) + "]", std::to_string(n_features));
  SvmlightData out;
  std::vector<Triplet> triplets;
  if (!ends_with(path, ".gz")) {
    // A pair needs at least 4 bytes ("1:1 "); reserve a typical share of that
    // bound (untouched capacity costs address space, not memory).
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      triplets.reserve(static_cast<std::size_t>(st.st_size / 8));
  }
  Index row = 0;
  std::int64_t min_index = std::numeric_limits<std::int64_t>::max();
  std::int64_t max_index = -1;
  long long max_index_line = 0;

  for_each_line(path, [&](std::string_view line, long long number) {
    const std::size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    Tokens t(line);
    std::string_view tok = t.next();
    if (tok.empty()) return;  // blank or comment-only line
    if (tok.find(':') != std::string_view::npos)
      throw InputError(path, "line starts with the pair " + quoted(tok) + "; expected a label first", number);
    out.labels.emplace_back(tok);
    tok = t.next();
    if (tok.substr(0, 4) == "qid:") {
      std::int64_t qid = 0;
      if (!parse_int(tok.substr(4), qid)) throw InputError(path, "bad query id " + quoted(tok), number);
      tok = t.next();
    }
    for (; !tok.empty(); tok = t.next()) {
      const std::size_t colon = tok.find(':');
      if (colon == std::string_view::npos || colon == 0)
        throw InputError(path, "malformed pair " + quoted(tok) + " (expected index:value)", number);
      std::int64_t index = 0;
      if (!parse_int(tok.substr(0, colon), index))
        throw InputError(path, "feature index in " + quoted(tok) + " is not an integer", number);
      if (index < 0) throw InputError(path, "negative feature index " + std::to_string(index), number);
      if (index > kMaxFeatureIndex)
        throw InputError(path,
                         "feature index " + std::to_string(index) + " out of range (at most " +
                             std::to_string(kMaxFeatureIndex) + ")",
                         number);
      double value = 0.0;
      switch (parse_double(tok.substr(colon + 1), value)) {
        case NumberStatus::Ok:
          break;
        case NumberStatus::NotNumeric:
          throw InputError(path, "value in " + quoted(tok) + " is not a number", number);
        case NumberStatus::NotFinite:
          throw InputError(path, "value in " + quoted(tok) + " is NaN or Inf (values must be finite)", number);
      }
      min_index = std::min(min_index, index);
      if (index > max_index) {
        max_index = index;
        max_index_line = number;
      }
      triplets.push_back(Triplet{row, static_cast<ColIndex>(index), value});
    }
    ++row;
  });

  if (row == 0) throw InputError(path, "no samples (the file is empty or holds only comments)");
  // zero_based="auto": one-based unless some index is 0.
  const std::int64_t offset = (max_index >= 0 && min_index > 0) ? 1 : 0;
  if (offset != 0)
    for (auto& tr : triplets) tr.col -= 1;
  Index cols = max_index + 1 - offset;
  if (cols > kMaxFeatureIndex)
    throw InputError(path,
                     "feature index " + std::to_string(max_index) + " gives " + std::to_string(cols) +
                         " columns, more than the supported " + std::to_string(kMaxFeatureIndex),
                     max_index_line);
  if (n_features > 0) {
    if (cols > n_features)
      throw InputError(path,
                       "feature index " + std::to_string(max_index) + " out of range: n_features is " +
                           std::to_string(n_features) +
                           (offset ? " (indices are one-based)" : " (indices are zero-based)"),
                       max_index_line);
    cols = n_features;
  } else if (cols > max_dimension_for_entries(static_cast<Index>(triplets.size()))) {
    // The width comes from the largest index: bounded by the stored pairs as
    // a declared width is (text_fields.hpp), or every column array would be
    // sized from one number in the file.
    throw InputError(path,
                     "feature index " + std::to_string(max_index) + " is implausible for " +
                         std::to_string(triplets.size()) + " stored pairs (at most " +
                         std::to_string(max_dimension_for_entries(static_cast<Index>(triplets.size()))) +
                         " columns: " + std::to_string(kDimensionFloor) + " + " + std::to_string(kDimensionsPerEntry) +
                         " per pair; absurd dimensions, refusing to allocate)",
                     max_index_line);
  }
  out.matrix = csr_from_triplets(row, cols, std::move(triplets));
  return out;
}

}  // namespace strata
