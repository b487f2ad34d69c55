#pragma once
/// @file The UCI bag-of-words pair: `docword.NAME.txt` (three header lines D, W,
/// NNZ, then `docID wordID count` triples, 1-based) and `vocab.NAME.txt` (one
/// word per line, W lines). https://archive.ics.uci.edu/dataset/164/bag+of+words
#include <string>

#include "strata/core/corpus.hpp"

namespace strata {

/// Reads a UCI docword file (optionally `.gz`) and its vocabulary. When
/// `vocab_path` is empty it is derived from the docword name
/// (`docword.X.txt` -> `vocab.X.txt` in the same directory) and is optional.
/// Throws InputError naming the file and line for a bad header, an index out
/// of range, a non-integer or negative count, a NNZ that disagrees with the
/// entries (or is impossible for the file size), or a vocabulary whose line
/// count differs from W.
Corpus read_uci_bag_of_words(const std::string& docword_path, const std::string& vocab_path = "");

/// True if the file name looks like a UCI docword file (`docword.*`).
bool is_uci_docword_name(const std::string& path);

}  // namespace strata
