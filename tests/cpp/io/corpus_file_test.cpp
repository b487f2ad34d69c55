#include "strata/io/corpus_file.hpp"

#include <gtest/gtest.h>

#include "io/temp_dir_fixture.hpp"
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "strata/core/error.hpp"

using namespace strata;
namespace fs = std::filesystem;

namespace {

// Layout constants from src/io/corpus_file.cpp (docs/formats.md).
constexpr std::size_t kHeaderSize = 64;
constexpr std::size_t kEntrySize = 32;
constexpr std::uint32_t kDataSection = 3;

class CorpusFileTest : public strata::testing::TempDirTest {
 protected:
  /// Expects both readers to throw an InputError naming `p` and containing `keyword`.
  static void expect_error(const std::string& p, const std::string& keyword) {
    for (int reader = 0; reader < 2; ++reader) {
      try {
        if (reader == 0)
          read_corpus_file(p);
        else
          MappedCorpusFile mapped(p);
        ADD_FAILURE() << "no error for " << p;
      } catch (const InputError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(p), std::string::npos) << msg;
        EXPECT_NE(msg.find(keyword), std::string::npos) << "expected '" << keyword << "' in: " << msg;
      }
    }
  }
};

template <class T>
T get(const std::string& b, std::size_t at) {
  T v;
  std::memcpy(&v, b.data() + at, sizeof(T));
  return v;
}
template <class T>
void put(std::string& b, std::size_t at, T v) {
  std::memcpy(&b[at], &v, sizeof(T));
}

/// Recomputes the header CRC-32 (header with the CRC field zeroed, then the table).
void fix_header_crc(std::string& b) {
  const auto n_sections = get<std::uint32_t>(b, 12);
  put<std::uint32_t>(b, 48, 0u);
  const std::size_t len = kHeaderSize + kEntrySize * n_sections;
  const auto crc = static_cast<std::uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(b.data()), static_cast<uInt>(len)));
  put<std::uint32_t>(b, 48, crc);
}

Corpus sample_corpus() {
  Corpus c;
  c.matrix = csr_from_triplets(3, 4, {{0, 1, 2.0}, {0, 3, 0.5}, {2, 0, 1.0}, {2, 2, 7.25}});
  c.vocabulary = {"alpha", "beta", "gamma", "d\xc3\xa9lta"};
  c.doc_ids = {"doc-a", "doc-b", ""};
  c.labels = {"x", "", "y"};
  c.cooccurrence = csr_from_triplets(4, 4, {{0, 1, 3.0}, {1, 0, 3.0}, {2, 2, 1.0}});
  c.window = 2;
  c.weighting = "count";
  c.provenance_json = R"({"source":"test"})";
  return c;
}

}  // namespace

TEST_F(CorpusFileTest, RoundTripEverything) {
  const Corpus a = sample_corpus();
  write_corpus_file(path("c.strata"), a);
  EXPECT_TRUE(is_corpus_file(path("c.strata")));
  const Corpus b = read_corpus_file(path("c.strata"));
  EXPECT_EQ(b.matrix.rows, 3);
  EXPECT_EQ(b.matrix.cols, 4);
  EXPECT_EQ(b.matrix.indptr, a.matrix.indptr);
  EXPECT_EQ(b.matrix.indices, a.matrix.indices);
  EXPECT_EQ(b.matrix.data, a.matrix.data);
  EXPECT_EQ(b.vocabulary, a.vocabulary);
  EXPECT_EQ(b.doc_ids, a.doc_ids);
  EXPECT_EQ(b.labels, a.labels);
  ASSERT_TRUE(b.cooccurrence.has_value());
  EXPECT_EQ(b.cooccurrence->indptr, a.cooccurrence->indptr);
  EXPECT_EQ(b.cooccurrence->indices, a.cooccurrence->indices);
  EXPECT_EQ(b.cooccurrence->data, a.cooccurrence->data);
  EXPECT_EQ(b.window, 2);
  EXPECT_EQ(b.weighting, "count");
  EXPECT_NE(b.provenance_json.find("test"), std::string::npos);
}

TEST_F(CorpusFileTest, MappedViewsPointIntoTheFile) {
  write_corpus_file(path("c.strata"), sample_corpus());
  MappedCorpusFile m(path("c.strata"));
  EXPECT_EQ(m.version(), kCorpusFileVersion);
  const SparseView v = m.matrix();
  EXPECT_EQ(v.rows, 3);
  EXPECT_EQ(v.nnz(), 4);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.indptr) % 8, 0u);
  EXPECT_EQ(v.data[3], 7.25);
  EXPECT_TRUE(m.has_cooccurrence());
  EXPECT_EQ(m.cooccurrence().nnz(), 3);
  EXPECT_EQ(m.vocabulary()[3], "d\xc3\xa9lta");
  EXPECT_EQ(m.labels()[2], "y");
  EXPECT_EQ(m.doc_ids()[0], "doc-a");
}

TEST_F(CorpusFileTest, MinimalCorpusWithoutNames) {
  Corpus a;
  a.matrix = csr_from_triplets(2, 2, {{1, 1, 1.0}});
  write_corpus_file(path("m.strata"), a);
  const Corpus b = read_corpus_file(path("m.strata"));
  EXPECT_TRUE(b.vocabulary.empty());
  EXPECT_TRUE(b.labels.empty());
  EXPECT_FALSE(b.cooccurrence.has_value());
  EXPECT_EQ(b.matrix.data, a.matrix.data);
}

TEST_F(CorpusFileTest, CorruptedDataByteFailsTheChecksum) {
  write_corpus_file(path("c.strata"), sample_corpus());
  std::string b = slurp(path("c.strata"));
  const auto n = get<std::uint32_t>(b, 12);
  std::uint64_t data_offset = 0;
  for (std::uint32_t i = 0; i < n; ++i)
    if (get<std::uint32_t>(b, kHeaderSize + kEntrySize * i) == kDataSection)
      data_offset = get<std::uint64_t>(b, kHeaderSize + kEntrySize * i + 8);
  ASSERT_GT(data_offset, 0u);
  b[data_offset + 5] ^= 0x10;  // flip one bit of a value
  spit(path("flip.strata"), b);
  expect_error(path("flip.strata"), "checksum");
  // Without verification the file opens (trusted huge files).
  CorpusFileOptions trusted;
  trusted.verify_checksums = false;
  EXPECT_NO_THROW(MappedCorpusFile(path("flip.strata"), trusted));
}

TEST_F(CorpusFileTest, CorruptedSectionTableFailsTheHeaderChecksum) {
  write_corpus_file(path("c.strata"), sample_corpus());
  std::string b = slurp(path("c.strata"));
  b[kHeaderSize + 16] ^= 0x01;  // the first section's length
  spit(path("table.strata"), b);
  expect_error(path("table.strata"), "header checksum");
}

TEST_F(CorpusFileTest, TruncatedFile) {
  write_corpus_file(path("c.strata"), sample_corpus());
  const std::string b = slurp(path("c.strata"));
  spit(path("cut.strata"), b.substr(0, b.size() - 100));
  expect_error(path("cut.strata"), "truncated");
  spit(path("cut2.strata"), b.substr(0, 40));
  expect_error(path("cut2.strata"), "too short");
}

TEST_F(CorpusFileTest, RandomBytes) {
  std::mt19937 rng(1);
  std::string b(4096, '\0');
  for (auto& ch : b) ch = static_cast<char>(rng());
  spit(path("random.strata"), b);
  expect_error(path("random.strata"), "bad magic");
  // Random bytes behind a valid magic are caught too.
  std::memcpy(&b[0], "STRATAC\0", 8);
  put<std::uint32_t>(b, 8, 1u);
  spit(path("random2.strata"), b);
  expect_error(path("random2.strata"), "");
}

TEST_F(CorpusFileTest, EmptyFile) {
  spit(path("empty.strata"), "");
  expect_error(path("empty.strata"), "too short");
}

TEST_F(CorpusFileTest, MissingFile) { expect_error(path("missing.strata"), "no such file"); }

TEST_F(CorpusFileTest, AbsurdDimensionsWithAValidHeaderChecksum) {
  write_corpus_file(path("c.strata"), sample_corpus());
  const std::string good = slurp(path("c.strata"));
  const std::uint64_t absurd[] = {std::uint64_t{1} << 40, ~std::uint64_t{0}};
  for (std::size_t field : {16, 24, 32}) {  // rows, cols, nnz
    for (std::uint64_t value : absurd) {
      std::string b = good;
      put<std::uint64_t>(b, field, value);
      fix_header_crc(b);
      spit(path("absurd.strata"), b);
      expect_error(path("absurd.strata"), "impossible for a file of");
    }
  }
}

TEST_F(CorpusFileTest, VersionTooNew) {
  write_corpus_file(path("c.strata"), sample_corpus());
  std::string b = slurp(path("c.strata"));
  put<std::uint32_t>(b, 8, kCorpusFileVersion + 1);
  fix_header_crc(b);
  spit(path("new.strata"), b);
  expect_error(path("new.strata"), "unsupported corpus file version");
}

TEST_F(CorpusFileTest, WriteIsAtomicAndReplaces) {
  spit(path("c.strata"), "old");
  write_corpus_file(path("c.strata"), sample_corpus());
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
  EXPECT_NO_THROW(read_corpus_file(path("c.strata")));
}

// A co-occurrence row-pointer end of 2^62 + k makes the expected section sizes
// (4 and 8 bytes per nonzero) wrap around to 4k and 8k bytes, so sections of
// those sizes pass the length check and validate_csr then reads indices past
// the end of the mapping (SIGSEGV). Disabled until corpus_file.cpp checks the
// count against the file size; run with --gtest_also_run_disabled_tests to
// reproduce.
TEST_F(CorpusFileTest, CooccurrenceNonzeroCountThatWrapsIsRejected) {
  Corpus a = sample_corpus();
  // Zero values: the bytes after the indices then read as valid column 0.
  for (auto& v : a.cooccurrence->data) v = 0.0;
  write_corpus_file(path("c.strata"), a);
  std::string b = slurp(path("c.strata"));
  const auto n = get<std::uint32_t>(b, 12);
  const std::uint64_t cols = get<std::uint64_t>(b, 24);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::size_t e = kHeaderSize + kEntrySize * i;
    if (get<std::uint32_t>(b, e) != 8) continue;  // co-occurrence row pointers
    const auto off = get<std::uint64_t>(b, e + 8);
    const std::int64_t wrapped = (std::int64_t{1} << 62) + 3;  // 3 real nonzeros
    put<std::int64_t>(b, off + 8 * cols, wrapped);
    const auto len = get<std::uint64_t>(b, e + 16);
    put<std::uint32_t>(
        b, e + 24,
        static_cast<std::uint32_t>(
            crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(b.data() + off), static_cast<uInt>(len))));
  }
  fix_header_crc(b);
  spit(path("wrap.strata"), b);
  expect_error(path("wrap.strata"), "co-occurrence");
}

// Issue 24: a 448-byte corpus file declaring 2^30 columns passed (only 2^31 - 1
// was checked) and strata info allocated gigabytes of per-column statistics.
TEST_F(CorpusFileTest, ColumnCountIsBoundedByTheNonzerosOrTheFile) {
  Corpus c;
  c.matrix = csr_from_triplets(3, 4, {{0, 1, 2.0}, {2, 2, 7.25}});
  write_corpus_file(path("c.strata"), c);
  const std::string good = slurp(path("c.strata"));
  std::string b = good;
  put<std::uint64_t>(b, 24, std::uint64_t{1} << 30);
  fix_header_crc(b);
  spit(path("wide.strata"), b);
  expect_error(path("wide.strata"), "columns are implausible for 2 nonzeros");
  // 2^20 + 64 per nonzero is accepted.
  put<std::uint64_t>(b, 24, (std::uint64_t{1} << 20) + 128);
  fix_header_crc(b);
  spit(path("edge.strata"), b);
  EXPECT_EQ(MappedCorpusFile(path("edge.strata")).matrix().cols, (1 << 20) + 128);
  // The writer refuses what the reader would.
  c.matrix = csr_from_triplets(3, (1 << 20) + 129, {{0, 1, 2.0}, {2, 2, 7.25}});
  try {
    write_corpus_file(path("w.strata"), c);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write 1048705 columns"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(path("w.strata")));
  // With a vocabulary (8 bytes a column at least) any width the file holds is fine.
  c.vocabulary.resize((1 << 20) + 129);
  for (std::size_t j = 0; j < c.vocabulary.size(); ++j) c.vocabulary[j] = std::to_string(j);
  write_corpus_file(path("v.strata"), c);
  EXPECT_EQ(read_corpus_file(path("v.strata")).vocabulary.size(), (1u << 20) + 129);
}
