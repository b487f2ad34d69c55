#pragma once
// A GoogleTest fixture with a fresh temporary directory per test, removed
// afterwards, and small helpers to write and read whole files in it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "strata/core/error.hpp"
#include "strata/core/sparse.hpp"

namespace strata::testing {

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("strata_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  /// Writes `content` to `name` in the directory; returns its path.
  std::string write(const std::string& name, const std::string& content) const {
    const std::string p = path(name);
    spit(p, content);
    return p;
  }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void spit(const std::string& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
  }

  /// Runs `read`, expecting an InputError whose message names `source`, the
  /// line as "source:LINE:" when `line` > 0, and contains `keyword`.
  template <class Read>
  static void expect_input_error(Read&& read, const std::string& source, long long line, const std::string& keyword) {
    try {
      read();
      ADD_FAILURE() << "no error for " << source;
    } catch (const InputError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(source), std::string::npos) << msg;
      if (line > 0) {
        EXPECT_EQ(e.line(), line) << msg;
        EXPECT_NE(msg.find(source + ":" + std::to_string(line) + ":"), std::string::npos) << msg;
      }
      EXPECT_NE(msg.find(keyword), std::string::npos) << "expected '" << keyword << "' in: " << msg;
    }
  }

  std::filesystem::path dir_;
};

/// The value of entry (i, j) of a CSR matrix (0 when not stored).
inline double at(const SparseMatrix& m, Index i, Index j) {
  for (Index p = m.indptr[i]; p < m.indptr[i + 1]; ++p)
    if (m.indices[p] == j) return m.data[p];
  return 0.0;
}

}  // namespace strata::testing
