#include "strata/io/load.hpp"

#include <filesystem>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"
#include "strata/io/corpus_file.hpp"
#include "strata/io/matrix_market.hpp"
#include "strata/io/svmlight.hpp"
#include "strata/io/uci_bow.hpp"
#include "text_fields.hpp"

namespace strata {
using io_detail::ends_with;

InputFormat parse_input_format(const std::string& name, TextFormat& text_format) {
  if (name == "auto") return InputFormat::Auto;
  if (name == "corpus") return InputFormat::Corpus;
  if (name == "mtx") return InputFormat::MatrixMarket;
  if (name == "svmlight" || name == "libsvm") return InputFormat::Svmlight;
  if (name == "uci") return InputFormat::Uci;
  if (name == "lines" || name == "tsv" || name == "dir" || name == "brown") {
    text_format = parse_text_format(name);
    return InputFormat::Text;
  }
  throw ArgumentError("format must be one of auto, corpus, mtx, svmlight, uci, lines, tsv, dir, brown (got '" + name +
                      "')");
}

InputFormat detect_input_format(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path, "no such file or directory");
  std::string p = path;
  if (ends_with(p, ".gz")) p.resize(p.size() - 3);
  const bool svmlight = ends_with(p, ".svm") || ends_with(p, ".svmlight") || ends_with(p, ".libsvm");
  const char* expected = ends_with(p, ".strata") ? "a corpus file"
                         : ends_with(p, ".mtx")  ? "a Matrix Market file"
                         : svmlight              ? "an svmlight file"
                         : is_uci_docword_name(path) ? "a UCI docword file"
                                                     : nullptr;
  if (std::filesystem::is_directory(path, ec)) {
    // A directory of text files is a corpus, but not one named like a matrix file.
    if (expected) throw InputError(path, std::string("is a directory, expected ") + expected + " (by its name)");
    return InputFormat::Text;
  }
  require_regular_file(path);  // a FIFO or device would block or never end
  if (is_corpus_file(path)) return InputFormat::Corpus;
  if (ends_with(p, ".strata")) return InputFormat::Corpus;  // a bad magic is then reported by the reader
  if (ends_with(p, ".mtx")) return InputFormat::MatrixMarket;
  if (svmlight) return InputFormat::Svmlight;
  if (is_uci_docword_name(path)) return InputFormat::Uci;
  return InputFormat::Text;
}

SparseView InputMatrix::matrix() const { return mapped ? mapped->matrix() : corpus.matrix.view(); }

InputMatrix open_input(const std::string& path, const LoadOptions& options, const ProgressCallback& progress) {
  const InputFormat format = options.format == InputFormat::Auto ? detect_input_format(path) : options.format;
  InputMatrix in;
  if (format == InputFormat::Corpus) {
    auto file = std::make_shared<const MappedCorpusFile>(path);
    in.corpus = file->metadata();
    in.mapped = std::move(file);
  } else {
    in.corpus = load_corpus(path, options, progress);
  }
  return in;
}

Corpus load_corpus(const std::string& path, const LoadOptions& options, const ProgressCallback& progress) {
  InputFormat format = options.format == InputFormat::Auto ? detect_input_format(path) : options.format;
  Corpus corpus;
  switch (format) {
    case InputFormat::Corpus:
      corpus = read_corpus_file(path);
      break;
    case InputFormat::MatrixMarket:
      corpus.matrix = read_matrix_market(path);
      break;
    case InputFormat::Svmlight: {
      SvmlightData d = read_svmlight(path);
      corpus.matrix = std::move(d.matrix);
      corpus.labels = std::move(d.labels);
      break;
    }
    case InputFormat::Uci:
      corpus = read_uci_bag_of_words(path);
      break;
    default:
      corpus = vectorize_file(path, options.text, options.vectorizer, progress);
      break;
  }
  return corpus;
}

}  // namespace strata
