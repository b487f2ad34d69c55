#include "strata/io/npy.hpp"

#include <gtest/gtest.h>

#include "io/temp_dir_fixture.hpp"
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "strata/core/error.hpp"

using namespace strata;
namespace fs = std::filesystem;

namespace {

class NpyTest : public strata::testing::TempDirTest {
 protected:
  static void expect_error(const std::string& p, const std::string& keyword) {
    try {
      read_npy(p);
      ADD_FAILURE() << "no error for " << p;
    } catch (const InputError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(p), std::string::npos) << msg;
      EXPECT_NE(msg.find(keyword), std::string::npos) << "expected '" << keyword << "' in: " << msg;
    }
  }
  /// A version 1.0 .npy file with the given header dictionary and payload.
  static std::string npy_bytes(std::string dict, const std::string& payload) {
    const std::size_t unpadded = 10 + dict.size() + 1;
    dict.append((64 - unpadded % 64) % 64, ' ');
    dict.push_back('\n');
    std::string b = "\x93NUMPY";
    b.push_back('\x01');
    b.push_back('\x00');
    b.push_back(static_cast<char>(dict.size() & 0xff));
    b.push_back(static_cast<char>(dict.size() >> 8));
    return b + dict + payload;
  }
};

}  // namespace

TEST_F(NpyTest, RoundTripFloat64Matrix) {
  const std::vector<double> v = {1.0, -2.5, 3e-300, 4.0, 0.1, 6.0};
  write_npy(path("a.npy"), v.data(), {2, 3});
  const NpyArray a = read_npy(path("a.npy"));
  EXPECT_EQ(a.shape, (std::vector<Index>{2, 3}));
  EXPECT_EQ(a.rows(), 2);
  EXPECT_EQ(a.cols(), 3);
  EXPECT_EQ(a.values, v);
  // The header is padded so the data starts on a 64-byte boundary.
  const std::string b = slurp(path("a.npy"));
  EXPECT_EQ((b.size() - v.size() * 8) % 64, 0u);
  EXPECT_NE(b.find("'descr': '<f8'"), std::string::npos);
}

TEST_F(NpyTest, RoundTripFloat32Vector) {
  const std::vector<float> v = {0.5f, -1.25f, 3.0f};
  write_npy(path("f.npy"), v.data(), {3});
  const NpyArray a = read_npy(path("f.npy"));
  EXPECT_EQ(a.shape, (std::vector<Index>{3}));
  EXPECT_EQ(a.values, (std::vector<double>{0.5, -1.25, 3.0}));
}

TEST_F(NpyTest, RoundTripInt64AndInt32) {
  const std::vector<std::int64_t> v = {-7, 0, 1LL << 40};
  write_npy(path("i8.npy"), v.data(), {3, 1});
  NpyArray a = read_npy(path("i8.npy"));
  EXPECT_EQ(a.shape, (std::vector<Index>{3, 1}));
  EXPECT_EQ(a.values, (std::vector<double>{-7.0, 0.0, static_cast<double>(1LL << 40)}));
  const std::vector<std::int32_t> w = {5, -6};
  write_npy(path("i4.npy"), w.data(), {2});
  a = read_npy(path("i4.npy"));
  EXPECT_EQ(a.values, (std::vector<double>{5.0, -6.0}));
}

TEST_F(NpyTest, EmptyArray) {
  write_npy(path("e.npy"), static_cast<const double*>(nullptr), {0, 4});
  const NpyArray a = read_npy(path("e.npy"));
  EXPECT_EQ(a.shape, (std::vector<Index>{0, 4}));
  EXPECT_TRUE(a.values.empty());
}

TEST_F(NpyTest, FortranOrderIsTransposedToCOrder) {
  // Column-major [[1, 2, 3], [4, 5, 6]] is stored as 1 4 2 5 3 6.
  const double f[] = {1, 4, 2, 5, 3, 6};
  spit(path("f.npy"), npy_bytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                                std::string(reinterpret_cast<const char*>(f), sizeof f)));
  const NpyArray a = read_npy(path("f.npy"));
  EXPECT_EQ(a.values, (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST_F(NpyTest, BadMagic) {
  spit(path("bad.npy"), "NOTNUMPY and some more bytes to be long enough");
  expect_error(path("bad.npy"), "bad magic");
  spit(path("empty.npy"), "");
  expect_error(path("empty.npy"), "bad magic");
}

TEST_F(NpyTest, TruncatedData) {
  const std::vector<double> v(10, 1.0);
  write_npy(path("a.npy"), v.data(), {10});
  const std::string b = slurp(path("a.npy"));
  spit(path("cut.npy"), b.substr(0, b.size() - 3));
  expect_error(path("cut.npy"), "does not match shape");
  spit(path("cuthead.npy"), b.substr(0, 30));
  expect_error(path("cuthead.npy"), "truncated .npy header");
}

TEST_F(NpyTest, ShapeLargerThanFile) {
  spit(path("big.npy"), npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }",
                                  std::string(16, '\0')));
  expect_error(path("big.npy"), "shape is larger than the file");
  spit(path("huge.npy"), npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }",
                                   std::string(16, '\0')));
  expect_error(path("huge.npy"), "too large");
}

TEST_F(NpyTest, UnsupportedDtypeAndMissingFile) {
  spit(path("c.npy"), npy_bytes("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", std::string(16, '\0')));
  expect_error(path("c.npy"), "unsupported npy dtype");
  expect_error(path("missing.npy"), "no such file");
}

// Issue 24: a header field of ~30 KB (legal: format 1.0 headers may reach 65,535
// bytes) made std::regex recurse until the stack overflowed (SIGSEGV).
TEST_F(NpyTest, LongHeaderFieldsAreParsedWithoutCrashing) {
  const double v[] = {1, 2, 3, 4, 5, 6};
  const std::string payload(reinterpret_cast<const char*>(v), sizeof v);
  // Legal: 30 KB of blanks inside the shape tuple.
  spit(path("blank.npy"),
       npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2," + std::string(30000, ' ') + "3), }", payload));
  const NpyArray a = read_npy(path("blank.npy"));
  EXPECT_EQ(a.shape, (std::vector<Index>{2, 3}));
  EXPECT_EQ(a.values, std::vector<double>(v, v + 6));
  // A 30 KB dtype string: refused by name, shown cut short.
  spit(path("descr.npy"), npy_bytes("{'descr': '" + std::string(30000, 'x') + "', 'fortran_order': False, 'shape': (6,), }",
                                    payload));
  expect_error(path("descr.npy"), "unsupported npy dtype");
  try {
    read_npy(path("descr.npy"));
  } catch (const InputError& e) {
    EXPECT_LT(std::string(e.what()).size(), 400u);
  }
  // A 30 KB unterminated string.
  spit(path("open.npy"), npy_bytes("{'descr': '" + std::string(30000, 'x'), payload));
  expect_error(path("open.npy"), "unterminated string");
}

TEST_F(NpyTest, MalformedHeaderDictionariesAreRefused) {
  const std::string payload(48, '\0');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3), }", "nonnegative integers"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, x3), }", "nonnegative integers"},
      {"{'descr': '<f8', 'fortran_order': Maybe, 'shape': (6,), }", "True or False"},
      {"{'descr': '<f8', 'shape': (6,), }", "no fortran_order"},
      {"{'fortran_order': False, 'shape': (6,), }", "no descr"},
      {"{'descr': '<f8', 'fortran_order': False, }", "no shape"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (6,), 'shape': (6,), }", "duplicate key 'shape'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (6,), 'extra': 1, }", "unexpected key 'extra'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (6,) }garbage", "after the closing"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (6) }", "not a tuple"},
      {"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (6,), }", "structured"},
      {"'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", "must start with '{'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 1), }", "more than 2 dimensions"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string p = path("m" + std::to_string(i) + ".npy");
    spit(p, npy_bytes(cases[i].first, payload));
    SCOPED_TRACE(cases[i].first);
    expect_error(p, cases[i].second);
  }
}

TEST_F(NpyTest, HeaderLengthIsBoundedByTheFileAndTheCap) {
  // Format 2.0 has a 4-byte header length: 0xFFFFFFF0 in a 100-byte file.
  std::string b = "\x93NUMPY";
  b += std::string("\x02\x00\xf0\xff\xff\xff", 6);
  b += std::string(88, ' ');
  spit(path("v2.npy"), b);
  expect_error(path("v2.npy"), "exceeds the supported maximum");
  // Within the cap but longer than the file.
  b = "\x93NUMPY";
  b += std::string("\x02\x00\x00\x10\x00\x00", 6);  // 4096 bytes
  b += "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }\n";
  spit(path("short.npy"), b);
  expect_error(path("short.npy"), "truncated .npy header");
  // A format 2.0 file that is whole reads.
  std::string dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n";
  b = "\x93NUMPY";
  b += std::string("\x02\x00", 2);
  b.push_back(static_cast<char>(dict.size()));
  b += std::string("\x00\x00\x00", 3);
  const std::int32_t w[] = {7, -8};
  spit(path("ok.npy"), b + dict + std::string(reinterpret_cast<const char*>(w), sizeof w));
  EXPECT_EQ(read_npy(path("ok.npy")).values, (std::vector<double>{7, -8}));
}
