#include "strata/text/stop_words.hpp"

#include "strata/text/document_reader.hpp"

namespace strata {

std::vector<std::string> resolve_stop_words(const std::string& spec) {
  if (spec.empty() || spec == "none") return {};
  if (spec == "english") return english_stop_words();
  std::vector<std::string> words;
  for_each_line(spec, [&](std::string_view line, long long) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty() && line.front() != '#') words.emplace_back(line);
  });
  return words;
}

}  // namespace strata
