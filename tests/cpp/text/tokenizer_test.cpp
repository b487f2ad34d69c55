#include "strata/text/tokenizer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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
