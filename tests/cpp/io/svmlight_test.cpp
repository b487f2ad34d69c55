#include "strata/io/svmlight.hpp"

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

class SvmlightTest : public strata::testing::TempDirTest {
 protected:
  void expect_error(const std::string& path, long long line, const std::string& keyword, Index n_features = 0) {
    expect_input_error([&] { read_svmlight(path, n_features); }, path, line, keyword);
  }
};

}  // namespace

// ---- good input ----

TEST_F(SvmlightTest, OneBasedByDefault) {
  const auto d = read_svmlight(write("a.svm", "1 1:0.5 3:2\n-1 2:1e2\n"));
  EXPECT_EQ(d.matrix.rows, 2);
  EXPECT_EQ(d.matrix.cols, 3);
  EXPECT_EQ(at(d.matrix, 0, 0), 0.5);
  EXPECT_EQ(at(d.matrix, 0, 2), 2.0);
  EXPECT_EQ(at(d.matrix, 1, 1), 100.0);
  EXPECT_EQ(d.labels, (std::vector<std::string>{"1", "-1"}));
}

TEST_F(SvmlightTest, ZeroBasedWhenAnIndexIsZero) {
  // The 0 appears only on the last line: the whole file is zero-based.
  const auto d = read_svmlight(write("z.svm", "1 1:0.5 3:2\n2 0:4\n"));
  EXPECT_EQ(d.matrix.cols, 4);
  EXPECT_EQ(at(d.matrix, 0, 1), 0.5);
  EXPECT_EQ(at(d.matrix, 0, 3), 2.0);
  EXPECT_EQ(at(d.matrix, 1, 0), 4.0);
}

TEST_F(SvmlightTest, CommentsQidBlankLinesAndEmptyRows) {
  const auto d = read_svmlight(write("c.svm",
                                     "# a header comment\n"
                                     "\n"
                                     "cat qid:3 2:1 4:-2.5 # trailing comment\r\n"
                                     "dog\n"
                                     "   \t\n"
                                     "cat 1:+3 2:1 2:1\n"));  // duplicates are summed
  EXPECT_EQ(d.matrix.rows, 3);
  EXPECT_EQ(d.matrix.cols, 4);
  EXPECT_EQ(d.labels, (std::vector<std::string>{"cat", "dog", "cat"}));
  EXPECT_EQ(at(d.matrix, 0, 1), 1.0);
  EXPECT_EQ(at(d.matrix, 0, 3), -2.5);
  EXPECT_EQ(d.matrix.indptr[2] - d.matrix.indptr[1], 0);
  EXPECT_EQ(at(d.matrix, 2, 0), 3.0);
  EXPECT_EQ(at(d.matrix, 2, 1), 2.0);
  validate_csr(d.matrix.view(), "test");
}

TEST_F(SvmlightTest, NFeaturesFixesTheColumnCount) {
  const auto d = read_svmlight(write("n.svm", "1 1:1 2:1\n"), 10);
  EXPECT_EQ(d.matrix.cols, 10);
  const auto e = read_svmlight(write("n0.svm", "1 0:1 9:1\n"), 10);
  EXPECT_EQ(e.matrix.cols, 10);
  EXPECT_EQ(at(e.matrix, 0, 9), 1.0);
  EXPECT_THROW(read_svmlight(write("x.svm", "1 1:1\n"), -1), ArgumentError);
}

TEST_F(SvmlightTest, ReadsGzip) {
  const std::string path = (dir_ / "g.svm.gz").string();
  const std::string text = "1 1:1 2:2\n0 3:3\n";
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  const auto d = read_svmlight(path);
  EXPECT_EQ(d.matrix.rows, 2);
  EXPECT_EQ(d.matrix.cols, 3);
  EXPECT_EQ(at(d.matrix, 1, 2), 3.0);
}

// ---- bad input ----

TEST_F(SvmlightTest, MalformedPair) {
  expect_error(write("p1.svm", "1 1:1\n1 3\n"), 2, "malformed pair '3'");
  expect_error(write("p2.svm", "1 :3\n"), 1, "malformed pair");
  expect_error(write("p3.svm", "1 a:3\n"), 1, "is not an integer");
  expect_error(write("p4.svm", "1 1.5:3\n"), 1, "is not an integer");
}

TEST_F(SvmlightTest, NonNumericValue) {
  expect_error(write("v1.svm", "1 1:abc\n"), 1, "is not a number");
  expect_error(write("v2.svm", "1 1:\n"), 1, "is not a number");
  expect_error(write("v3.svm", "1 1:2:3\n"), 1, "is not a number");
}

TEST_F(SvmlightTest, NaNAndInf) {
  expect_error(write("nan.svm", "1 1:1\n1 2:nan\n"), 2, "NaN or Inf");
  expect_error(write("inf.svm", "1 1:inf\n"), 1, "NaN or Inf");
  expect_error(write("big.svm", "1 1:-1e400\n"), 1, "NaN or Inf");
}

TEST_F(SvmlightTest, NegativeIndex) {
  expect_error(write("neg.svm", "1 1:1\n0 -2:1\n"), 2, "negative feature index -2");
}

TEST_F(SvmlightTest, IndexBeyondNFeatures) {
  // One-based: index 4 is column 3, beyond 3 features.
  expect_error(write("nf1.svm", "1 1:1\n1 4:1\n"), 2, "out of range: n_features is 3", 3);
  // Zero-based: index 3 is column 3.
  expect_error(write("nf0.svm", "1 0:1 3:1\n1 1:1\n"), 1, "out of range: n_features is 3", 3);
}

TEST_F(SvmlightTest, HugeIndex) {
  expect_error(write("huge.svm", "1 99999999999:1\n"), 1, "out of range");
  expect_error(write("absurd.svm", "1 2000000000:1\n"), 1, "absurd dimensions");
}

TEST_F(SvmlightTest, EmptyFile) {
  expect_error(write("empty.svm", ""), -1, "no samples");
  expect_error(write("comments.svm", "# nothing\n\n   # here\n"), -1, "no samples");
}

TEST_F(SvmlightTest, MissingFile) { expect_error((dir_ / "missing.svm").string(), -1, "no such file"); }

TEST_F(SvmlightTest, MissingLabel) { expect_error(write("nolabel.svm", "1 1:1\n1:2 3:4\n"), 2, "expected a label"); }

TEST_F(SvmlightTest, BadQid) { expect_error(write("qid.svm", "1 qid:x 1:1\n"), 1, "bad query id"); }

// zlib's gzread reports a gzip stream cut short ("unexpected end of file",
// Z_BUF_ERROR) as a normal end of file, and for_each_line does not check
// gzerror() after the last read, so a truncated .gz silently loses samples.
// Disabled until document_reader.cpp checks it; run with
// --gtest_also_run_disabled_tests to reproduce.
TEST_F(SvmlightTest, TruncatedGzipIsAnError) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "1 " + std::to_string(i % 50 + 1) + ":" + std::to_string(i * 0.37) + "\n";
  const std::string full = (dir_ / "full.svm.gz").string();
  gzFile f = gzopen(full.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  std::ifstream in(full, std::ios::binary);
  const std::string gz(std::istreambuf_iterator<char>(in), {});
  expect_error(write("cut.svm.gz", gz.substr(0, gz.size() / 2)), -1, "truncated");
}

// Issue 24: "1 64000000:1" (14 bytes) made a 64M-column matrix (517 MB in
// strata info); the width implied by the largest index is bounded by the pairs.
TEST_F(SvmlightTest, WidthIsBoundedByTheStoredPairs) {
  expect_error(write("wide.svm", "1 64000000:1\n"), 1, "absurd dimensions");
  expect_error(write("wide2.svm", "1 1:1 1048705:1\n"), 1, "implausible for 2 stored pairs");
  // 2^20 + 64 per pair: one-based index 1048704 gives width 1048704.
  EXPECT_EQ(read_svmlight(write("edge.svm", "1 1:1 1048704:1\n")).matrix.cols, 1048704);
}
