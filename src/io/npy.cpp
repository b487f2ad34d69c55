#include "strata/io/npy.hpp"

#include <cstring>
#include <fstream>
#include <string_view>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"

namespace strata {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
// Largest header dictionary read (NumPy writes under 200 bytes; format 1.0 allows 65,535).
constexpr std::uint64_t kMaxNpyHeaderBytes = 1 << 20;

void write_npy_bytes(const std::string& path, const char* descr, const void* data, size_t elem_size,
                     const std::vector<Index>& shape) {
  if (shape.empty() || shape.size() > 2) throw ArgumentError("npy shape must have 1 or 2 dimensions");
  Index count = 1;
  for (Index s : shape) {
    if (s < 0) throw ArgumentError("npy shape entries must be >= 0");
    count *= s;
  }
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" +
                     std::to_string(shape[0]) + (shape.size() == 1 ? "," : ", " + std::to_string(shape[1])) +
                     "), }";
  // magic(6) + version(2) + header_len(2) + dict + padding + '\n' is a multiple of 64.
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict.push_back('\n');
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(kMagic, 6);
    const unsigned char version[2] = {1, 0};
    out.write(reinterpret_cast<const char*>(version), 2);
    const std::uint16_t len = static_cast<std::uint16_t>(dict.size());
    const unsigned char len_le[2] = {static_cast<unsigned char>(len & 0xff),
                                     static_cast<unsigned char>(len >> 8)};
    out.write(reinterpret_cast<const char*>(len_le), 2);
    out.write(dict.data(), static_cast<std::streamsize>(dict.size()));
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(count * elem_size));
  });
}

template <class T>
void append_converted(const char* bytes, Index count, std::vector<double>& out) {
  out.resize(static_cast<size_t>(count));
  for (Index i = 0; i < count; ++i) {
    T v;
    std::memcpy(&v, bytes + i * sizeof(T), sizeof(T));
    out[static_cast<size_t>(i)] = static_cast<double>(v);
  }
}

// Header dictionary parser: the header is a Python literal such as
//   {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
// parsed by hand in one forward pass (no regex: std::regex recurses once per
// character and overflowed the stack on a 30 KB field). Only what NumPy writes
// is accepted: exactly the keys 'descr', 'fortran_order' and 'shape', a string
// descr, True/False, a tuple of nonnegative integers.
class HeaderParser {
 public:
  /// `text` is the dictionary, found at byte `offset` of the file (for messages).
  HeaderParser(const std::string& path, std::string_view text, std::size_t offset)
      : path_(path), text_(text), offset_(offset) {}

  /// A string from the file for a message, cut at 40 characters.
  static std::string shown(const std::string& s) { return s.size() > 40 ? s.substr(0, 40) + "..." : s; }

  void parse(std::string& descr, bool& fortran, std::vector<Index>& shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    skip_space();
    expect('{', "the header must start with '{'");
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string_literal("a quoted key");
      skip_space();
      expect(':', "expected ':' after the key '" + shown(key) + "'");
      skip_space();
      if (key == "descr") {
        if (have_descr) fail("duplicate key 'descr'");
        if (peek() != '\'' && peek() != '"')
          fail("'descr' is not a string (structured dtypes are not supported)");
        descr = string_literal("a dtype string");
        have_descr = true;
      } else if (key == "fortran_order") {
        if (have_fortran) fail("duplicate key 'fortran_order'");
        if (take_word("True")) fortran = true;
        else if (take_word("False")) fortran = false;
        else fail("'fortran_order' must be True or False");
        have_fortran = true;
      } else if (key == "shape") {
        if (have_shape) fail("duplicate key 'shape'");
        shape = tuple();
        have_shape = true;
      } else {
        fail("unexpected key '" + shown(key) + "' (expected 'descr', 'fortran_order' and 'shape')");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') fail("expected ',' or '}' after the value of '" + key + "'");
    }
    ++pos_;  // '}'
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the closing '}'");
    if (!have_descr) fail("npy header has no descr");
    if (!have_fortran) fail("npy header has no fortran_order");
    if (!have_shape) fail("npy header has no shape");
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(path_, "malformed .npy header: " + problem, -1, static_cast<std::int64_t>(offset_ + pos_));
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r'))
      ++pos_;
  }
  void expect(char c, const std::string& problem) {
    if (peek() != c) fail(problem);
    ++pos_;
  }
  bool take_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  /// 'text' or "text" without escapes (NumPy's keys and dtype strings have none).
  std::string string_literal(const char* what) {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail(std::string("expected ") + what);
    const std::size_t start = ++pos_;
    const std::size_t end = text_.find(quote, start);
    if (end == std::string_view::npos) fail("unterminated string");
    if (text_.substr(start, end - start).find('\\') != std::string_view::npos) fail("escapes in strings are not supported");
    pos_ = end + 1;
    return std::string(text_.substr(start, end - start));
  }
  /// (), (n,), (n, m), ... with an optional trailing comma; Python 2's 'L' suffix is accepted.
  std::vector<Index> tuple() {
    expect('(', "'shape' must be a tuple");
    std::vector<Index> dims;
    bool comma = false;  // after the last entry
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9') fail("'shape' entries must be nonnegative integers");
      const std::size_t start = pos_;
      Index v = 0;
      while (peek() >= '0' && peek() <= '9') {
        // Entries are bounded by the file size later; 15 digits cannot overflow.
        if (pos_ - start >= 15)
          throw InputError(path_, "npy shape entry too large: " + std::string(text_.substr(start, 20)) + "...");
        v = v * 10 + (peek() - '0');
        ++pos_;
      }
      if (peek() == 'L') ++pos_;
      dims.push_back(v);
      comma = false;
      skip_space();
      if (peek() == ',') {
        ++pos_;
        comma = true;
        continue;
      }
      if (peek() != ')') fail("expected ',' or ')' in 'shape'");
    }
    ++pos_;  // ')'
    if (dims.size() == 1 && !comma) fail("'shape' (n) is not a tuple; a 1-d shape is written (n,)");
    return dims;
  }

  const std::string& path_;
  std::string_view text_;
  std::size_t offset_;
  std::size_t pos_ = 0;
};

}  // namespace

void write_npy(const std::string& path, const double* data, const std::vector<Index>& shape) {
  write_npy_bytes(path, "<f8", data, 8, shape);
}
void write_npy(const std::string& path, const float* data, const std::vector<Index>& shape) {
  write_npy_bytes(path, "<f4", data, 4, shape);
}
void write_npy(const std::string& path, const std::int64_t* data, const std::vector<Index>& shape) {
  write_npy_bytes(path, "<i8", data, 8, shape);
}
void write_npy(const std::string& path, const std::int32_t* data, const std::vector<Index>& shape) {
  write_npy_bytes(path, "<i4", data, 4, shape);
}

NpyArray read_npy(const std::string& path) {
  const std::string content = read_text_file(path);
  if (content.size() < 10 || std::memcmp(content.data(), kMagic, 6) != 0)
    throw InputError(path, "not a .npy file (bad magic)");
  const unsigned major = static_cast<unsigned char>(content[6]);
  std::uint64_t header_len;
  size_t header_start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(content[8]) | (static_cast<unsigned char>(content[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (content.size() < 12) throw InputError(path, "truncated .npy header");
    header_len = 0;
    for (int b = 3; b >= 0; --b) header_len = (header_len << 8) | static_cast<unsigned char>(content[8 + b]);
    header_start = 12;
  } else {
    throw InputError(path, "unsupported .npy version " + std::to_string(major));
  }
  // The declared header length is bounded by the file and by kMaxNpyHeaderBytes
  // (format 1.0 cannot exceed it; 2.0 and 3.0 could declare up to 4 GiB).
  if (header_len > kMaxNpyHeaderBytes)
    throw InputError(path, ".npy header of " + std::to_string(header_len) + " bytes exceeds the supported maximum " +
                               std::to_string(kMaxNpyHeaderBytes));
  if (header_len > content.size() - header_start)
    throw InputError(path, "truncated .npy header (declares " + std::to_string(header_len) + " bytes, the file has " +
                               std::to_string(content.size() - header_start) + " after the preamble)");
  std::string descr;
  bool fortran = false;
  NpyArray arr;
  HeaderParser(path, std::string_view(content).substr(header_start, static_cast<size_t>(header_len)), header_start)
      .parse(descr, fortran, arr.shape);
  if (arr.shape.size() > 2) throw InputError(path, "npy arrays of more than 2 dimensions are not supported");
  size_t elem;
  if (descr == "<f8" || descr == "<i8") elem = 8;
  else if (descr == "<f4" || descr == "<i4") elem = 4;
  else if (descr == "|u1" || descr == "|b1") elem = 1;
  else throw InputError(path, "unsupported npy dtype '" + HeaderParser::shown(descr) + "' (expected <f8, <f4, <i8, <i4, |u1 or |b1)");
  Index count = 1;
  for (Index s : arr.shape) {
    // Never trust the header: a shape larger than the file is rejected before any allocation.
    if (s != 0 && count > static_cast<Index>(content.size()) / s)
      throw InputError(path, "npy shape is larger than the file");
    count *= s;
  }
  const size_t data_start = header_start + header_len;
  if (content.size() - data_start != static_cast<size_t>(count) * elem)
    throw InputError(path, "npy data size " + std::to_string(content.size() - data_start) +
                               " bytes does not match shape (" + std::to_string(count) + " x " +
                               std::to_string(elem) + " bytes)");
  const char* bytes = content.data() + data_start;
  if (descr == "<f8") append_converted<double>(bytes, count, arr.values);
  else if (descr == "<f4") append_converted<float>(bytes, count, arr.values);
  else if (descr == "<i8") append_converted<std::int64_t>(bytes, count, arr.values);
  else if (descr == "<i4") append_converted<std::int32_t>(bytes, count, arr.values);
  else append_converted<std::uint8_t>(bytes, count, arr.values);
  if (fortran && arr.shape.size() == 2) {
    const Index r = arr.shape[0], c = arr.shape[1];
    std::vector<double> c_order(arr.values.size());
    for (Index j = 0; j < c; ++j)
      for (Index i = 0; i < r; ++i) c_order[i * c + j] = arr.values[j * r + i];
    arr.values.swap(c_order);
  }
  return arr;
}

}  // namespace strata
