// Matrix Market coordinate reader and writer.
//
// The reader streams the file line by line (for_each_line gunzips `.gz`), parses
// numbers with std::from_chars, and never allocates from the size line before
// checking it against the bytes that can actually hold that many entries.
#include "strata/io/matrix_market.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"
#include "text_fields.hpp"
#include "strata/text/document_reader.hpp"

namespace strata {
namespace {

using namespace io_detail;

enum class Field { Real, Integer, Pattern };
enum class Symmetry { General, Symmetric };

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}


struct Header {
  Field field = Field::Real;
  Symmetry symmetry = Symmetry::General;
  Index rows = 0, cols = 0, nnz = 0;
};

void parse_banner(const std::string& path, std::string_view line, Header& h) {
  Tokens t(line);
  const std::string_view magic = t.next();
  if (!iequals(magic, "%%MatrixMarket"))
    throw InputError(path,
                     "missing %%MatrixMarket banner (bad header): the first line must read "
                     "'%%MatrixMarket matrix coordinate real|integer|pattern general|symmetric'",
                     1);
  const std::string_view object = t.next(), format = t.next(), field = t.next(), symmetry = t.next();
  if (symmetry.empty() || !t.next().empty())
    throw InputError(path, "bad %%MatrixMarket banner: expected 'object format field symmetry' (bad header)", 1);
  if (!iequals(object, "matrix"))
    throw InputError(path, "unsupported Matrix Market object " + quoted(object) + " (only 'matrix')", 1);
  if (iequals(format, "array"))
    throw InputError(path, "unsupported Matrix Market format 'array' (dense); only 'coordinate' is supported", 1);
  if (!iequals(format, "coordinate"))
    throw InputError(path, "bad Matrix Market format " + quoted(format) + " (expected 'coordinate')", 1);
  if (iequals(field, "real") || iequals(field, "double")) {
    h.field = Field::Real;
  } else if (iequals(field, "integer")) {
    h.field = Field::Integer;
  } else if (iequals(field, "pattern")) {
    h.field = Field::Pattern;
  } else if (iequals(field, "complex")) {
    throw InputError(path, "unsupported Matrix Market field 'complex' (only real, integer or pattern)", 1);
  } else {
    throw InputError(path, "bad Matrix Market field " + quoted(field) + " (expected real, integer or pattern)", 1);
  }
  if (iequals(symmetry, "general")) {
    h.symmetry = Symmetry::General;
  } else if (iequals(symmetry, "symmetric")) {
    h.symmetry = Symmetry::Symmetric;
  } else if (iequals(symmetry, "skew-symmetric") || iequals(symmetry, "hermitian")) {
    throw InputError(path, "unsupported Matrix Market symmetry " + quoted(symmetry) + " (only general or symmetric)",
                     1);
  } else {
    throw InputError(path, "bad Matrix Market symmetry " + quoted(symmetry) + " (expected general or symmetric)", 1);
  }
}

}  // namespace

SparseMatrix read_matrix_market(const std::string& path) {
  const bool gz = ends_with(path, ".gz");
  const Index on_disk = file_bytes(path);
  // Upper bound on the text the file can hold (unknown for gzip but bounded).
  const Index max_text = on_disk < 0 ? -1 : (gz ? on_disk * kMaxGzipRatio : on_disk);

  enum class Stage { Banner, Size, Entries };
  Stage stage = Stage::Banner;
  Header h;
  int fields = 0;           // fields on an entry line: 2 (pattern) or 3
  Index text_bytes = 0;     // bytes read so far, counting line terminators
  Index entries = 0;        // entry lines read
  long long size_line = 0;  // line number of the size line
  long long last_line = 0;
  std::vector<Triplet> triplets;

  for_each_line(path, [&](std::string_view line, long long number) {
    text_bytes += static_cast<Index>(line.size()) + 1;
    last_line = number;
    if (stage == Stage::Banner) {
      parse_banner(path, line, h);
      fields = h.field == Field::Pattern ? 2 : 3;
      stage = Stage::Size;
      return;
    }
    if (!line.empty() && line[0] == '%') return;  // comment
    Tokens t(line);
    const std::string_view first = t.next();
    if (first.empty()) return;  // blank line
    if (stage == Stage::Size) {
      std::int64_t v[3];
      for (int k = 0; k < 3; ++k) {
        const std::string_view tok = k == 0 ? first : t.next();
        if (!parse_int(tok, v[k]) || v[k] < 0)
          throw InputError(path,
                           "bad size line: expected 'rows cols nonzeros' as nonnegative integers, got " + quoted(line),
                           number);
      }
      if (!t.next().empty())
        throw InputError(path, "bad size line: expected exactly 'rows cols nonzeros', got " + quoted(line), number);
      h.rows = v[0];
      h.cols = v[1];
      h.nnz = v[2];
      if (h.symmetry == Symmetry::Symmetric && h.rows != h.cols)
        throw InputError(path,
                         "symmetric matrix must be square (size line says " + std::to_string(h.rows) + " x " +
                             std::to_string(h.cols) + ")",
                         number);
      // Each entry needs at least `fields` one-character tokens and separators.
      const Index min_entry_bytes = 2 * fields;
      if (max_text >= 0) {
        const Index room = std::max<Index>(0, max_text - text_bytes) + 1;
        if (h.nnz > room / min_entry_bytes)
          throw InputError(path,
                           "size line declares " + std::to_string(h.nnz) + " nonzeros, more than a " +
                               (gz ? "compressed file of " : "file of ") + std::to_string(on_disk) +
                               " bytes can hold (truncated file or absurd header)",
                           number);
      }
      // Empty rows and columns are legal, but not without bound: the declared
      // dimensions are checked against the declared entries (text_fields.hpp),
      // which the file must then hold, before anything is sized from them.
      check_dimension(path, "row count", h.rows, kMaxRows, h.nnz, number);
      check_dimension(path, "column count", h.cols, kMaxCols, h.nnz, number);
      // A plain file's size bounds the entries; for gzip grow as entries arrive.
      Index reserve = h.nnz;
      if (gz || on_disk < 0) reserve = std::min<Index>(h.nnz, std::max<Index>(on_disk, 0) / 2 + 1024);
      if (h.symmetry == Symmetry::Symmetric) reserve *= 2;
      triplets.reserve(static_cast<std::size_t>(reserve));
      size_line = number;
      stage = Stage::Entries;
      return;
    }
    if (entries == h.nnz)
      throw InputError(path,
                       "more entries than the " + std::to_string(h.nnz) + " declared on the size line (line " +
                           std::to_string(size_line) + ")",
                       number);
    ++entries;
    std::int64_t i = 0, j = 0;
    const std::string_view ti = first, tj = t.next();
    if (!parse_int(ti, i)) throw InputError(path, "row index " + quoted(ti) + " is not an integer", number);
    if (tj.empty()) throw InputError(path, "entry has 1 field, expected " + std::to_string(fields), number);
    if (!parse_int(tj, j)) throw InputError(path, "column index " + quoted(tj) + " is not an integer", number);
    if (i < 1 || i > h.rows)
      throw InputError(path, "row index " + std::to_string(i) + " out of range [1, " + std::to_string(h.rows) + "]",
                       number);
    if (j < 1 || j > h.cols)
      throw InputError(path, "column index " + std::to_string(j) + " out of range [1, " + std::to_string(h.cols) + "]",
                       number);
    double value = 1.0;
    if (fields == 3) {
      const std::string_view tv = t.next();
      if (tv.empty()) throw InputError(path, "entry has 2 fields, expected 3 (row, column, value)", number);
      if (h.field == Field::Integer) {
        std::int64_t iv = 0;
        if (!parse_int(tv, iv))
          throw InputError(path, "value " + quoted(tv) + " is not an integer (field is 'integer')", number);
        value = static_cast<double>(iv);
      } else {
        switch (parse_double(tv, value)) {
          case NumberStatus::Ok:
            break;
          case NumberStatus::NotNumeric:
            throw InputError(path, "value " + quoted(tv) + " is not a number", number);
          case NumberStatus::NotFinite:
            throw InputError(path, "value " + quoted(tv) + " is NaN or Inf (values must be finite)", number);
        }
      }
    }
    if (!t.next().empty()) throw InputError(path, "entry has more than " + std::to_string(fields) + " fields", number);
    triplets.push_back(Triplet{i - 1, static_cast<ColIndex>(j - 1), value});
    if (h.symmetry == Symmetry::Symmetric && i != j)
      triplets.push_back(Triplet{j - 1, static_cast<ColIndex>(i - 1), value});
  });

  if (stage == Stage::Banner) throw InputError(path, "empty file (expected a %%MatrixMarket banner)");
  if (stage == Stage::Size)
    throw InputError(path, "missing size line 'rows cols nonzeros' (file ends after the header)", last_line);
  if (entries < h.nnz)
    throw InputError(path,
                     "truncated: the size line declares " + std::to_string(h.nnz) +
                         " entries but the file ends "
                         "after " +
                         std::to_string(entries),
                     last_line);
  return csr_from_triplets(h.rows, h.cols, std::move(triplets));
}

void write_matrix_market(const std::string& path, const SparseView& m) {
  validate_csr(m, path.c_str());
  write_file_atomically(path, [&](std::ostream& out) {
    std::string buf = "%%MatrixMarket matrix coordinate real general\n";
    buf += std::to_string(m.rows) + " " + std::to_string(m.cols) + " " + std::to_string(m.nnz()) + "\n";
    constexpr std::size_t kFlushAt = 1 << 20;
    char row[24], col[16], val[40];
    for (Index i = 0; i < m.rows; ++i) {
      const auto row_end = std::to_chars(row, row + sizeof row, i + 1).ptr;
      for (Index p = m.indptr[i]; p < m.indptr[i + 1]; ++p) {
        const auto col_end = std::to_chars(col, col + sizeof col, static_cast<Index>(m.indices[p]) + 1).ptr;
        // Same text as printf("%.17g"): round-trips every double exactly.
        const auto val_end = std::to_chars(val, val + sizeof val, m.data[p], std::chars_format::general, 17).ptr;
        buf.append(row, row_end).append(1, ' ').append(col, col_end).append(1, ' ').append(val, val_end);
        buf.push_back('\n');
        if (buf.size() >= kFlushAt) {
          out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
          buf.clear();
        }
      }
    }
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  });
}

}  // namespace strata
