// strata info FILE: shape, nonzeros, density, vocabulary and labels of any input.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common.hpp"

namespace strata::cli {

void register_info(CLI::App& app) {
  struct Args {
    std::string input;
    bool json = false;
    int top = 10;
    CommonOptions common;
    InputOptions reading;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("info", "Describe a corpus or matrix file (or text, vectorized on the fly)");
  cmd->add_option("INPUT", args->input, "Corpus file, .mtx, svmlight, UCI docword, or text")->required();
  cmd->add_flag("--json", args->json, "Print JSON instead of text");
  cmd->add_option("--top", args->top, "Number of most frequent terms to show")->capture_default_str();
  add_input_options(*cmd, args->reading);
  add_common_options(*cmd, args->common);
  cmd->callback([args] {
    const Corpus corpus = load_input(args->input, args->reading, args->common);
    const CorpusSummary s = summarize(corpus, args->top);
    if (args->json) {
      nlohmann::ordered_json j;
      j["path"] = args->input;
      j["rows"] = s.rows;
      j["cols"] = s.cols;
      j["nnz"] = s.nnz;
      j["density"] = s.density;
      j["empty_rows"] = s.empty_rows;
      j["empty_cols"] = s.empty_cols;
      j["min_value"] = s.min_value;
      j["max_value"] = s.max_value;
      j["weighting"] = s.weighting;
      j["vocabulary"] = s.has_vocabulary;
      j["top_terms"] = nlohmann::ordered_json::array();
      for (const auto& [t, df] : s.top_terms) j["top_terms"].push_back({{"term", t}, {"documents", df}});
      j["labels"] = nlohmann::ordered_json::object();
      for (const auto& [l, c] : s.label_counts) j["labels"][l] = c;
      if (s.cooccurrence_nnz >= 0) j["cooccurrence"] = {{"window", s.window}, {"nnz", s.cooccurrence_nnz}};
      std::printf("%s\n", j.dump(2).c_str());
      return;
    }
    std::printf("%s\n", args->input.c_str());
    std::printf("  shape       %lld documents x %lld terms\n", (long long)s.rows, (long long)s.cols);
    std::printf("  nonzeros    %lld (density %.3g)\n", (long long)s.nnz, s.density);
    std::printf("  empty       %lld rows, %lld columns\n", (long long)s.empty_rows, (long long)s.empty_cols);
    std::printf("  values      min %.6g, max %.6g (weighting: %s)\n", s.min_value, s.max_value, s.weighting.c_str());
    if (s.has_vocabulary) {
      std::printf("  top terms  ");
      for (const auto& [t, df] : s.top_terms) std::printf(" %s(%lld)", t.c_str(), (long long)df);
      std::printf("\n");
    } else {
      std::printf("  vocabulary  none\n");
    }
    if (!s.label_counts.empty()) {
      std::printf("  labels      %zu distinct:", s.label_counts.size());
      for (const auto& [l, c] : s.label_counts) std::printf(" %s=%lld", l.empty() ? "(none)" : l.c_str(), (long long)c);
      std::printf("\n");
    }
    if (s.cooccurrence_nnz >= 0)
      std::printf("  co-occurrence window %d, %lld nonzeros\n", s.window, (long long)s.cooccurrence_nnz);
  });
}

}  // namespace strata::cli
