#pragma once
/// @file Tokenization compatible with scikit-learn's default analyzer:
/// lowercase, then every match of `(?u)\b\w\w+\b`, i.e. every maximal run of two
/// or more word characters.
///
/// The result is identical to scikit-learn's (`doc.lower()`, then
/// `re.findall(r"(?u)\b\w\w+\b", doc)`) on any valid UTF-8 text, per the
/// Unicode database of Python 3.11 (Unicode 14.0.0): word characters are exactly
/// those Python's `re` matches with `\w`, lowercasing is `str.lower()` including
/// its multi-code-point results (U+0130 -> "i" U+0307) and the Greek final-sigma
/// rule, words are classified after lowercasing, and "two or more" counts code
/// points. The tables come from scripts/gen_unicode_tables.py
/// (src/text/unicode_tables.cpp); regenerate them to follow another Python.
///
/// Invalid UTF-8 (stray or truncated sequences, overlong forms, surrogates,
/// values above U+10FFFF), which Python would refuse to decode, is not an error
/// here: each offending byte is a separator, neither a word character nor cased.
#include <string>
#include <string_view>

namespace strata {

/// Calls `emit(std::string_view token)` for each token of `text`, lowercased.
/// `scratch` is reused between calls to avoid allocation; tokens point into it
/// and stay valid until the next call.
template <class Emit>
void tokenize(std::string_view text, std::string& scratch, Emit&& emit);

namespace detail {
/// Lowercases UTF-8 `text` into `out` as Python's str.lower() and marks each byte
/// of `out`: 1 if it belongs to a word character of the lowercased text, 0
/// otherwise (out.size() bytes of flags written to `word`). An invalid byte of
/// `text` becomes a ' ' in `out`.
void lowercase_and_classify(std::string_view text, std::string& out, std::string& word);
}  // namespace detail

template <class Emit>
void tokenize(std::string_view text, std::string& scratch, Emit&& emit) {
  thread_local std::string word;
  detail::lowercase_and_classify(text, scratch, word);
  const size_t n = scratch.size();
  size_t i = 0;
  while (i < n) {
    while (i < n && !word[i]) ++i;
    const size_t start = i;
    size_t chars = 0;
    while (i < n && word[i]) {
      // Count characters, not bytes: UTF-8 continuation bytes are 10xxxxxx.
      if ((static_cast<unsigned char>(scratch[i]) & 0xC0) != 0x80) ++chars;
      ++i;
    }
    if (chars >= 2) emit(std::string_view(scratch.data() + start, i - start));
  }
}

}  // namespace strata
