#include "strata/io/npy.hpp"

#include <cstring>
#include <fstream>
#include <regex>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"

namespace strata {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

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
  size_t header_len, header_start;
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
  if (header_start + header_len > content.size()) throw InputError(path, "truncated .npy header");
  const std::string header = content.substr(header_start, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'")))
    throw InputError(path, "npy header has no descr");
  const std::string descr = m[1];
  if (!std::regex_search(header, m, std::regex("'fortran_order':\\s*(True|False)")))
    throw InputError(path, "npy header has no fortran_order");
  const bool fortran = m[1] == "True";
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    throw InputError(path, "npy header has no shape");
  NpyArray arr;
  {
    const std::string dims = m[1];
    std::regex num("\\d+");
    for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it) {
      const std::string s = it->str();
      if (s.size() > 15) throw InputError(path, "npy shape entry too large: " + s);
      arr.shape.push_back(std::stoll(s));
    }
  }
  if (arr.shape.size() > 2) throw InputError(path, "npy arrays of more than 2 dimensions are not supported");
  size_t elem;
  if (descr == "<f8" || descr == "<i8") elem = 8;
  else if (descr == "<f4" || descr == "<i4") elem = 4;
  else if (descr == "|u1" || descr == "|b1") elem = 1;
  else throw InputError(path, "unsupported npy dtype '" + descr + "' (expected <f8, <f4, <i8, <i4, |u1 or |b1)");
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
