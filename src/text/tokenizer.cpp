#include "strata/text/tokenizer.hpp"

#include <array>
#include <cstdint>

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

// Python's \w beyond ASCII: str.isalnum() or '_'. Approximated by excluding the
// blocks of punctuation, symbols and spaces.
bool is_word_codepoint(std::uint32_t cp) {
  if (cp < 0x80) return kAsciiWord[cp];
  if (cp < 0x100) {
    // Latin-1: letters, plus ª µ º ² ³ ¹ ¼ ½ ¾ which Python counts as alphanumeric.
    if (cp == 0xAA || cp == 0xB5 || cp == 0xBA || cp == 0xB2 || cp == 0xB3 || cp == 0xB9) return true;
    if (cp >= 0xBC && cp <= 0xBE) return true;
    return cp >= 0xC0 && cp != 0xD7 && cp != 0xF7;
  }
  if (cp >= 0x2000 && cp <= 0x2BFF) {
    // General punctuation, super/subscripts, currency, arrows, math, technical,
    // box drawing, dingbats... except the letterlike and number forms.
    if (cp >= 0x2070 && cp <= 0x209F) return cp != 0x207A && cp != 0x207B && cp != 0x207C && cp != 0x207D &&
                                              cp != 0x207E && cp != 0x208A && cp != 0x208B && cp != 0x208C &&
                                              cp != 0x208D && cp != 0x208E;
    if (cp >= 0x2150 && cp <= 0x218B) return true;  // number forms (roman numerals, fractions)
    if (cp >= 0x2460 && cp <= 0x249B) return true;  // enclosed numbers
    return false;
  }
  if (cp >= 0x3000 && cp <= 0x303F) return cp == 0x3005 || cp == 0x3006 || cp == 0x3007 || (cp >= 0x3021 && cp <= 0x3029);
  if (cp >= 0xFE30 && cp <= 0xFE4F) return false;           // CJK compatibility forms
  if (cp >= 0xFF00 && cp <= 0xFF0F) return false;           // fullwidth punctuation
  if (cp >= 0xFF1A && cp <= 0xFF20) return false;
  if (cp >= 0xFF3B && cp <= 0xFF40) return cp == 0xFF3F;
  if (cp >= 0xFF5B && cp <= 0xFF65) return false;
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;         // emoji and pictographs
  if (cp == 0xFEFF || cp == 0x00A0 || cp == 0x1680) return false;
  if (cp >= 0x0300 && cp <= 0x036F) return false;           // combining marks are not alnum
  if (cp == 0x037E || cp == 0x0387 || cp == 0x055D || cp == 0x0589 || cp == 0x05BE || cp == 0x060C ||
      cp == 0x061B || cp == 0x061F || cp == 0x06D4 || cp == 0x0964 || cp == 0x0965)
    return false;  // common script punctuation
  return true;
}

std::uint32_t to_lower(std::uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp >= 0x100 && cp <= 0x17F) {
    // Latin Extended-A pairs upper/lower at even/odd, except 0x130-0x131 and
    // the 0x139-0x148 and 0x179-0x17E runs, which pair odd/even.
    if (cp == 0x130) return 0x69;  // İ -> i (Python gives i + combining dot; close enough)
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) return (cp % 2 == 1) ? cp + 1 : cp;
    if (cp == 0x178) return 0xFF;
    if (cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F) return cp;
    return (cp % 2 == 0) ? cp + 1 : cp;
  }
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 32;  // Greek
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;                  // Cyrillic
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if invalid.
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
    if (len == 0) {  // invalid byte: a separator, kept so offsets stay simple
      out.push_back(' ');
      word.push_back(0);
      ++i;
      continue;
    }
    const bool w = is_word_codepoint(cp);
    const size_t before = out.size();
    append_utf8(out, to_lower(cp));
    word.append(out.size() - before, static_cast<char>(w));
    i += len;
  }
}

}  // namespace strata::detail
