#include "strata/io/matrix_market.hpp"

#include <gtest/gtest.h>

#include "io/temp_dir_fixture.hpp"
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "strata/core/error.hpp"

using namespace strata;
namespace fs = std::filesystem;

namespace {

using strata::testing::at;

class MatrixMarketTest : public strata::testing::TempDirTest {
 protected:
  std::string write_gz(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
    gzclose(f);
    return path;
  }

  /// Expects read_matrix_market(path) to throw an InputError whose message
  /// names the file, the line (when `line` > 0) and contains `keyword`.
  void expect_error(const std::string& path, long long line, const std::string& keyword) {
    expect_input_error([&] { read_matrix_market(path); }, path, line, keyword);
  }
};

const std::string kReal = "%%MatrixMarket matrix coordinate real general\n";

}  // namespace

// ---- good input ----

TEST_F(MatrixMarketTest, ReadsRealGeneralWithCommentsAndOddSpacing) {
  const auto path = write("a.mtx",
                          "%%matrixmarket MATRIX Coordinate REAL General\r\n"
                          "% a comment\n"
                          "%\n"
                          "\n"
                          "  3 4   5  \r\n"
                          "1 1 1.5\n"
                          "1\t4 -2e-3\n"
                          "% a comment between entries\n"
                          "3 2 +7\n"
                          "2 3 1e-400\n"  // underflows to 0, as Python's float()
                          "3 4 .25");     // no final newline
  const SparseMatrix m = read_matrix_market(path);
  EXPECT_EQ(m.rows, 3);
  EXPECT_EQ(m.cols, 4);
  EXPECT_EQ(m.nnz(), 5);
  EXPECT_EQ(at(m, 0, 0), 1.5);
  EXPECT_EQ(at(m, 0, 3), -2e-3);  // negative values are the caller's business
  EXPECT_EQ(at(m, 2, 1), 7.0);
  EXPECT_EQ(at(m, 1, 2), 0.0);
  EXPECT_EQ(at(m, 2, 3), 0.25);
  validate_csr(m.view(), "test");
}

TEST_F(MatrixMarketTest, ExpandsSymmetricMatrices) {
  const auto path = write("s.mtx",
                          "%%MatrixMarket matrix coordinate real symmetric\n"
                          "3 3 4\n1 1 2\n2 1 3\n3 1 4\n3 3 5\n");
  const SparseMatrix m = read_matrix_market(path);
  EXPECT_EQ(m.nnz(), 6);  // the diagonal is not mirrored
  EXPECT_EQ(at(m, 0, 0), 2.0);
  EXPECT_EQ(at(m, 1, 0), 3.0);
  EXPECT_EQ(at(m, 0, 1), 3.0);
  EXPECT_EQ(at(m, 2, 0), 4.0);
  EXPECT_EQ(at(m, 0, 2), 4.0);
  EXPECT_EQ(at(m, 2, 2), 5.0);
}

TEST_F(MatrixMarketTest, PatternEntriesAreOnes) {
  const auto path = write("p.mtx",
                          "%%MatrixMarket matrix coordinate pattern symmetric\n"
                          "2 2 2\n1 1\n2 1\n");
  const SparseMatrix m = read_matrix_market(path);
  EXPECT_EQ(m.nnz(), 3);
  EXPECT_EQ(at(m, 0, 0), 1.0);
  EXPECT_EQ(at(m, 0, 1), 1.0);
  EXPECT_EQ(at(m, 1, 0), 1.0);
}

TEST_F(MatrixMarketTest, IntegerFieldAndSummedDuplicates) {
  const auto path = write("i.mtx",
                          "%%MatrixMarket matrix coordinate integer general\n"
                          "2 2 4\n2 2 3\n1 2 1\n2 2 4\n1 1 -5\n");
  const SparseMatrix m = read_matrix_market(path);
  EXPECT_EQ(m.nnz(), 3);
  EXPECT_EQ(at(m, 1, 1), 7.0);
  EXPECT_EQ(at(m, 0, 0), -5.0);
  EXPECT_EQ(m.indices[0], 0);  // rows are sorted by column
  EXPECT_EQ(m.indices[1], 1);
}

TEST_F(MatrixMarketTest, EmptyRowsColumnsAndZeroNonzeros) {
  SparseMatrix m = read_matrix_market(write("z.mtx", kReal + "5 7 0\n"));
  EXPECT_EQ(m.rows, 5);
  EXPECT_EQ(m.cols, 7);
  EXPECT_EQ(m.nnz(), 0);
  m = read_matrix_market(write("e.mtx", kReal + "5 7 1\n5 7 1\n"));
  EXPECT_EQ(m.indptr[4], 0);
  EXPECT_EQ(at(m, 4, 6), 1.0);
}

TEST_F(MatrixMarketTest, ReadsGzip) {
  const auto path = write_gz("g.mtx.gz", kReal + "2 3 2\n1 3 0.5\n2 1 2\n");
  const SparseMatrix m = read_matrix_market(path);
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.cols, 3);
  EXPECT_EQ(at(m, 0, 2), 0.5);
  EXPECT_EQ(at(m, 1, 0), 2.0);
}

TEST_F(MatrixMarketTest, WriteReadRoundTripIsExact) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1e3, 1e3);
  SparseMatrix a;
  a.rows = 50;
  a.cols = 40;
  a.indptr.assign(1, 0);
  for (Index i = 0; i < a.rows; ++i) {
    for (ColIndex j = 0; j < a.cols; ++j)
      if (rng() % 5 == 0) {
        a.indices.push_back(j);
        a.data.push_back(j == 3 ? 1e-300 : u(rng) / 3.0);
      }
    a.indptr.push_back(static_cast<Index>(a.indices.size()));
  }
  const std::string path = (dir_ / "out.mtx").string();
  write("out.mtx", "old content");  // replaced
  write_matrix_market(path, a.view());
  const SparseMatrix b = read_matrix_market(path);
  EXPECT_EQ(b.rows, a.rows);
  EXPECT_EQ(b.cols, a.cols);
  EXPECT_EQ(b.indptr, a.indptr);
  EXPECT_EQ(b.indices, a.indices);
  EXPECT_EQ(b.data, a.data);  // %.17g round-trips bit for bit
  std::ifstream in(path);
  std::string banner;
  std::getline(in, banner);
  EXPECT_EQ(banner, "%%MatrixMarket matrix coordinate real general");
  // Atomic: only the target is left in the directory.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

// ---- bad input: one test per problem ----

TEST_F(MatrixMarketTest, EmptyFile) { expect_error(write("empty.mtx", ""), -1, "empty file"); }

TEST_F(MatrixMarketTest, MissingFile) { expect_error((dir_ / "missing.mtx").string(), -1, "no such file"); }

TEST_F(MatrixMarketTest, MissingBanner) {
  expect_error(write("nobanner.mtx", "3 3 1\n1 1 1\n"), 1, "banner");
  expect_error(write("typo.mtx", "%%MatrixMarkt matrix coordinate real general\n1 1 0\n"), 1, "banner");
}

TEST_F(MatrixMarketTest, IncompleteBanner) {
  expect_error(write("short.mtx", "%%MatrixMarket matrix coordinate real\n1 1 0\n"), 1, "banner");
  expect_error(write("long.mtx", "%%MatrixMarket matrix coordinate real general extra\n1 1 0\n"), 1, "banner");
}

TEST_F(MatrixMarketTest, ArrayFormatIsUnsupported) {
  expect_error(write("array.mtx", "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n"), 1,
               "unsupported Matrix Market format 'array'");
}

TEST_F(MatrixMarketTest, ComplexHermitianSkewAreUnsupported) {
  expect_error(write("c.mtx", "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n"), 1,
               "unsupported Matrix Market field 'complex'");
  expect_error(write("h.mtx", "%%MatrixMarket matrix coordinate real hermitian\n1 1 1\n1 1 1\n"), 1,
               "unsupported Matrix Market symmetry 'hermitian'");
  expect_error(write("k.mtx", "%%MatrixMarket matrix coordinate real skew-symmetric\n1 1 0\n"), 1,
               "unsupported Matrix Market symmetry 'skew-symmetric'");
  expect_error(write("v.mtx", "%%MatrixMarket vector coordinate real general\n1 1 0\n"), 1,
               "unsupported Matrix Market object");
  expect_error(write("f.mtx", "%%MatrixMarket matrix coordinate quaternion general\n1 1 0\n"), 1,
               "bad Matrix Market field");
}

TEST_F(MatrixMarketTest, BadSizeLine) {
  expect_error(write("s1.mtx", kReal + "3 x 1\n1 1 1\n"), 2, "bad size line");
  expect_error(write("s2.mtx", kReal + "% comment\n3 3\n1 1 1\n"), 3, "bad size line");
  expect_error(write("s3.mtx", kReal + "3 -3 1\n1 1 1\n"), 2, "bad size line");
  expect_error(write("s4.mtx", kReal + "3 3 1 9\n1 1 1\n"), 2, "bad size line");
  expect_error(write("s5.mtx", kReal + "99999999999999999999 3 1\n1 1 1\n"), 2, "bad size line");
}

TEST_F(MatrixMarketTest, MissingSizeLine) {
  expect_error(write("nosize.mtx", kReal + "% only comments\n"), 2, "missing size line");
}

TEST_F(MatrixMarketTest, RowIndexOutOfRange) {
  expect_error(write("r0.mtx", kReal + "3 3 2\n1 1 1\n0 1 1\n"), 4, "row index 0 out of range [1, 3]");
  expect_error(write("r4.mtx", kReal + "3 3 2\n4 1 1\n1 1 1\n"), 3, "row index 4 out of range");
}

TEST_F(MatrixMarketTest, ColumnIndexOutOfRange) {
  expect_error(write("c4.mtx", kReal + "3 3 2\n1 1 1\n1 4 1\n"), 4, "column index 4 out of range [1, 3]");
  expect_error(write("cneg.mtx", kReal + "3 3 1\n1 -1 1\n"), 3, "column index -1 out of range");
}

TEST_F(MatrixMarketTest, NonNumericValuesAndIndices) {
  expect_error(write("v.mtx", kReal + "3 3 2\n1 1 1\n2 2 abc\n"), 4, "is not a number");
  expect_error(write("v2.mtx", kReal + "3 3 1\n1 1 1.0.0\n"), 3, "is not a number");
  expect_error(write("v3.mtx", kReal + "3 3 1\n1 1 0x10\n"), 3, "is not a number");
  expect_error(write("i.mtx", kReal + "3 3 1\n1.5 1 1\n"), 3, "row index '1.5' is not an integer");
  expect_error(write("j.mtx", kReal + "3 3 1\n1 b 1\n"), 3, "column index 'b' is not an integer");
  expect_error(write("int.mtx", "%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 1 1.5\n"), 3,
               "not an integer");
}

TEST_F(MatrixMarketTest, NaNAndInfValues) {
  expect_error(write("nan.mtx", kReal + "3 3 2\n1 1 1\n2 2 nan\n"), 4, "NaN or Inf");
  expect_error(write("NaN.mtx", kReal + "3 3 1\n1 1 NaN\n"), 3, "NaN or Inf");
  expect_error(write("inf.mtx", kReal + "3 3 1\n1 1 -inf\n"), 3, "NaN or Inf");
  expect_error(write("inf2.mtx", kReal + "3 3 1\n1 1 Infinity\n"), 3, "NaN or Inf");
  expect_error(write("big.mtx", kReal + "3 3 1\n1 1 1e999\n"), 3, "NaN or Inf");
}

TEST_F(MatrixMarketTest, WrongFieldCount) {
  // Padded so that the declared count fits the file's size.
  expect_error(write("two.mtx", kReal + "3 3 1\n1     1\n"), 3, "expected 3");
  expect_error(write("four.mtx", kReal + "3 3 1\n1 1 1 1\n"), 3, "more than 3 fields");
  expect_error(write("pat.mtx", "%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 1 1\n"), 3,
               "more than 2 fields");
}

TEST_F(MatrixMarketTest, TruncatedFile) {
  // Long values so that the declared count still fits the file's size.
  expect_error(write("t.mtx", kReal + "3 3 3\n1 1 0.123456789012345\n2 2 0.123456789012345\n"), 4,
               "truncated: the size line declares 3 entries but the file ends after 2");
}

TEST_F(MatrixMarketTest, MoreEntriesThanDeclared) {
  expect_error(write("more.mtx", kReal + "3 3 2\n1 1 1\n2 2 1\n3 3 1\n"), 5, "more entries than the 2 declared");
}

TEST_F(MatrixMarketTest, AbsurdNonzeroCountIsRejectedBeforeAllocating) {
  const auto start = std::chrono::steady_clock::now();
  expect_error(write("nnz.mtx", kReal + "3 3 1000000000000000\n1 1 1\n"), 2, "absurd header");
  expect_error(write("nnz2.mtx", kReal + "3 3 4611686018427387904\n1 1 1\n"), 2, "absurd header");
  // Eight entries need at least 47 bytes; the file has fewer after the size line.
  expect_error(write("nnz3.mtx", kReal + "3 3 8\n1 1 1\n2 2 1\n3 3 1\n"), 2, "can hold");
  expect_error(write_gz("nnz.mtx.gz", kReal + "3 3 1000000000000000\n1 1 1\n"), 2, "absurd header");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0);
}

TEST_F(MatrixMarketTest, OverflowingDimensions) {
  expect_error(write("rows.mtx", kReal + "9223372036854775807 3 1\n1 1 1\n"), 2, "exceeds the supported maximum");
  expect_error(write("cols.mtx", kReal + "3 2147483648 1\n1 1 1\n"), 2, "exceeds the supported maximum");
}

TEST_F(MatrixMarketTest, ImplausibleDimensionsAreRejectedBeforeAllocating) {
  expect_error(write("rows.mtx", kReal + "1000000000000 3 1\n1 1 1\n"), 2, "absurd dimensions");
  expect_error(write("cols.mtx", kReal + "3 2000000000 1\n1 1 1\n"), 2, "absurd dimensions");
  // gzip: the text size is known only at the end, and is checked there.
  expect_error(write_gz("rows.mtx.gz", kReal + "100000000000 3 1\n1 1 1\n"), 2, "absurd dimensions");
}

TEST_F(MatrixMarketTest, SymmetricMustBeSquare) {
  expect_error(write("ns.mtx", "%%MatrixMarket matrix coordinate real symmetric\n3 4 1\n1 1 1\n"), 2, "must be square");
}

TEST_F(MatrixMarketTest, CorruptGzip) {
  std::string gz;
  {
    const auto path = write_gz("full.mtx.gz", kReal + "2 2 1\n1 1 1\n");
    std::ifstream in(path, std::ios::binary);
    gz.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Any InputError naming the file (what is left of the text is malformed).
  expect_error(write("cut.mtx.gz", gz.substr(0, gz.size() - 12)), -1, "");
  std::string garbage = gz;
  for (std::size_t i = 12; i < garbage.size() - 8; ++i) garbage[i] = static_cast<char>(0xA5 ^ i);
  expect_error(write("garbage.mtx.gz", garbage), -1, "");
}

// Issue 24: a 70-byte file declaring 64M columns for 3 entries was accepted
// (2^26 + 64 per byte allowed it): strata info allocated 1 GB and nmf -k 2
// 2.6 GB. Declared dimensions are now bounded by the declared entries.
TEST_F(MatrixMarketTest, DeclaredDimensionsAreBoundedByTheEntries) {
  const std::string entries = "1 1 1\n2 2 1\n3 3 1\n";
  expect_error(write("wide.mtx", kReal + "3 64000000 3\n" + entries), 2, "absurd dimensions");
  expect_error(write("tall.mtx", kReal + "64000000 3 3\n" + entries), 2, "implausible for 3 stored entries");
  expect_error(write_gz("wide.mtx.gz", kReal + "3 64000000 3\n" + entries), 2, "absurd dimensions");
  // Empty columns are legal up to 2^20 + 64 per entry: 1,048,768 here.
  const SparseMatrix m = read_matrix_market(write("edge.mtx", kReal + "3 1048768 3\n1 1 1\n2 2 1\n3 1048768 1\n"));
  EXPECT_EQ(m.cols, 1048768);
  EXPECT_EQ(m.nnz(), 3);
  expect_error(write("over.mtx", kReal + "3 1048769 3\n" + entries), 2, "at most 1048768");
  // With no entries, up to 2^20.
  EXPECT_EQ(read_matrix_market(write("empty.mtx", kReal + "1048576 1048576 0\n")).rows, 1048576);
}
