#pragma once
/// @file The UCI bag-of-words pair: `docword.NAME.txt` (three header lines D, W,
/// NNZ, then `docID wordID count` triples, 1-based) and `vocab.NAME.txt` (one
/// word per line, W lines). https://archive.ics.uci.edu/dataset/164/bag+of+words
#include <string>

#include "strata/core/corpus.hpp"

namespace strata {

/// Reads a UCI docword file (optionally `.gz`) and its vocabulary into a
/// Corpus with `weighting = "count"`. When `vocab_path` is empty it is derived
/// from the docword name (`docword.X.txt[.gz]` -> `vocab.X.txt`, else
/// `vocab.X.txt.gz`, in the same directory) and is optional; a given path must
/// exist. Duplicate entries are summed and zero counts skipped.
/// Throws InputError naming the file and line for a bad header (three lines
/// D, W, NNZ, each a nonnegative integer), an index out of range, a
/// non-integer or negative count, fewer or more entries than NNZ, an NNZ or
/// D/W impossible for the file size (checked before allocating, as in
/// read_matrix_market), or a vocabulary whose number of terms differs from W
/// (trailing blank lines are ignored; an empty term inside is an error).
Corpus read_uci_bag_of_words(const std::string& docword_path, const std::string& vocab_path = "");

/// True if the file name (not the directory) looks like a UCI docword file
/// (`docword.*`).
bool is_uci_docword_name(const std::string& path);

}  // namespace strata
