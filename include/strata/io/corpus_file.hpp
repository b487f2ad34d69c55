#pragma once
/// @file The strata corpus file (`.strata`): a versioned, checksummed,
/// memory-mappable container of a CSR matrix, its vocabulary, optional document
/// ids, labels, provenance and word-context co-occurrence counts.
///
/// Layout (little-endian; docs/formats.md is the full description):
///   header (64 bytes): magic "STRATAC\0", u32 version, u32 section count,
///     u64 rows, u64 cols, u64 nnz, u64 table offset, u32 header CRC-32,
///     u32 flags, u64 file size
///   section table: per section u32 kind, u32 element size, u64 offset,
///     u64 length in bytes, u32 CRC-32 of the payload, u32 reserved
///   payloads, each aligned to 64 bytes so arrays can be used in place.
/// A reader checks every offset and length against the file size before
/// touching or allocating anything, and every payload against its CRC-32.
#include <memory>
#include <string>
#include <vector>

#include "strata/core/corpus.hpp"

namespace strata {

constexpr std::uint32_t kCorpusFileVersion = 1;

/// Writes `corpus` atomically to `path`.
void write_corpus_file(const std::string& path, const Corpus& corpus);

struct CorpusFileOptions {
  /// Verify the CRC-32 of every section (reads the whole file once). Turn off
  /// only for trusted files that are much larger than memory.
  bool verify_checksums = true;
};

/// A corpus file mapped into memory: the matrix arrays are used in place,
/// without copying (the file may be larger than RAM; pages load on demand).
class MappedCorpusFile {
 public:
  /// Maps and validates `path`; throws InputError naming the file, the byte
  /// offset when relevant, and the problem.
  explicit MappedCorpusFile(const std::string& path, const CorpusFileOptions& options = {});
  ~MappedCorpusFile();
  MappedCorpusFile(const MappedCorpusFile&) = delete;
  MappedCorpusFile& operator=(const MappedCorpusFile&) = delete;

  /// The documents x terms matrix, pointing into the mapping.
  SparseView matrix() const { return matrix_; }
  /// Co-occurrence counts (terms x terms), or a 0 x 0 view when absent.
  SparseView cooccurrence() const { return cooccurrence_; }
  bool has_cooccurrence() const { return has_cooccurrence_; }
  const std::vector<std::string>& vocabulary() const { return vocabulary_; }
  const std::vector<std::string>& doc_ids() const { return doc_ids_; }
  const std::vector<std::string>& labels() const { return labels_; }
  const std::string& metadata_json() const { return metadata_json_; }
  /// Inverse document frequencies (empty unless the corpus is tf-idf weighted).
  const std::vector<double>& idf() const { return idf_; }
  std::uint32_t version() const { return version_; }

  /// Copies everything into an owning Corpus.
  Corpus to_corpus() const;
  /// Copies everything but the two matrices (names, labels, idf, weighting):
  /// the matrices stay in the mapping, see matrix() and cooccurrence().
  Corpus metadata() const;

 private:
  std::string path_;
  void* base_ = nullptr;
  std::size_t size_ = 0;
  std::uint32_t version_ = 0;
  SparseView matrix_{}, cooccurrence_{};
  bool has_cooccurrence_ = false;
  std::vector<std::string> vocabulary_, doc_ids_, labels_;
  std::vector<double> idf_;
  std::string metadata_json_ = "{}";
};

/// Reads a corpus file into memory (a copy of the mapped data).
Corpus read_corpus_file(const std::string& path, const CorpusFileOptions& options = {});

/// True if the file starts with the corpus-file magic bytes.
bool is_corpus_file(const std::string& path);

}  // namespace strata
