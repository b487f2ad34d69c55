// UCI bag-of-words reader (docword + vocab), streamed line by line.
#include "strata/io/uci_bow.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "strata/core/error.hpp"
#include "text_fields.hpp"
#include "strata/text/document_reader.hpp"

namespace strata {
namespace {

using namespace io_detail;
namespace fs = std::filesystem;

// "d w c\n": the shortest possible entry line.
constexpr Index kMinEntryBytes = 6;

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

/// `dir/docword.X.txt[.gz]` -> `dir/vocab.X.txt` (or `.txt.gz` if only that
/// exists); empty when the name is not a docword name or no vocabulary exists.
std::string derived_vocab_path(const std::string& docword_path) {
  const fs::path p(docword_path);
  std::string name = p.filename().string();
  if (name.rfind("docword.", 0) != 0) return {};
  if (ends_with(name, ".gz")) name.resize(name.size() - 3);
  const std::string plain = (p.parent_path() / ("vocab." + name.substr(8))).string();
  if (exists(plain)) return plain;
  if (exists(plain + ".gz")) return plain + ".gz";
  return {};
}


std::vector<std::string> read_vocabulary(const std::string& path, Index words) {
  std::vector<std::string> vocab;
  vocab.reserve(static_cast<std::size_t>(words));
  for_each_line(path, [&](std::string_view line, long long number) {
    const std::string_view word = trim(line);
    if (number > words) {
      if (word.empty()) return;  // trailing blank lines
      throw InputError(
          path, "vocabulary has more than the " + std::to_string(words) + " terms declared by the docword header (W)",
          number);
    }
    if (word.empty()) throw InputError(path, "empty term in vocabulary", number);
    vocab.emplace_back(word);
  });
  if (static_cast<Index>(vocab.size()) != words)
    throw InputError(path, "vocabulary has " + std::to_string(vocab.size()) +
                               " terms but the docword header (W) "
                               "declares " +
                               std::to_string(words));
  return vocab;
}

}  // namespace

bool is_uci_docword_name(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  return name.size() > 8 && name.rfind("docword.", 0) == 0;
}

Corpus read_uci_bag_of_words(const std::string& docword_path, const std::string& vocab_path) {
  const std::string& path = docword_path;
  const bool gz = ends_with(path, ".gz");
  Index on_disk = -1;
  {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) on_disk = static_cast<Index>(st.st_size);
  }
  const Index max_text = on_disk < 0 ? -1 : (gz ? on_disk * kMaxGzipRatio : on_disk);

  Index header[3] = {0, 0, 0};  // D, W, NNZ
  static const char* const kHeaderNames[3] = {"number of documents D", "number of words W", "number of nonzeros NNZ"};
  int header_read = 0;
  Index text_bytes = 0, entries = 0;
  long long last_line = 0;
  std::vector<Triplet> triplets;

  for_each_line(path, [&](std::string_view line, long long number) {
    text_bytes += static_cast<Index>(line.size()) + 1;
    last_line = number;
    if (header_read < 3) {
      std::int64_t v = 0;
      const std::string_view tok = trim(line);
      if (!parse_int(tok, v) || v < 0)
        throw InputError(path,
                         std::string("bad header: line ") + std::to_string(number) + " must be the " +
                             kHeaderNames[header_read] + " (a nonnegative integer), got " + quoted(tok),
                         number);
      header[header_read++] = v;
      if (header_read < 3) return;
      if (max_text >= 0) {
        const Index room = std::max<Index>(0, max_text - text_bytes) + 1;
        if (header[2] > room / kMinEntryBytes)
          throw InputError(path,
                           "header declares " + std::to_string(header[2]) + " nonzeros (NNZ), more than a " +
                               (gz ? "compressed file of " : "file of ") + std::to_string(on_disk) +
                               " bytes can hold (truncated file or absurd header)",
                           number);
      }
      // Empty documents and unused words are legal, but D and W are bounded by
      // NNZ (text_fields.hpp) before anything is sized from them.
      check_dimension(path, "document count D", header[0], kMaxRows, header[2], number);
      check_dimension(path, "word count W", header[1], kMaxCols, header[2], number);
      Index reserve = header[2];
      if (gz || on_disk < 0) reserve = std::min<Index>(reserve, std::max<Index>(on_disk, 0) / 2 + 1024);
      triplets.reserve(static_cast<std::size_t>(reserve));
      return;
    }
    Tokens t(line);
    const std::string_view td = t.next();
    if (td.empty()) return;  // blank line
    if (entries == header[2])
      throw InputError(path, "more entries than the " + std::to_string(header[2]) + " declared by the header (NNZ)",
                       number);
    ++entries;
    const std::string_view tw = t.next(), tc = t.next();
    if (tc.empty() || !t.next().empty())
      throw InputError(path, "expected 'docID wordID count', got " + quoted(trim(line)), number);
    std::int64_t d = 0, w = 0, c = 0;
    if (!parse_int(td, d)) throw InputError(path, "document id " + quoted(td) + " is not an integer", number);
    if (!parse_int(tw, w)) throw InputError(path, "word id " + quoted(tw) + " is not an integer", number);
    if (!parse_int(tc, c)) throw InputError(path, "count " + quoted(tc) + " is not an integer", number);
    if (d < 1 || d > header[0])
      throw InputError(
          path, "document id " + std::to_string(d) + " out of range [1, " + std::to_string(header[0]) + "]", number);
    if (w < 1 || w > header[1])
      throw InputError(path, "word id " + std::to_string(w) + " out of range [1, " + std::to_string(header[1]) + "]",
                       number);
    if (c < 0) throw InputError(path, "negative count " + std::to_string(c), number);
    if (c == 0) return;  // an explicit zero adds nothing
    triplets.push_back(Triplet{d - 1, static_cast<ColIndex>(w - 1), static_cast<double>(c)});
  });

  if (header_read == 0) throw InputError(path, "empty file (expected the UCI header lines D, W, NNZ)");
  if (header_read < 3)
    throw InputError(path, std::string("bad header: file ends before the ") + kHeaderNames[header_read], last_line);
  if (entries < header[2])
    throw InputError(path,
                     "truncated: the header declares " + std::to_string(header[2]) +
                         " entries (NNZ) but the "
                         "file ends after " +
                         std::to_string(entries),
                     last_line);

  Corpus corpus;
  corpus.matrix = csr_from_triplets(header[0], header[1], std::move(triplets));
  const std::string vocab = vocab_path.empty() ? derived_vocab_path(path) : vocab_path;
  if (!vocab.empty()) corpus.vocabulary = read_vocabulary(vocab, header[1]);
  corpus.weighting = "count";
  nlohmann::json provenance = {{"format", "uci_bag_of_words"}, {"source", path}};
  if (!vocab.empty()) provenance["vocabulary"] = vocab;
  // Replace invalid UTF-8 in paths rather than fail on them.
  corpus.provenance_json = provenance.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return corpus;
}

}  // namespace strata
