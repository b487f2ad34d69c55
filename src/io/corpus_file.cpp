#include "strata/io/corpus_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"
#include "json_fields.hpp"
#include "text_fields.hpp"

namespace strata {
namespace {

constexpr char kMagic[8] = {'S', 'T', 'R', 'A', 'T', 'A', 'C', '\0'};
constexpr std::size_t kHeaderSize = 64;
constexpr std::size_t kEntrySize = 32;
constexpr std::size_t kAlign = 64;
constexpr std::uint32_t kMaxSections = 64;

enum SectionKind : std::uint32_t {
  kIndptr = 1,
  kIndices = 2,
  kData = 3,
  kVocabulary = 4,
  kDocIds = 5,
  kLabels = 6,
  kMetadata = 7,
  kCoocIndptr = 8,
  kCoocIndices = 9,
  kCoocData = 10,
  kIdf = 11,
  kLastKind = kIdf,
};

struct Section {
  std::uint32_t kind;
  std::uint32_t elem_size;
  std::uint64_t offset;
  std::uint64_t length;
  std::uint32_t crc;
  std::string payload;  // only used while writing
};

std::uint32_t crc32_of(const void* data, std::uint64_t length) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = static_cast<const Bytef*>(data);
  // zlib's length argument is 32-bit: feed large sections in chunks.
  while (length > 0) {
    const uInt chunk = static_cast<uInt>(std::min<std::uint64_t>(length, 1u << 30));
    crc = crc32(crc, p, chunk);
    p += chunk;
    length -= chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

template <class T>
void put(std::string& buf, std::size_t at, T value) {
  std::memcpy(&buf[at], &value, sizeof(T));
}
template <class T>
T get(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <class T>
std::string array_payload(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// String list: u64 count, (count + 1) u64 offsets into the bytes that follow.
std::string strings_payload(const std::vector<std::string>& strings) {
  std::uint64_t total = 0;
  for (const auto& s : strings) total += s.size();
  std::string buf((strings.size() + 2) * 8, '\0');
  put<std::uint64_t>(buf, 0, strings.size());
  std::uint64_t off = 0;
  for (std::size_t i = 0; i < strings.size(); ++i) {
    put<std::uint64_t>(buf, 8 * (i + 1), off);
    off += strings[i].size();
  }
  put<std::uint64_t>(buf, 8 * (strings.size() + 1), off);
  buf.reserve(buf.size() + total);
  for (const auto& s : strings) buf += s;
  return buf;
}

std::size_t align_up(std::size_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

// Columns may outnumber the nonzeros (empty columns are legal), but whatever
// reads a corpus sizes arrays per column (column statistics, a fit's H), so the
// column count is bounded by the file: by the nonzeros as for every matrix
// format (io_detail::max_dimension_for_entries: 2^20 + 64 per nonzero), or by
// the file's bytes at 8 a column (a vocabulary or idf section holds at least
// that much). Rows need 8 bytes each of row pointers and are bounded by them.
std::uint64_t max_columns(std::uint64_t nnz, std::uint64_t file_bytes) {
  return std::max<std::uint64_t>(static_cast<std::uint64_t>(io_detail::max_dimension_for_entries(static_cast<Index>(
                                     std::min<std::uint64_t>(nnz, std::uint64_t{1} << 62)))),
                                 file_bytes / 8);
}

}  // namespace

void write_corpus_file(const std::string& path, const Corpus& corpus) {
  validate_corpus(corpus, path);
  const SparseMatrix& m = corpus.matrix;
  std::vector<Section> sections;
  auto add = [&](std::uint32_t kind, std::uint32_t elem, std::string payload) {
    sections.push_back(Section{kind, elem, 0, payload.size(), 0, std::move(payload)});
  };
  add(kIndptr, 8, array_payload(m.indptr));
  add(kIndices, 4, array_payload(m.indices));
  add(kData, 8, array_payload(m.data));
  if (!corpus.vocabulary.empty()) add(kVocabulary, 1, strings_payload(corpus.vocabulary));
  if (!corpus.doc_ids.empty()) add(kDocIds, 1, strings_payload(corpus.doc_ids));
  if (!corpus.labels.empty()) add(kLabels, 1, strings_payload(corpus.labels));
  nlohmann::json meta;
  meta["weighting"] = corpus.weighting;
  meta["window"] = corpus.window;
  meta["provenance"] = nlohmann::json::parse(corpus.provenance_json, nullptr, false);
  if (meta["provenance"].is_discarded()) meta["provenance"] = nlohmann::json::object();
  add(kMetadata, 1, meta.dump());
  if (!corpus.idf.empty()) add(kIdf, 8, array_payload(corpus.idf));
  if (corpus.cooccurrence) {
    const SparseMatrix& c = *corpus.cooccurrence;
    add(kCoocIndptr, 8, array_payload(c.indptr));
    add(kCoocIndices, 4, array_payload(c.indices));
    add(kCoocData, 8, array_payload(c.data));
  }

  std::size_t offset = align_up(kHeaderSize + kEntrySize * sections.size());
  for (auto& s : sections) {
    s.offset = offset;
    s.crc = crc32_of(s.payload.data(), s.payload.size());
    offset = align_up(offset + s.payload.size());
  }
  const std::uint64_t file_size = offset;
  if (static_cast<std::uint64_t>(m.cols) > max_columns(static_cast<std::uint64_t>(m.nnz()), file_size))
    throw InputError(path, "cannot write " + std::to_string(m.cols) + " columns with " + std::to_string(m.nnz()) +
                               " nonzeros and no vocabulary: a corpus file holds at most " +
                               std::to_string(max_columns(static_cast<std::uint64_t>(m.nnz()), file_size)) +
                               " columns for this many nonzeros (2^20 + 64 per nonzero)");

  std::string head(align_up(kHeaderSize + kEntrySize * sections.size()), '\0');
  std::memcpy(&head[0], kMagic, 8);
  put<std::uint32_t>(head, 8, kCorpusFileVersion);
  put<std::uint32_t>(head, 12, static_cast<std::uint32_t>(sections.size()));
  put<std::uint64_t>(head, 16, static_cast<std::uint64_t>(m.rows));
  put<std::uint64_t>(head, 24, static_cast<std::uint64_t>(m.cols));
  put<std::uint64_t>(head, 32, static_cast<std::uint64_t>(m.nnz()));
  put<std::uint64_t>(head, 40, kHeaderSize);
  put<std::uint32_t>(head, 52, 0u);  // flags
  put<std::uint64_t>(head, 56, file_size);
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const std::size_t at = kHeaderSize + kEntrySize * i;
    put<std::uint32_t>(head, at, sections[i].kind);
    put<std::uint32_t>(head, at + 4, sections[i].elem_size);
    put<std::uint64_t>(head, at + 8, sections[i].offset);
    put<std::uint64_t>(head, at + 16, sections[i].length);
    put<std::uint32_t>(head, at + 24, sections[i].crc);
  }
  // The header CRC covers the header (with the CRC field zero) and the table.
  put<std::uint32_t>(head, 48, crc32_of(head.data(), kHeaderSize + kEntrySize * sections.size()));

  write_file_atomically(path, [&](std::ostream& out) {
    out.write(head.data(), static_cast<std::streamsize>(head.size()));
    std::size_t pos = head.size();
    for (const auto& s : sections) {
      out.write(s.payload.data(), static_cast<std::streamsize>(s.payload.size()));
      pos += s.payload.size();
      const std::size_t pad = align_up(pos) - pos;
      static const char zeros[kAlign] = {};
      out.write(zeros, static_cast<std::streamsize>(pad));
      pos += pad;
    }
  });
}

bool is_corpus_file(const std::string& path) {
  // Opening a FIFO would block: only a regular file can be a corpus file.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  return in.gcount() == 8 && std::memcmp(magic, kMagic, 8) == 0;
}

MappedCorpusFile::MappedCorpusFile(const std::string& path, const CorpusFileOptions& options)
    : path_(path) {
  require_regular_file(path, "a corpus file");
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw InputError(path, "no such file");
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw InputError(path, std::string("cannot open: ") + std::strerror(errno));
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ < kHeaderSize) {
    ::close(fd);
    throw InputError(path, "too short to be a corpus file (" + std::to_string(size_) + " bytes)");
  }
  base_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (base_ == MAP_FAILED) {
    base_ = nullptr;
    throw InputError(path, std::string("cannot map: ") + std::strerror(errno));
  }
  try {
    const auto* p = static_cast<const unsigned char*>(base_);
    auto fail = [&](const std::string& problem, std::int64_t offset = -1) {
      throw InputError(path, problem, -1, offset);
    };
    if (std::memcmp(p, kMagic, 8) != 0) fail("not a strata corpus file (bad magic bytes)", 0);
    version_ = get<std::uint32_t>(p + 8);
    if (version_ == 0 || version_ > kCorpusFileVersion)
      fail("unsupported corpus file version " + std::to_string(version_) + " (this strata reads up to " +
               std::to_string(kCorpusFileVersion) + ")",
           8);
    const auto n_sections = get<std::uint32_t>(p + 12);
    const auto rows = get<std::uint64_t>(p + 16);
    const auto cols = get<std::uint64_t>(p + 24);
    const auto nnz = get<std::uint64_t>(p + 32);
    const auto table = get<std::uint64_t>(p + 40);
    const auto file_size = get<std::uint64_t>(p + 56);
    if (file_size != size_)
      fail("file is " + std::to_string(size_) + " bytes but its header says " + std::to_string(file_size) +
               " (truncated or appended to)",
           56);
    if (n_sections > kMaxSections) fail("implausible section count " + std::to_string(n_sections), 12);
    if (table != kHeaderSize || table + kEntrySize * n_sections > size_) fail("section table out of bounds", 40);
    {
      std::string head(reinterpret_cast<const char*>(p), kHeaderSize + kEntrySize * n_sections);
      put<std::uint32_t>(head, 48, 0u);
      if (crc32_of(head.data(), head.size()) != get<std::uint32_t>(p + 48))
        fail("header checksum mismatch (corrupted file)", 0);
    }
    // Dimensions must be consistent with the bytes present before anything is trusted.
    if (rows > size_ / 8 || nnz > size_ / 4 || cols > (1ull << 31) - 1)
      fail("dimensions " + std::to_string(rows) + " x " + std::to_string(cols) + " with " + std::to_string(nnz) +
               " nonzeros are impossible for a file of " + std::to_string(size_) + " bytes",
           16);
    if (cols > max_columns(nnz, size_))
      fail(std::to_string(cols) + " columns are implausible for " + std::to_string(nnz) + " nonzeros in a file of " +
               std::to_string(size_) + " bytes (at most " + std::to_string(max_columns(nnz, size_)) +
               ": 2^20 + 64 per nonzero, or 8 bytes of the file per column; absurd dimensions, refusing to allocate)",
           24);

    struct Found {
      const unsigned char* data = nullptr;
      std::uint64_t length = 0;
    };
    Found found[kLastKind + 1];
    for (std::uint32_t i = 0; i < n_sections; ++i) {
      const unsigned char* e = p + kHeaderSize + kEntrySize * i;
      const auto kind = get<std::uint32_t>(e);
      const auto elem = get<std::uint32_t>(e + 4);
      const auto offset = get<std::uint64_t>(e + 8);
      const auto length = get<std::uint64_t>(e + 16);
      const auto crc = get<std::uint32_t>(e + 24);
      const auto entry_at = static_cast<std::int64_t>(kHeaderSize + kEntrySize * i);
      if (offset > size_ || length > size_ - offset) fail("section " + std::to_string(kind) + " out of bounds", entry_at);
      if (offset % 8 != 0) fail("section " + std::to_string(kind) + " misaligned", entry_at);
      if (elem == 0 || length % elem != 0) fail("section " + std::to_string(kind) + " has a bad length", entry_at);
      if (options.verify_checksums && crc32_of(p + offset, length) != crc)
        fail("checksum mismatch in section " + std::to_string(kind) + " (corrupted file)",
             static_cast<std::int64_t>(offset));
      if (kind >= 1 && kind <= kLastKind) found[kind] = Found{p + offset, length};
      // Unknown kinds are skipped: later minor versions may add sections.
    }
    auto need = [&](std::uint32_t kind, std::uint64_t bytes, const char* what) {
      if (!found[kind].data) fail(std::string("missing section: ") + what);
      if (found[kind].length != bytes)
        fail(std::string(what) + " section has " + std::to_string(found[kind].length) + " bytes, expected " +
             std::to_string(bytes));
    };
    need(kIndptr, (rows + 1) * 8, "row pointers");
    need(kIndices, nnz * 4, "column indices");
    need(kData, nnz * 8, "values");
    matrix_ = SparseView{static_cast<Index>(rows), static_cast<Index>(cols),
                         reinterpret_cast<const Index*>(found[kIndptr].data),
                         reinterpret_cast<const ColIndex*>(found[kIndices].data),
                         reinterpret_cast<const double*>(found[kData].data)};
    if (matrix_.indptr[rows] != static_cast<Index>(nnz)) fail("row pointers do not end at the nonzero count");
    validate_csr(matrix_, path.c_str());
    if (options.verify_checksums)
      for (std::uint64_t q = 0; q < nnz; ++q)
        if (!std::isfinite(matrix_.data[q]))
          fail("non-finite value (NaN or Inf) at nonzero " + std::to_string(q),
               static_cast<std::int64_t>(found[kData].data - p + 8 * q));

    auto read_strings = [&](std::uint32_t kind, const char* what, std::uint64_t expected,
                            std::vector<std::string>& out) {
      const Found& f = found[kind];
      if (!f.data) return;
      if (f.length < 8) fail(std::string(what) + " section truncated");
      const auto count = get<std::uint64_t>(f.data);
      if (count != expected)
        fail(std::string(what) + " has " + std::to_string(count) + " entries, expected " + std::to_string(expected));
      if ((count + 2) * 8 > f.length) fail(std::string(what) + " section truncated");
      const unsigned char* blob = f.data + (count + 2) * 8;
      const std::uint64_t blob_len = f.length - (count + 2) * 8;
      out.resize(count);
      std::uint64_t prev = 0;
      for (std::uint64_t i = 0; i < count; ++i) {
        const auto a = get<std::uint64_t>(f.data + 8 * (i + 1));
        const auto b = get<std::uint64_t>(f.data + 8 * (i + 2));
        if (a != prev || b < a || b > blob_len) fail(std::string(what) + " offsets are inconsistent");
        out[i].assign(reinterpret_cast<const char*>(blob + a), b - a);
        prev = b;
      }
    };
    read_strings(kVocabulary, "vocabulary", cols, vocabulary_);
    read_strings(kDocIds, "document ids", rows, doc_ids_);
    read_strings(kLabels, "labels", rows, labels_);
    if (found[kMetadata].data)
      metadata_json_.assign(reinterpret_cast<const char*>(found[kMetadata].data), found[kMetadata].length);
    if (found[kIdf].data) {
      need(kIdf, cols * 8, "idf");
      idf_.assign(reinterpret_cast<const double*>(found[kIdf].data),
                  reinterpret_cast<const double*>(found[kIdf].data) + cols);
    }
    if (found[kCoocIndptr].data) {
      has_cooccurrence_ = true;
      need(kCoocIndptr, (cols + 1) * 8, "co-occurrence row pointers");
      const auto* cptr = reinterpret_cast<const Index*>(found[kCoocIndptr].data);
      if (cptr[cols] < 0 || static_cast<std::uint64_t>(cptr[cols]) > size_ / 4)
        fail("co-occurrence nonzero count " + std::to_string(cptr[cols]) + " is impossible for the file size");
      const auto cnnz = static_cast<std::uint64_t>(cptr[cols]);
      need(kCoocIndices, cnnz * 4, "co-occurrence column indices");
      need(kCoocData, cnnz * 8, "co-occurrence values");
      cooccurrence_ = SparseView{static_cast<Index>(cols), static_cast<Index>(cols), cptr,
                                 reinterpret_cast<const ColIndex*>(found[kCoocIndices].data),
                                 reinterpret_cast<const double*>(found[kCoocData].data)};
      validate_csr(cooccurrence_, path.c_str());
    }
  } catch (...) {
    ::munmap(base_, size_);
    base_ = nullptr;
    throw;
  }
}

MappedCorpusFile::~MappedCorpusFile() {
  if (base_) ::munmap(base_, size_);
}

Corpus MappedCorpusFile::to_corpus() const {
  Corpus c = metadata();
  c.matrix = to_owning(matrix_);
  if (has_cooccurrence_) c.cooccurrence = to_owning(cooccurrence_);
  return c;
}

Corpus MappedCorpusFile::metadata() const {
  Corpus c;
  c.vocabulary = vocabulary_;
  c.doc_ids = doc_ids_;
  c.labels = labels_;
  c.idf = idf_;
  const auto meta = nlohmann::json::parse(metadata_json_, nullptr, false);
  if (meta.is_object()) {
    c.weighting = io_detail::json_string_or(meta, "weighting", path_, "unknown");
    c.window = io_detail::json_int_or(meta, "window", path_, 0);
    if (meta.contains("provenance")) c.provenance_json = meta["provenance"].dump();
  }
  return c;
}

Corpus read_corpus_file(const std::string& path, const CorpusFileOptions& options) {
  return MappedCorpusFile(path, options).to_corpus();
}

}  // namespace strata
