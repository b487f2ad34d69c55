#include "strata/io/labels.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"

namespace strata {

Index LabelEncoding::n_labeled() const {
  return static_cast<Index>(std::count_if(codes.begin(), codes.end(), [](std::int32_t c) { return c >= 0; }));
}

const std::string& LabelEncoding::name(std::int32_t code) const {
  static const std::string unlabeled;
  if (code < 0) return unlabeled;
  return classes.at(static_cast<std::size_t>(code));
}

LabelEncoding encode_labels(const std::vector<std::string>& labels) {
  LabelEncoding e;
  std::map<std::string, std::int32_t> index;
  for (const auto& l : labels)
    if (!l.empty()) index.emplace(l, 0);
  std::int32_t next = 0;
  for (auto& [label, code] : index) {
    code = next++;
    e.classes.push_back(label);
  }
  e.codes.reserve(labels.size());
  for (const auto& l : labels) e.codes.push_back(l.empty() ? -1 : index.at(l));
  return e;
}

std::vector<std::string> read_labels_file(const std::string& path, Index n_documents) {
  // A directory would "open" and read as 0 lines, a FIFO would block.
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) require_regular_file(path, "a labels file (one label per line)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot open the labels file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (in.bad()) throw InputError(path, "cannot read the labels file");

  std::vector<std::string> labels;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    if (line.find('\0') != std::string_view::npos)
      throw InputError(path, "binary data (a NUL byte): a labels file is text, one label per line",
                       static_cast<std::int64_t>(labels.size() + 1));
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
    while (!line.empty() && blank(line.front())) line.remove_prefix(1);
    while (!line.empty() && blank(line.back())) line.remove_suffix(1);
    labels.emplace_back(line);
    start = end + 1;
  }
  if (n_documents >= 0 && static_cast<Index>(labels.size()) != n_documents)
    throw InputError(path, "has " + std::to_string(labels.size()) + " lines but the input has " +
                               std::to_string(n_documents) +
                               " documents (one line per document; an empty line marks an unlabeled one)");
  return labels;
}

}  // namespace strata
