#pragma once
/// @file Internal: the Unicode properties the tokenizer needs, generated from
/// Python's Unicode database by scripts/gen_unicode_tables.py (the definitions
/// are in the generated unicode_tables.cpp). Lookups are binary searches over
/// sorted ranges, with one-bit-per-code-point tables (built at compile time from
/// the ranges) answering the Basic Multilingual Plane directly; callers keep
/// ASCII on their own fast path.
#include <cstddef>
#include <cstdint>
#include <string>

namespace strata::detail::unicode {

/// Unicode version of the tables (Python's unicodedata.unidata_version).
extern const char* const kUnicodeVersion;

/// True if Python's `re` matches `\w` on the code point (str patterns).
bool is_word_char(std::uint32_t cp);

/// How str.lower() sees a code point when deciding whether U+03A3 is a final
/// sigma: case-ignorable code points are skipped, then the next one must be
/// (before the sigma) or must not be (after it) cased. A code point that is both
/// cased and case-ignorable is reported as `ignorable`, as CPython tests that first.
enum class CaseKind : std::uint8_t { other, cased, ignorable };
CaseKind case_kind(std::uint32_t cp);

/// Most code points one code point lowercases to.
inline constexpr std::size_t kMaxLowerLength = 3;

/// Python's chr(cp).lower() as code points written to `out`; returns how many.
/// U+03A3 gives U+03C3: the final-sigma context is the caller's business.
std::size_t to_lower(std::uint32_t cp, std::uint32_t out[kMaxLowerLength]);

/// Appends the UTF-8 encoding of a code point (a valid scalar value) to `out`.
void append_utf8(std::string& out, std::uint32_t cp);

/// Appends the UTF-8 of chr(cp).lower() to `out`.
void append_lower_utf8(std::uint32_t cp, std::string& out);

}  // namespace strata::detail::unicode
