#include "strata/text/tokenizer.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include <string>
#include <vector>

#include "../../../src/text/unicode_tables.hpp"  // internal: the generated Unicode tables

namespace {
std::vector<std::string> tokens_of(const std::string& text) {
  std::vector<std::string> out;
  std::string scratch;
  strata::tokenize(text, scratch, [&](std::string_view t) { out.emplace_back(t); });
  return out;
}
}  // namespace

TEST(Tokenizer, MatchesScikitLearnPatternOnAscii) {
  // (?u)\b\w\w+\b after lowercasing: runs of >= 2 word characters.
  EXPECT_EQ(tokens_of("Hello, World! a b_c 42 x1 I'm"), (std::vector<std::string>{"hello", "world", "b_c", "42", "x1"}));
  EXPECT_EQ(tokens_of(""), std::vector<std::string>{});
  EXPECT_EQ(tokens_of("a b c"), std::vector<std::string>{});
  EXPECT_EQ(tokens_of("e-mail can't__stop"), (std::vector<std::string>{"mail", "can", "t__stop"}));
}

TEST(Tokenizer, LowercasesLatin1AndCountsCharactersNotBytes) {
  EXPECT_EQ(tokens_of("CAFÉ Über é"), (std::vector<std::string>{"café", "über"}));
  // An em dash separates tokens; a single accented letter is one character.
  EXPECT_EQ(tokens_of("naïve—Straße"), (std::vector<std::string>{"naïve", "straße"}));
}

TEST(Tokenizer, InvalidUtf8SeparatesTokens) {
  EXPECT_EQ(tokens_of(std::string("ab\xff" "cd")), (std::vector<std::string>{"ab", "cd"}));
}

// Expected values below are Python 3.11's re.findall(r"(?u)\b\w\w+\b", doc.lower()).

TEST(Tokenizer, ReplacementCharacterAndPrivateUseAreSeparators) {
  // U+FFFD (what a lossy decoder leaves behind) is a symbol, not a word character.
  EXPECT_EQ(tokens_of("ab\uFFFD" "cd \uFFFD\uFFFD"), (std::vector<std::string>{"ab", "cd"}));
  EXPECT_EQ(tokens_of("\uE000\uE001 x\uE000y"), std::vector<std::string>{});
}

TEST(Tokenizer, CombiningMarksAreNotWordCharacters) {
  // Decomposed "café" and "ño": U+0301 and U+0303 split the word, as in Python.
  EXPECT_EQ(tokens_of("cafe\u0301 n\u0303o"), std::vector<std::string>{"cafe"});
}

TEST(Tokenizer, LowercasesArmenianCyrillicAndLatinExtendedB) {
  EXPECT_EQ(tokens_of("ԱՐԱՄ Ձեռք"), (std::vector<std::string>{"արամ", "ձեռք"}));
  // Cyrillic beyond U+042F: U+0400-U+040F, and the even/odd pairs from U+0460 on.
  EXPECT_EQ(tokens_of("ЀЁЂ ЃЄ Ѡѡ ҸҹҊ"), (std::vector<std::string>{"ѐёђ", "ѓє", "ѡѡ", "ҹҹҋ"}));
  // Latin Extended-B, including a titlecase digraph (U+01F2 -> U+01F3).
  EXPECT_EQ(tokens_of("Ǳ ǲǳ ƁAB"), (std::vector<std::string>{"ǳǳ", "ɓab"}));
}

TEST(Tokenizer, DottedCapitalILowercasesToTwoCodePoints) {
  // U+0130 -> "i" + U+0307 COMBINING DOT ABOVE, which is not a word character:
  // "İSTANBUL" splits after the lone "i", while "Iİ" gives "ii" then the mark.
  EXPECT_EQ(tokens_of("İSTANBUL İİ Iİ"), (std::vector<std::string>{"stanbul", "ii"}));
  EXPECT_EQ(tokens_of("xİ"), std::vector<std::string>{"xi"});
}

TEST(Tokenizer, GreekCapitalSigmaFollowsPythonFinalSigmaRule) {
  // str.lower() gives final sigma U+03C2 after a cased letter when no cased
  // letter follows, skipping case-ignorable characters (. ' U+0301 U+00AD...).
  EXPECT_EQ(tokens_of("ΟΔΟΣ Σ ΣΑ ΑΣ. ΑΣ.Β ΑΣ'Α ΣΣΣ"),
            (std::vector<std::string>{"οδος", "σα", "ας", "ασ", "ασ", "σσς"}));
  EXPECT_EQ(tokens_of("ΑΣ\u0301 ΑΣ\u0301Β ΑΣ\u00AD"), (std::vector<std::string>{"ας", "ασ", "ας"}));
  // Lowercase input is left alone; a lone capital sigma is σ.
  EXPECT_EQ(tokens_of("οδοσ σς"), (std::vector<std::string>{"οδοσ", "σς"}));
  // Context crosses to the start and end of the text, and across ASCII.
  EXPECT_EQ(tokens_of("'ΣΣ'"), std::vector<std::string>{"σς"});
  EXPECT_EQ(tokens_of("ΣΣ'.a"), std::vector<std::string>{"σσ"});
  EXPECT_EQ(tokens_of("aΣ'b"), std::vector<std::string>{"aσ"});
  // An invalid byte is neither cased nor case-ignorable: it ends the context.
  EXPECT_EQ(tokens_of(std::string("ΑΣ\xff" "b \xffΣΑ")), (std::vector<std::string>{"ας", "σα"}));
}

TEST(Tokenizer, CjkIsWordsEmojiAreSeparators) {
  EXPECT_EQ(tokens_of("日本語のテキスト 中文"), (std::vector<std::string>{"日本語のテキスト", "中文"}));
  EXPECT_EQ(tokens_of("I \u2764\uFE0F NY \U0001F600\U0001F600 ab\U0001F600" "cd"),
            (std::vector<std::string>{"ny", "ab", "cd"}));
}

TEST(Tokenizer, NumberFormsAndLigatures) {
  // Roman numeral letters are \w and lowercase; single characters are no token.
  EXPECT_EQ(tokens_of("ⅰⅱ Ⅻ"), std::vector<std::string>{"ⅰⅱ"});
  // U+FB03 "ﬃ" is one code point (lower() keeps it).
  EXPECT_EQ(tokens_of("ﬀ ﬃ ﬃx"), std::vector<std::string>{"ﬃx"});
}

TEST(Tokenizer, InvalidUtf8FormsAreSeparators) {
  // Truncated sequence, overlong "/" , an encoded surrogate, a value above U+10FFFF.
  EXPECT_EQ(tokens_of(std::string("ab\xe2\x82" "cd ef\xc0\xaf" "gh ij\xed\xa0\x80kl mn\xf4\x90\x80\x80op")),
            (std::vector<std::string>{"ab", "cd", "ef", "gh", "ij", "kl", "mn", "op"}));
  // A valid sequence right after an invalid byte still decodes.
  EXPECT_EQ(tokens_of(std::string("\x80\xc3\x89t\xc3\xa9")), std::vector<std::string>{"été"});
}

TEST(Tokenizer, LowercaseLongerThanInputGrowsTheBuffers) {
  // Every "İ" (2 bytes) lowercases to 3 bytes; the scratch buffers must grow.
  std::string text;
  for (int k = 0; k < 5000; ++k) text += "Iİ";
  const auto tokens = tokens_of(text);
  ASSERT_EQ(tokens.size(), 5000u);
  for (const auto& t : tokens) ASSERT_EQ(t, "ii");
  // And the scratch string is reused across calls of different sizes.
  std::string scratch;
  std::vector<std::string> out;
  for (const std::string doc : {text, std::string("ÀB"), text.substr(0, 4) + " Ȿx"}) {
    out.clear();
    strata::tokenize(doc, scratch, [&](std::string_view t) { out.emplace_back(t); });
  }
  EXPECT_EQ(out, (std::vector<std::string>{"ii", "ȿx"}));
}

TEST(UnicodeTables, LookupsAgreeWithPython) {
  namespace u = strata::detail::unicode;
  EXPECT_STREQ(u::kUnicodeVersion, "14.0.0");
  // re.match(r"\w", ch): letters, digits, '_', number forms; not marks or symbols.
  for (std::uint32_t cp : {0x30u, 0x5Fu, 0xAAu, 0xB2u, 0x531u, 0x4E2Du, 0x2160u, 0x10400u, 0x20000u})
    EXPECT_TRUE(u::is_word_char(cp)) << std::hex << cp;
  for (std::uint32_t cp : {0x20u, 0x2Du, 0xA0u, 0xD7u, 0x301u, 0x55Du, 0x3000u, 0xE000u, 0xFFFDu, 0x1F600u, 0x10FFFFu})
    EXPECT_FALSE(u::is_word_char(cp)) << std::hex << cp;
  // chr(cp).lower(), single and multiple code points.
  std::uint32_t low[u::kMaxLowerLength];
  ASSERT_EQ(u::to_lower(0x130, low), 2u);
  EXPECT_EQ(low[0], 0x69u);
  EXPECT_EQ(low[1], 0x307u);
  for (auto [from, to] : {std::pair<std::uint32_t, std::uint32_t>{0x41, 0x61}, {0x1F2, 0x1F3}, {0x3A3, 0x3C3},
                          {0x42F, 0x44F}, {0x4B8, 0x4B9}, {0x531, 0x561}, {0x2160, 0x2170}, {0x212A, 0x6B},
                          {0x10400, 0x10428}, {0x1E900, 0x1E922}, {0x61, 0x61}, {0x3C2, 0x3C2}, {0x4E2D, 0x4E2D}}) {
    ASSERT_EQ(u::to_lower(from, low), 1u) << std::hex << from;
    EXPECT_EQ(low[0], to) << std::hex << from;
  }
  std::string s;
  u::append_lower_utf8(0x130, s);
  u::append_lower_utf8(0x10400, s);
  u::append_lower_utf8(0x20AC, s);
  EXPECT_EQ(s, "i\u0307\U00010428\u20AC");
  // The classes str.lower() uses for final sigma.
  EXPECT_EQ(u::case_kind(0x41), u::CaseKind::cased);
  EXPECT_EQ(u::case_kind(0x2B0), u::CaseKind::ignorable);  // modifier letter, cased and ignorable
  EXPECT_EQ(u::case_kind(0x27), u::CaseKind::ignorable);
  EXPECT_EQ(u::case_kind(0x301), u::CaseKind::ignorable);
  EXPECT_EQ(u::case_kind(0x4E2D), u::CaseKind::other);
  EXPECT_EQ(u::case_kind(0x20), u::CaseKind::other);
}
