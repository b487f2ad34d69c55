#include "strata/io/atomic_file.hpp"

#include <gtest/gtest.h>

#include "io/temp_dir_fixture.hpp"
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "strata/core/error.hpp"

using namespace strata;
namespace fs = std::filesystem;

namespace {

class AtomicFileTest : public strata::testing::TempDirTest {
 protected:
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

}  // namespace

TEST_F(AtomicFileTest, DestroyedWithoutCommitLeavesNothing) {
  {
    AtomicFile f(path("out.bin"));
    f.stream() << "partial";
    EXPECT_EQ(listing().size(), 1u);  // the temporary file only
    EXPECT_FALSE(fs::exists(path("out.bin")));
  }
  EXPECT_TRUE(listing().empty());
}

TEST_F(AtomicFileTest, DestroyedWithoutCommitKeepsTheOldFile) {
  std::ofstream(path("out.bin")) << "old";
  {
    AtomicFile f(path("out.bin"));
    f.stream() << "new";
  }
  EXPECT_EQ(slurp(path("out.bin")), "old");
  EXPECT_EQ(listing(), (std::vector<std::string>{"out.bin"}));
}

TEST_F(AtomicFileTest, CommitReplacesAnExistingFile) {
  std::ofstream(path("out.bin")) << "old content that is longer";
  AtomicFile f(path("out.bin"));
  f.stream() << "new";
  EXPECT_EQ(slurp(path("out.bin")), "old content that is longer");  // untouched until commit
  f.commit();
  EXPECT_EQ(slurp(path("out.bin")), "new");
  EXPECT_EQ(listing(), (std::vector<std::string>{"out.bin"}));
}

TEST_F(AtomicFileTest, WriteFileAtomically) {
  write_file_atomically(path("a.txt"), [](std::ostream& out) { out << "hello\n"; });
  EXPECT_EQ(slurp(path("a.txt")), "hello\n");
  EXPECT_EQ(read_text_file(path("a.txt")), "hello\n");
  EXPECT_EQ(listing(), (std::vector<std::string>{"a.txt"}));
}

TEST_F(AtomicFileTest, WriterThatThrowsLeavesNoOutput) {
  EXPECT_THROW(write_file_atomically(path("a.txt"),
                                     [](std::ostream& out) {
                                       out << "half";
                                       throw std::runtime_error("writer failed");
                                     }),
               std::runtime_error);
  EXPECT_TRUE(listing().empty());
}

TEST_F(AtomicFileTest, UnwritableDirectoryIsAnInputError) {
  const std::string p = path("no/such/dir/out.bin");
  try {
    AtomicFile f(p);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST_F(AtomicFileTest, EnsureDirectoryAndReadTextFileErrors) {
  ensure_directory(path("x/y"));
  EXPECT_TRUE(fs::is_directory(path("x/y")));
  ensure_directory(path("x/y"));  // idempotent
  std::ofstream(path("file")) << "f";
  EXPECT_THROW(ensure_directory(path("file")), InputError);
  EXPECT_THROW(read_text_file(path("missing")), InputError);
  EXPECT_THROW(read_text_file(path("x")), InputError);
}
