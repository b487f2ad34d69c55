// Inputs that are not regular files (issue 24): reading a FIFO blocked forever
// and a character device such as /dev/zero never ended (strata info /dev/zero).
// Every reader now refuses them by stat(), without opening them. (FIFOs are
// exercised through the CLI in tests/python/test_bad_input.py, with a timeout.)
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "strata/io/atomic_file.hpp"
#include "strata/io/corpus_file.hpp"
#include "strata/io/labels.hpp"
#include "strata/io/load.hpp"
#include "strata/io/matrix_market.hpp"
#include "strata/io/npy.hpp"
#include "strata/text/document_reader.hpp"
#include "temp_dir_fixture.hpp"

using namespace strata;
using SpecialFiles = strata::testing::TempDirTest;

TEST_F(SpecialFiles, CharacterDevicesAreRefusedByEveryReader) {
  const std::string dev = "/dev/null";
  struct stat st;
  ASSERT_EQ(::stat(dev.c_str(), &st), 0);
  ASSERT_TRUE(S_ISCHR(st.st_mode));
  const std::string keyword = "is a character device";
  expect_input_error([&] { read_text_file(dev); }, dev, -1, keyword);
  expect_input_error([&] { for_each_line(dev, [](std::string_view, long long) {}); }, dev, -1, keyword);
  expect_input_error([&] { read_npy(dev); }, dev, -1, keyword);
  expect_input_error([&] { read_matrix_market(dev); }, dev, -1, keyword);
  expect_input_error([&] { MappedCorpusFile mapped(dev); }, dev, -1, keyword);
  expect_input_error([&] { read_labels_file(dev); }, dev, -1, keyword);
  expect_input_error([&] { load_corpus(dev, LoadOptions{}); }, dev, -1, "regular files only");
  EXPECT_FALSE(is_corpus_file(dev));
}

TEST_F(SpecialFiles, FifosAreRefusedWithoutOpening) {
  const std::string fifo = path("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Opening a FIFO for reading blocks until a writer appears. Hold a writer
  // with a corpus file's magic in the pipe so that a reader that opens it
  // (as before) sees a corpus file rather than hanging this test.
  const int writer = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
  ASSERT_GE(writer, 0);
  ASSERT_EQ(::write(writer, "STRATAC\0", 8), 8);
  const bool corpus = is_corpus_file(fifo);
  ::close(writer);
  ASSERT_FALSE(corpus) << "the FIFO was opened and read";
  // Nothing below opens it: no writer is needed to keep them from blocking.
  const std::string keyword = "is a FIFO (named pipe)";
  expect_input_error([&] { for_each_line(fifo, [](std::string_view, long long) {}); }, fifo, -1, keyword);
  expect_input_error([&] { read_labels_file(fifo); }, fifo, -1, "is a FIFO (named pipe), expected a labels file");
  expect_input_error([&] { MappedCorpusFile mapped(fifo); }, fifo, -1, keyword);
  expect_input_error([&] { load_corpus(fifo, LoadOptions{}); }, fifo, -1, "regular files only");
}

// A directory named like a matrix file was vectorized as a text directory and
// reported "max_df corresponds to < documents than min_df".
TEST_F(SpecialFiles, DirectoryNamedLikeAMatrixFileIsRefusedAsSuch) {
  std::filesystem::create_directories(path("x.mtx"));
  expect_input_error([&] { load_corpus(path("x.mtx"), LoadOptions{}); }, path("x.mtx"), -1,
                     "is a directory, expected a Matrix Market file");
  std::filesystem::create_directories(path("c.strata"));
  expect_input_error([&] { load_corpus(path("c.strata"), LoadOptions{}); }, path("c.strata"), -1,
                     "is a directory, expected a corpus file");
  // Any other directory is a directory of text files; an empty one has no documents.
  std::filesystem::create_directories(path("texts"));
  expect_input_error([&] { load_corpus(path("texts"), LoadOptions{}); }, path("texts"), -1, "no documents");
}
