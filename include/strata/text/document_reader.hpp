#pragma once
/// @file Streaming readers of raw text collections. Documents are delivered one
/// at a time so memory never holds the whole raw text (SPEC 3.1).
///
/// Formats:
///  - lines: one document per line (blank lines are empty documents, as a
///    Python `f.read().splitlines()`);
///  - tsv:   tab-separated columns; `text_column` (1-based) holds the text,
///           `label_column` and `id_column` (1-based, 0 = none) the label and id;
///  - dir:   a directory tree of text files, one document per file; the label
///           is the name of the file's sub-folder (relative to the root), the id
///           its relative path; files are visited in sorted path order;
///  - brown: the Brown corpus layout: files of `word/tag` tokens and a
///           `cats.txt` listing `fileid category`; tags are stripped.
/// Any file ending in `.gz` is decompressed on the fly.
#include <functional>
#include <string>
#include <string_view>

#include "strata/core/progress.hpp"

namespace strata {

enum class TextFormat { Auto, Lines, Tsv, Dir, Brown };

/// Parses "auto", "lines", "tsv", "dir", "brown"; throws ArgumentError otherwise.
TextFormat parse_text_format(const std::string& name);
std::string to_string(TextFormat format);

struct TextSourceOptions {
  TextFormat format = TextFormat::Auto;  ///< detected from the path when Auto
  int text_column = 0;   ///< tsv: 1-based text column; 0 = the last column
  int label_column = 0;  ///< tsv: 1-based label column; 0 = no labels
  int id_column = 0;     ///< tsv: 1-based document-id column; 0 = none
  bool header = false;   ///< tsv: skip the first line
};

struct Document {
  std::string_view text;
  std::string_view label;  ///< empty when unlabeled
  std::string_view id;     ///< empty when the format has no ids
};

/// Resolves TextFormat::Auto for `path`: a directory with `cats.txt` is brown,
/// another directory is dir, a `.tsv`/`.tsv.gz` file is tsv, any other file is
/// lines. Throws InputError if the path does not exist.
TextFormat detect_text_format(const std::string& path, TextFormat requested);

/// Calls `sink` for each document in order. Throws InputError naming the file
/// and line for malformed input (e.g. a TSV line without the text column).
/// Returns whether the source had labels.
bool read_documents(const std::string& path, const TextSourceOptions& options,
                    const std::function<void(const Document&)>& sink);

/// Reads a text file line by line (transparently gunzipping `.gz`); the view
/// passed to `on_line` excludes the line terminator ("\n" or "\r\n").
/// Throws InputError if the file is missing or unreadable.
void for_each_line(const std::string& path, const std::function<void(std::string_view line, long long number)>& on_line);

}  // namespace strata
