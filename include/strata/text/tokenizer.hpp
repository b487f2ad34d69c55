#pragma once
/// @file Tokenization compatible with scikit-learn's default analyzer:
/// lowercase, then every match of `(?u)\b\w\w+\b`, i.e. every maximal run of two
/// or more word characters.
///
/// On ASCII text the result is identical to scikit-learn's. On UTF-8 text,
/// letters and digits of other scripts are word characters and punctuation,
/// symbols and spaces separate tokens; lowercasing covers Latin-1, Latin
/// Extended-A, Greek and Cyrillic. Invalid UTF-8 bytes separate tokens.
#include <string>
#include <string_view>

namespace strata {

/// Calls `emit(std::string_view token)` for each token of `text`, lowercased.
/// `scratch` is reused between calls to avoid allocation; tokens point into it
/// and stay valid until the next call.
template <class Emit>
void tokenize(std::string_view text, std::string& scratch, Emit&& emit);

namespace detail {
/// Lowercases UTF-8 `text` into `out` and marks each byte: 1 if it belongs to a
/// word character, 0 otherwise (out.size() bytes of flags written to `word`).
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
