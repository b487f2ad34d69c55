#include "strata/text/tokenizer.hpp"

#include <array>
#include <cstdint>

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

}  // namespace

void lowercase_and_classify(std::string_view text, std::string& out, std::string& word) {
  out.clear();
  word.clear();
  out.reserve(text.size());
  word.reserve(text.size());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {  // fast path: ASCII
      const bool w = kAsciiWord[c];
      out.push_back(static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c));
      word.push_back(static_cast<char>(w));
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const size_t len = decode_utf8(text, i, cp);
    if (len == 0) {  // invalid byte: a separator (Python would refuse to decode the text)
      out.push_back(' ');
      word.push_back(0);
      ++i;
      continue;
    }
    std::uint32_t lower[unicode::kMaxLowerLength];
    size_t count = 1;
    if (cp == kCapitalSigma) {
      lower[0] = is_final_sigma(text, i, len) ? kFinalSigma : kSmallSigma;
    } else {
      count = unicode::to_lower(cp, lower);
    }
    // \b and \w apply to the lowercased text, so classify what lowering produced
    // (U+0130 becomes 'i' and the non-word U+0307, for instance).
    for (size_t k = 0; k < count; ++k) {
      const size_t before = out.size();
      unicode::append_utf8(out, lower[k]);
      word.append(out.size() - before, static_cast<char>(is_word(lower[k])));
    }
    i += len;
  }
}

}  // namespace strata::detail
