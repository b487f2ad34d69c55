#include "strata/text/document_reader.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"

namespace strata {
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Reads a whole (possibly gzipped) file: gzread passes plain files through unchanged.
std::string read_maybe_gzipped(const std::string& path) {
  if (!ends_with(path, ".gz")) return read_text_file(path);
  std::string out;
  for_each_line(path, [&](std::string_view line, long long) {
    out.append(line);
    out.push_back('\n');
  });
  return out;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> cols;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      cols.push_back(line.substr(start));
      return cols;
    }
    cols.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

bool read_lines(const std::string& path, const std::function<void(const Document&)>& sink) {
  for_each_line(path, [&](std::string_view line, long long) { sink(Document{line, {}, {}}); });
  return false;
}

bool read_tsv(const std::string& path, const TextSourceOptions& opt, const std::function<void(const Document&)>& sink) {
  for_each_line(path, [&](std::string_view line, long long number) {
    if (opt.header && number == 1) return;
    const auto cols = split_tabs(line);
    const auto n = static_cast<int>(cols.size());
    auto column = [&](int c, const char* what) -> std::string_view {
      if (c > n)
        throw InputError(path, std::string("line has ") + std::to_string(n) + " tab-separated columns, the " + what +
                                   " column is " + std::to_string(c),
                         number);
      return cols[static_cast<std::size_t>(c - 1)];
    };
    Document d;
    d.text = column(opt.text_column > 0 ? opt.text_column : n, "text");
    if (opt.label_column > 0) d.label = column(opt.label_column, "label");
    if (opt.id_column > 0) d.id = column(opt.id_column, "id");
    sink(d);
  });
  return opt.label_column > 0;
}

bool read_dir(const std::string& root, const std::function<void(const Document&)>& sink) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw InputError(root, "cannot list directory: " + ec.message());
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) files.push_back(fs::relative(it->path(), root));
  }
  if (ec) throw InputError(root, "cannot list directory: " + ec.message());
  std::sort(files.begin(), files.end());
  bool labeled = false;
  for (const auto& rel : files) {
    const std::string text = read_maybe_gzipped((fs::path(root) / rel).string());
    const std::string label = rel.has_parent_path() ? rel.begin()->string() : std::string();
    const std::string id = rel.generic_string();
    labeled |= !label.empty();
    sink(Document{text, label, id});
  }
  return labeled;
}

// Brown corpus: "word/tag" tokens; the word is everything before the last '/'.
bool read_brown(const std::string& root, const std::function<void(const Document&)>& sink) {
  const std::string cats = (fs::path(root) / "cats.txt").string();
  std::vector<std::pair<std::string, std::string>> entries;
  for_each_line(cats, [&](std::string_view line, long long number) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) return;
    line.remove_prefix(first);
    const auto space = line.find_first_of(" \t");
    if (space == std::string_view::npos)
      throw InputError(cats, "expected 'fileid category'", number);
    std::string_view category = line.substr(space + 1);
    category.remove_prefix(std::min(category.find_first_not_of(" \t"), category.size()));
    while (!category.empty() && (category.back() == ' ' || category.back() == '\t')) category.remove_suffix(1);
    entries.emplace_back(std::string(line.substr(0, space)), std::string(category));
  });
  if (entries.empty()) throw InputError(cats, "no documents listed");
  std::string text;
  for (const auto& [fileid, category] : entries) {
    const std::string raw = read_maybe_gzipped((fs::path(root) / fileid).string());
    text.clear();
    std::size_t i = 0;
    while (i < raw.size()) {
      if (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < raw.size() && raw[j] != ' ' && raw[j] != '\t' && raw[j] != '\n' && raw[j] != '\r') ++j;
      std::string_view token(raw.data() + i, j - i);
      const auto slash = token.rfind('/');
      if (slash != std::string_view::npos && slash > 0) token = token.substr(0, slash);
      text.append(token);
      text.push_back(' ');
      i = j;
    }
    sink(Document{text, category, fileid});
  }
  return true;
}

}  // namespace

TextFormat parse_text_format(const std::string& name) {
  if (name == "auto") return TextFormat::Auto;
  if (name == "lines") return TextFormat::Lines;
  if (name == "tsv") return TextFormat::Tsv;
  if (name == "dir") return TextFormat::Dir;
  if (name == "brown") return TextFormat::Brown;
  throw ArgumentError("format must be one of auto, lines, tsv, dir, brown (got '" + name + "')");
}

std::string to_string(TextFormat format) {
  switch (format) {
    case TextFormat::Auto: return "auto";
    case TextFormat::Lines: return "lines";
    case TextFormat::Tsv: return "tsv";
    case TextFormat::Dir: return "dir";
    case TextFormat::Brown: return "brown";
  }
  return "auto";
}

TextFormat detect_text_format(const std::string& path, TextFormat requested) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path, "no such file or directory");
  const bool is_dir = fs::is_directory(path, ec);
  if (requested == TextFormat::Auto) {
    if (is_dir) return fs::exists(fs::path(path) / "cats.txt", ec) ? TextFormat::Brown : TextFormat::Dir;
    return (ends_with(path, ".tsv") || ends_with(path, ".tsv.gz")) ? TextFormat::Tsv : TextFormat::Lines;
  }
  const bool wants_dir = requested == TextFormat::Dir || requested == TextFormat::Brown;
  if (wants_dir && !is_dir) throw InputError(path, "format " + to_string(requested) + " expects a directory");
  if (!wants_dir && is_dir) throw InputError(path, "is a directory; use --format dir or brown");
  return requested;
}

bool read_documents(const std::string& path, const TextSourceOptions& options,
                    const std::function<void(const Document&)>& sink) {
  require_argument(options.text_column >= 0, "text_column", ">= 1 (or 0 for the last column)",
                   std::to_string(options.text_column));
  require_argument(options.label_column >= 0, "label_column", ">= 1 (or 0 for none)", std::to_string(options.label_column));
  require_argument(options.id_column >= 0, "id_column", ">= 1 (or 0 for none)", std::to_string(options.id_column));
  switch (detect_text_format(path, options.format)) {
    case TextFormat::Tsv: return read_tsv(path, options, sink);
    case TextFormat::Dir: return read_dir(path, sink);
    case TextFormat::Brown: return read_brown(path, sink);
    default: return read_lines(path, sink);
  }
}

void for_each_line(const std::string& path,
                   const std::function<void(std::string_view line, long long number)>& on_line) {
  require_regular_file(path);
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw InputError(path, std::string("cannot open: ") + std::strerror(errno));
  std::unique_ptr<gzFile_s, int (*)(gzFile)> guard(f, gzclose);
  gzbuffer(f, 1 << 17);
  std::vector<char> buf(1 << 20);
  std::string carry;  // a line split across buffer refills
  long long number = 0;
  auto emit = [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    on_line(line, ++number);
  };
  while (true) {
    const int got = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(f, &err);
      throw InputError(path, std::string("read error: ") + (msg ? msg : "unknown") + " (truncated or corrupt?)");
    }
    if (got == 0) break;
    std::size_t start = 0;
    const std::string_view chunk(buf.data(), static_cast<std::size_t>(got));
    while (true) {
      const std::size_t nl = chunk.find('\n', start);
      if (nl == std::string_view::npos) break;
      if (carry.empty()) {
        emit(chunk.substr(start, nl - start));
      } else {
        carry.append(chunk.substr(start, nl - start));
        emit(carry);
        carry.clear();
      }
      start = nl + 1;
    }
    carry.append(chunk.substr(start));
  }
  // gzread reports a compressed stream cut short as end of file; gzerror tells.
  int err = Z_OK;
  gzerror(f, &err);
  if (err == Z_BUF_ERROR) throw InputError(path, "truncated compressed file (unexpected end of the gzip stream)");
  if (!carry.empty()) emit(carry);
}

}  // namespace strata
