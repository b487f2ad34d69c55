#pragma once
/// @file The one entry point every command uses to obtain a matrix: a corpus
/// file, a matrix file (Matrix Market, svmlight, UCI bag-of-words) or raw
/// text vectorized on the fly with the shared reading options.
#include <memory>
#include <string>

#include "strata/core/corpus.hpp"
#include "strata/core/progress.hpp"
#include "strata/text/document_reader.hpp"
#include "strata/text/vectorizer.hpp"

namespace strata {

enum class InputFormat { Auto, Corpus, MatrixMarket, Svmlight, Uci, Text };

/// Parses "auto", "corpus", "mtx", "svmlight", "uci", or a text format
/// ("lines", "tsv", "dir", "brown", which set `text_format`). Throws ArgumentError.
InputFormat parse_input_format(const std::string& name, TextFormat& text_format);

struct LoadOptions {
  InputFormat format = InputFormat::Auto;
  TextSourceOptions text;         ///< used when the input is raw text
  VectorizerOptions vectorizer;   ///< used when the input is raw text
};

/// Detects the format of `path` (when Auto): corpus-file magic bytes, then the
/// extension (.mtx[.gz], .svm/.svmlight/.libsvm, docword.*), else raw text.
InputFormat detect_input_format(const std::string& path);

/// A loaded input for a solver: a corpus file's matrix stays in its memory
/// mapping (no copy: peak memory is one matrix, not two); any other input is
/// read into `corpus.matrix`.
class MappedCorpusFile;

struct InputMatrix {
  Corpus corpus;  ///< names, labels, idf, weighting; its matrix is empty when mapped
  std::shared_ptr<const MappedCorpusFile> mapped;
  SparseView matrix() const;
};

/// Opens `path` for a solver (see InputMatrix). Throws InputError as load_corpus.
InputMatrix open_input(const std::string& path, const LoadOptions& options = {}, const ProgressCallback& progress = {});

/// Loads `path` into a Corpus. Throws InputError naming the file on malformed input.
Corpus load_corpus(const std::string& path, const LoadOptions& options = {}, const ProgressCallback& progress = {});

}  // namespace strata
