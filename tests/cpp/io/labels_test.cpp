#include "strata/io/labels.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "temp_dir_fixture.hpp"

namespace strata {
namespace {

using LabelsTest = testing::TempDirTest;

TEST_F(LabelsTest, ReadsOneLabelPerLineWithEmptyLinesUnlabeled) {
  const auto labels = read_labels_file(write("y.txt", "news\n\r\n  fiction \nnews"), 4);
  EXPECT_EQ(labels, (std::vector<std::string>{"news", "", "fiction", "news"}));
}

TEST_F(LabelsTest, FinalNewlineIsOptional) {
  EXPECT_EQ(read_labels_file(write("a.txt", "a\nb\n")).size(), 2u);
  EXPECT_EQ(read_labels_file(write("b.txt", "a\nb")).size(), 2u);
}

TEST_F(LabelsTest, WrongLineCountNamesFileAndCounts) {
  const std::string p = write("y.txt", "a\nb\nc\n");
  try {
    read_labels_file(p, 5);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.source(), p);
    EXPECT_NE(std::string(e.what()).find("3 lines"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("5 documents"), std::string::npos) << e.what();
  }
}

TEST_F(LabelsTest, MissingAndBinaryFilesAreInputErrors) {
  const std::string absent = path("absent.txt");
  expect_input_error([&] { read_labels_file(absent); }, absent, -1, "cannot open");
  const std::string bin = write("bin.txt", std::string("a\n\0b\n", 5));
  expect_input_error([&] { read_labels_file(bin); }, bin, 2, "NUL");
}

TEST(LabelEncoding, SortedClassesAndUnlabeledAsMinusOne) {
  const auto e = encode_labels({"b", "", "a", "b"});
  EXPECT_EQ(e.classes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(e.codes, (std::vector<std::int32_t>{1, -1, 0, 1}));
  EXPECT_EQ(e.n_labeled(), 3);
  EXPECT_EQ(e.name(-1), "");
  EXPECT_EQ(e.name(0), "a");
}

// Issue 24: a directory given as the labels file "has 0 lines".
TEST_F(LabelsTest, DirectoryIsRefusedAsSuch) {
  std::filesystem::create_directories(path("labels"));
  expect_input_error([&] { read_labels_file(path("labels"), 3); }, path("labels"), -1,
                     "is a directory, expected a labels file");
}

}  // namespace
}  // namespace strata
