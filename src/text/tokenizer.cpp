#include "strata/text/tokenizer.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "unicode_tables.hpp"

namespace strata::detail {
namespace {

// ASCII word characters: [A-Za-z0-9_], as Python's \w.
constexpr std::array<bool, 128> make_ascii_word() {
  std::array<bool, 128> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  t['_'] = true;
  return t;
}
constexpr auto kAsciiWord = make_ascii_word();

constexpr std::array<unsigned char, 128> make_ascii_lower() {
  std::array<unsigned char, 128> t{};
  for (int c = 0; c < 128; ++c) t[c] = static_cast<unsigned char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
  return t;
}
constexpr auto kAsciiLower = make_ascii_lower();

constexpr std::uint32_t kCapitalSigma = 0x3A3;
constexpr std::uint32_t kSmallSigma = 0x3C3;
constexpr std::uint32_t kFinalSigma = 0x3C2;

bool is_word(std::uint32_t cp) { return cp < 0x80 ? kAsciiWord[cp] : unicode::is_word_char(cp); }

// Decodes one UTF-8 sequence at s[i] that is not ASCII; returns its length, or 0
// if invalid (what Python's strict decoder would reject: overlong forms,
// surrogates, code points above U+10FFFF, truncated sequences, stray bytes).
size_t decode_utf8(std::string_view s, size_t i, std::uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len;
  if (b0 < 0xC2) return 0;
  if (b0 < 0xE0) { len = 2; cp = b0 & 0x1F; }
  else if (b0 < 0xF0) { len = 3; cp = b0 & 0x0F; }
  else if (b0 < 0xF5) { len = 4; cp = b0 & 0x07; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

// The code point starting at s[i] (ASCII or not); returns its length, 0 for an
// invalid byte.
size_t code_point_at(std::string_view s, size_t i, std::uint32_t& cp) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    cp = b;
    return 1;
  }
  return decode_utf8(s, i, cp);
}

// The code point ending just before s[j], where j is a boundary of the forward
// decoding (a code point or invalid byte starts there). Returns its start, or
// npos if s[j-1] is an invalid byte. Every non-continuation byte starts an item
// of the forward decoding, so the item ending at j is the valid sequence from the
// nearest such byte when that sequence ends exactly at j, and else the single
// invalid byte s[j-1].
size_t code_point_before(std::string_view s, size_t j, std::uint32_t& cp) {
  const auto b = static_cast<unsigned char>(s[j - 1]);
  if (b < 0x80) {
    cp = b;
    return j - 1;
  }
  size_t k = j - 1;
  while (k > 0 && j - k < 4 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
  const size_t len = decode_utf8(s, k, cp);
  return (len != 0 && k + len == j) ? k : std::string_view::npos;
}

// Python's str.lower() turns U+03A3 into final sigma U+03C2 rather than U+03C3
// when a cased code point precedes it and none follows it, skipping
// case-ignorable code points on either side (CPython's handle_capital_sigma).
// The context is the original (not yet lowercased) text; an invalid byte counts
// as neither cased nor case-ignorable, like the separator it becomes.
bool is_final_sigma(std::string_view s, size_t i, size_t len) {
  bool cased_before = false;
  for (size_t j = i; j > 0;) {
    std::uint32_t cp = 0;
    const size_t start = code_point_before(s, j, cp);
    if (start == std::string_view::npos) break;
    const auto kind = unicode::case_kind(cp);
    if (kind != unicode::CaseKind::ignorable) {
      cased_before = kind == unicode::CaseKind::cased;
      break;
    }
    j = start;
  }
  if (!cased_before) return false;
  for (size_t j = i + len; j < s.size();) {
    std::uint32_t cp = 0;
    const size_t n = code_point_at(s, j, cp);
    if (n == 0) return true;
    const auto kind = unicode::case_kind(cp);
    if (kind != unicode::CaseKind::ignorable) return kind != unicode::CaseKind::cased;
    j += n;
  }
  return true;
}

// Writes the UTF-8 of a code point at p; returns the end.
char* put_utf8(char* p, std::uint32_t cp) {
  if (cp < 0x80) {
    *p++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *p++ = static_cast<char>(0xC0 | (cp >> 6));
    *p++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *p++ = static_cast<char>(0xE0 | (cp >> 12));
    *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *p++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *p++ = static_cast<char>(0xF0 | (cp >> 18));
    *p++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *p++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *p++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return p;
}

size_t utf8_length(std::uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

// Lowercases the non-ASCII code point (or invalid byte) at text[i], writing its
// bytes at out[j] and their word flags at word[j]; advances i and j. Keeps the
// invariant of lowercase_and_classify, out.size() >= j + (text.size() - i), by
// growing both buffers when lowercasing lengthens the UTF-8 (U+0130, two bytes,
// becomes three). Kept out of line so that the ASCII loop stays small.
[[gnu::noinline]] void lower_non_ascii(std::string_view text, size_t& i, std::string& out, std::string& word,
                                       size_t& j) {
  std::uint32_t cp = 0;
  const size_t len = decode_utf8(text, i, cp);
  if (len == 0) {  // invalid byte: a separator (Python would refuse to decode the text)
    out[j] = ' ';
    word[j] = 0;
    ++i;
    ++j;
    return;
  }
  std::uint32_t lower[unicode::kMaxLowerLength];
  size_t count = 1;
  if (cp == kCapitalSigma) {
    lower[0] = is_final_sigma(text, i, len) ? kFinalSigma : kSmallSigma;
  } else {
    count = unicode::to_lower(cp, lower);
  }
  size_t bytes = 0;
  for (size_t k = 0; k < count; ++k) bytes += utf8_length(lower[k]);
  if (bytes > len) {
    const size_t need = j + bytes + (text.size() - i - len);
    if (need > out.size()) {
      const size_t size = std::max(need, out.size() + out.size() / 4);
      out.resize(size);
      word.resize(size);
    }
  }
  // \b and \w apply to the lowercased text, so classify what lowering produced
  // (U+0130 becomes 'i' and the non-word U+0307, for instance).
  for (size_t k = 0; k < count; ++k) {
    char* const begin = &out[j];
    const size_t n = static_cast<size_t>(put_utf8(begin, lower[k]) - begin);
    std::memset(&word[j], is_word(lower[k]) ? 1 : 0, n);
    j += n;
  }
  i += len;
}

}  // namespace

void lowercase_and_classify(std::string_view text, std::string& out, std::string& word) {
  const size_t n = text.size();
  // Invariant: out.size() == word.size() >= j + (n - i). An ASCII byte or an
  // invalid byte gives one byte; lower_non_ascii grows the buffers in the rare
  // case that a code point's lowercase is longer. They are cut to size at the end.
  out.resize(n);
  word.resize(n);
  char* o = out.data();
  char* w = word.data();
  size_t i = 0;
  size_t j = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {  // fast path: ASCII
      o[j] = static_cast<char>(kAsciiLower[c]);
      w[j] = static_cast<char>(kAsciiWord[c]);
      ++i;
      ++j;
    } else {
      lower_non_ascii(text, i, out, word, j);
      o = out.data();
      w = word.data();
    }
  }
  out.resize(j);
  word.resize(j);
}

}  // namespace strata::detail
