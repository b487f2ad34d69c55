#pragma once
/// @file Stop-word lists.
#include <string>
#include <vector>

namespace strata {

/// scikit-learn's English stop-word list (318 words), sorted.
const std::vector<std::string>& english_stop_words();

/// Resolves a stop-word specification: "english", "none" (or ""), or the path of
/// a file with one word per line (blank lines and lines starting with '#' ignored).
/// Throws InputError if the file cannot be read.
std::vector<std::string> resolve_stop_words(const std::string& spec);

}  // namespace strata
