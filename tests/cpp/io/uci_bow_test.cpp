#include "strata/io/uci_bow.hpp"

#include <gtest/gtest.h>

#include "io/temp_dir_fixture.hpp"
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "strata/core/error.hpp"

using namespace strata;
namespace fs = std::filesystem;

namespace {

using strata::testing::at;

class UciBowTest : public strata::testing::TempDirTest {
 protected:
  void expect_error(const std::string& docword, long long line, const std::string& keyword,
                    const std::string& named = "", const std::string& vocab = "") {
    const std::string& path = named.empty() ? docword : named;
    expect_input_error([&] { read_uci_bag_of_words(docword, vocab); }, path, line, keyword);
  }
};

const std::string kDocword = "3\n4\n4\n1 2 3\n1 4 1\n3 1 2\n3 4 5\n";

}  // namespace

// ---- good input ----

TEST_F(UciBowTest, ReadsDocwordAndDerivedVocabulary) {
  write("vocab.tiny.txt", "apple\nbanana\ncherry\ndate\n\n");  // a trailing blank line is fine
  const Corpus c = read_uci_bag_of_words(write("docword.tiny.txt", kDocword));
  EXPECT_EQ(c.matrix.rows, 3);
  EXPECT_EQ(c.matrix.cols, 4);
  EXPECT_EQ(c.matrix.nnz(), 4);
  EXPECT_EQ(at(c.matrix, 0, 1), 3.0);
  EXPECT_EQ(at(c.matrix, 2, 3), 5.0);
  EXPECT_EQ(c.matrix.indptr[2] - c.matrix.indptr[1], 0);  // document 2 is empty
  EXPECT_EQ(c.vocabulary, (std::vector<std::string>{"apple", "banana", "cherry", "date"}));
  EXPECT_EQ(c.weighting, "count");
  EXPECT_NE(c.provenance_json.find("uci"), std::string::npos);
  validate_corpus(c, "test");
}

TEST_F(UciBowTest, VocabularyIsOptionalWhenDerived) {
  const Corpus c = read_uci_bag_of_words(write("docword.novocab.txt", kDocword));
  EXPECT_TRUE(c.vocabulary.empty());
  EXPECT_EQ(c.matrix.cols, 4);
}

TEST_F(UciBowTest, ExplicitVocabularyPath) {
  const auto vocab = write("words.txt", "a\nb\nc\nd\n");
  const Corpus c = read_uci_bag_of_words(write("docword.x.txt", kDocword), vocab);
  EXPECT_EQ(c.vocabulary.back(), "d");
  expect_error(write("docword.y.txt", kDocword), -1, "no such file", (dir_ / "nope.txt").string(),
               (dir_ / "nope.txt").string());
}

TEST_F(UciBowTest, GzipDocwordWithPlainVocabulary) {
  write("vocab.gz.txt", "a\nb\nc\nd\n");
  const std::string path = (dir_ / "docword.gz.txt.gz").string();
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, kDocword.data(), static_cast<unsigned>(kDocword.size()));
  gzclose(f);
  const Corpus c = read_uci_bag_of_words(path);
  EXPECT_EQ(c.matrix.nnz(), 4);
  EXPECT_EQ(c.vocabulary.size(), 4u);
}

TEST_F(UciBowTest, DuplicatesSummedAndZeroCountsSkipped) {
  const Corpus c = read_uci_bag_of_words(write("docword.d.txt", "2\n2\n4\n1 1 2\n1 1 3\n2 2 0\r\n\n2 1 1\n"));
  EXPECT_EQ(c.matrix.nnz(), 2);
  EXPECT_EQ(at(c.matrix, 0, 0), 5.0);
  EXPECT_EQ(at(c.matrix, 1, 0), 1.0);
}

TEST_F(UciBowTest, RecognizesDocwordNames) {
  EXPECT_TRUE(is_uci_docword_name("docword.kos.txt"));
  EXPECT_TRUE(is_uci_docword_name("/data/uci/docword.nytimes.txt.gz"));
  EXPECT_FALSE(is_uci_docword_name("vocab.kos.txt"));
  EXPECT_FALSE(is_uci_docword_name("/data/docword.d/corpus.txt"));
  EXPECT_FALSE(is_uci_docword_name("docword."));
}

// ---- bad input ----

TEST_F(UciBowTest, EmptyFile) { expect_error(write("docword.e.txt", ""), -1, "empty file"); }

TEST_F(UciBowTest, MissingFile) { expect_error((dir_ / "docword.none.txt").string(), -1, "no such file"); }

TEST_F(UciBowTest, BadHeader) {
  expect_error(write("docword.h1.txt", "3\nfour\n4\n1 1 1\n"), 2, "bad header: line 2 must be the number of words W");
  expect_error(write("docword.h2.txt", "-3\n4\n1\n1 1 1\n"), 1, "bad header");
  expect_error(write("docword.h3.txt", "3 4 1\n1 1 1\n"), 1, "bad header");
  expect_error(write("docword.h4.txt", "3\n4\n"), 2, "file ends before the number of nonzeros NNZ");
}

TEST_F(UciBowTest, IndexOutOfRange) {
  expect_error(write("docword.o1.txt", "3\n4\n2\n1 1 1\n4 1 1\n"), 5, "document id 4 out of range [1, 3]");
  expect_error(write("docword.o2.txt", "3\n4\n2\n1 1 1\n1 5 1\n"), 5, "word id 5 out of range [1, 4]");
  expect_error(write("docword.o3.txt", "3\n4\n1\n0 1 1\n"), 4, "document id 0 out of range");
}

TEST_F(UciBowTest, BadCounts) {
  expect_error(write("docword.c1.txt", "3\n4\n1\n1 1 1.5\n"), 4, "count '1.5' is not an integer");
  expect_error(write("docword.c2.txt", "3\n4\n1\n1 1 -2\n"), 4, "negative count -2");
  expect_error(write("docword.c3.txt", "3\n4\n1\n1 1 nan\n"), 4, "is not an integer");
  expect_error(write("docword.c4.txt", "3\n4\n1\n1 x 1\n"), 4, "word id 'x' is not an integer");
}

TEST_F(UciBowTest, WrongFieldCount) {
  expect_error(write("docword.f1.txt", "3\n4\n1\n1     1\n"), 4, "expected 'docID wordID count'");
  expect_error(write("docword.f2.txt", "3\n4\n1\n1 1 1 1\n"), 4, "expected 'docID wordID count'");
}

TEST_F(UciBowTest, TruncatedFile) {
  expect_error(write("docword.t.txt", "3\n4\n3\n1 1 1\n2 2 2\n        \n\n\n\n"), 9,
               "truncated: the header declares 3 entries (NNZ) but the file ends after 2");
}

TEST_F(UciBowTest, MoreEntriesThanDeclared) {
  expect_error(write("docword.m.txt", "3\n4\n1\n1 1 1\n2 2 2\n"), 5, "more entries than the 1 declared");
}

TEST_F(UciBowTest, AbsurdHeaderIsRejectedBeforeAllocating) {
  expect_error(write("docword.a1.txt", "3\n4\n1000000000000\n1 1 1\n"), 3, "absurd header");
  expect_error(write("docword.a2.txt", "100000000000000\n4\n1\n1 1 1\n"), 3, "absurd dimensions");
  expect_error(write("docword.a3.txt", "3\n2147483648\n1\n1 1 1\n"), 3, "exceeds the supported maximum");
}

TEST_F(UciBowTest, VocabularyLineCountMustMatchW) {
  write("vocab.few.txt", "a\nb\nc\n");
  expect_error(write("docword.few.txt", kDocword), -1, "vocabulary has 3 terms but the docword header (W) declares 4",
               (dir_ / "vocab.few.txt").string());
  write("vocab.many.txt", "a\nb\nc\nd\ne\n");
  expect_error(write("docword.many.txt", kDocword), 5, "vocabulary has more than the 4 terms",
               (dir_ / "vocab.many.txt").string());
  write("vocab.hole.txt", "a\n\nc\nd\n");
  expect_error(write("docword.hole.txt", kDocword), 2, "empty term", (dir_ / "vocab.hole.txt").string());
}

// Issue 24: the same for D and W: bounded by NNZ before anything is sized from them.
TEST_F(UciBowTest, DeclaredDimensionsAreBoundedByTheEntries) {
  expect_error(write("docword.w.txt", "3\n64000000\n3\n1 1 1\n2 2 1\n3 3 1\n"), 3, "absurd dimensions");
  expect_error(write("docword.d.txt", "64000000\n3\n3\n1 1 1\n2 2 1\n3 3 1\n"), 3, "implausible for 3 stored entries");
  EXPECT_EQ(read_uci_bag_of_words(write("docword.e.txt", "3\n1048768\n3\n1 1 1\n2 2 1\n3 1048768 1\n")).matrix.cols,
            1048768);
}
