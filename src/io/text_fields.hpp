#pragma once
// Internal to the text matrix readers (Matrix Market, svmlight, UCI): fast,
// allocation-free field splitting and number parsing, and the plausibility
// limits every header is checked against before anything is allocated.
#include <sys/stat.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "strata/core/error.hpp"
#include "strata/core/sparse.hpp"

namespace strata::io_detail {

constexpr Index kMaxRows = Index{1} << 62;
constexpr Index kMaxCols = std::numeric_limits<ColIndex>::max();
// Declared dimensions against stored entries. Empty rows and columns are
// legal, so a matrix may be far wider (or taller) than its entries: a 3-entry
// Matrix Market file may declare 64M columns. But everything downstream
// allocates per row and per column (row pointers, column statistics, and a
// fit's dense factors: W is rows x k, H is k x columns), so a declared dimension
// is bounded by the entries the file holds (nnz, itself checked against the
// file's bytes before anything is allocated):
//   rows, columns <= kDimensionFloor + kDimensionsPerEntry * nnz.
// Up to a million rows or columns are accepted whatever the entries; beyond,
// at most 64 per stored entry (at least 98% of the rows or columns empty).
// Real term-document matrices stay far below: every term occurs somewhere.
constexpr Index kDimensionFloor = Index{1} << 20;
constexpr Index kDimensionsPerEntry = 64;

/// The largest row or column count accepted for `entries` stored entries.
inline Index max_dimension_for_entries(Index entries) {
  return entries > (kMaxRows - kDimensionFloor) / kDimensionsPerEntry ? kMaxRows
                                                                       : kDimensionFloor + kDimensionsPerEntry * entries;
}
// The largest expansion deflate can achieve; bounds the text in a `.gz` file.
constexpr Index kMaxGzipRatio = 1032;

inline bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

/// Splits a line into whitespace-separated tokens without allocating.
class Tokens {
 public:
  explicit Tokens(std::string_view line) : line_(line) {}
  /// The next token, or an empty view at the end of the line.
  std::string_view next() {
    while (pos_ < line_.size() && is_blank(line_[pos_])) ++pos_;
    const std::size_t start = pos_;
    while (pos_ < line_.size() && !is_blank(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }

 private:
  std::string_view line_;
  std::size_t pos_ = 0;
};

/// A token quoted for an error message, cut at 40 characters.
inline std::string quoted(std::string_view token) {
  constexpr std::size_t kShown = 40;
  std::string s = "'" + std::string(token.substr(0, kShown));
  if (token.size() > kShown) s += "...";
  return s + "'";
}

/// A whole token as a (optionally '+'-signed) decimal integer.
inline bool parse_int(std::string_view token, std::int64_t& out) {
  if (!token.empty() && token[0] == '+') token.remove_prefix(1);
  if (token.empty()) return false;
  const auto r = std::from_chars(token.data(), token.data() + token.size(), out);
  return r.ec == std::errc() && r.ptr == token.data() + token.size();
}

enum class NumberStatus { Ok, NotNumeric, NotFinite };

/// A whole token as a finite double (NaN and Inf are reported as NotFinite).
inline NumberStatus parse_double(std::string_view token, double& out) {
  if (token.size() > 1 && token[0] == '+' && token[1] != '-' && token[1] != '+') token.remove_prefix(1);
  if (token.empty()) return NumberStatus::NotNumeric;
  const auto r = std::from_chars(token.data(), token.data() + token.size(), out);
  if (r.ptr != token.data() + token.size()) return NumberStatus::NotNumeric;
  if (r.ec == std::errc::result_out_of_range) {
    // from_chars reports both overflow and underflow; strtod rounds underflow
    // to zero or a subnormal, as Python's float() does.
    const std::string copy(token);
    out = std::strtod(copy.c_str(), nullptr);
  } else if (r.ec != std::errc()) {
    return NumberStatus::NotNumeric;
  }
  return std::isfinite(out) ? NumberStatus::Ok : NumberStatus::NotFinite;
}

/// Bytes of a plain file, or -1 when unknown.
inline Index file_bytes(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return static_cast<Index>(st.st_size);
}

/// Rejects a declared dimension above `limit`, or above what `entries` stored
/// entries allow (max_dimension_for_entries), before anything is allocated from it.
inline void check_dimension(const std::string& path, const char* what, Index value, Index limit, Index entries,
                            long long line) {
  if (value > limit)
    throw InputError(
        path,
        std::string(what) + " " + std::to_string(value) + " exceeds the supported maximum " + std::to_string(limit),
        line);
  if (value > max_dimension_for_entries(entries))
    throw InputError(path,
                     std::string(what) + " " + std::to_string(value) + " is implausible for " +
                         std::to_string(entries) + " stored entries (at most " +
                         std::to_string(max_dimension_for_entries(entries)) + ": " +
                         std::to_string(kDimensionFloor) + " + " + std::to_string(kDimensionsPerEntry) +
                         " per entry; absurd dimensions, refusing to allocate)",
                     line);
}

}  // namespace strata::io_detail
