// strata topics DIR: the top terms of each topic of a fitted model.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "strata/io/atomic_file.hpp"
#include "strata/io/hnmf_model.hpp"
#include "strata/io/nmf_model.hpp"

namespace strata::cli {

void register_topics(CLI::App& app) {
  struct Args {
    std::string dir;
    int top = 10;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("topics", "Print the top terms of each topic of a model directory");
  cmd->add_option("DIR", a->dir, "Model directory written by strata nmf")->required();
  cmd->add_option("--top", a->top, "Terms per topic")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->callback([a] {
    if (is_hnmf_model(a->dir))  // a hierarchy: its tree (tree.json with --json)
      return void(std::printf("%s", a->json ? read_text_file(a->dir + "/tree.json").c_str()
                                            : format_topic_tree(a->dir, a->top).c_str()));
    const NmfModel m = load_nmf_model(a->dir);
    const auto topics = top_terms(m.H, m.vocabulary, a->top);
    if (a->json) {
      nlohmann::ordered_json j = nlohmann::ordered_json::array();
      for (size_t t = 0; t < topics.size(); ++t) {
        nlohmann::ordered_json terms = nlohmann::ordered_json::array();
        for (const auto& [term, w] : topics[t].terms) terms.push_back({{"term", term}, {"weight", w}});
        j.push_back({{"topic", t}, {"terms", terms}});
      }
      std::printf("%s\n", j.dump(2).c_str());
      return;
    }
    for (size_t t = 0; t < topics.size(); ++t) {
      std::printf("topic %2zu:", t);
      for (const auto& [term, w] : topics[t].terms) std::printf(" %s", term.c_str());
      std::printf("\n");
    }
  });
}

}  // namespace strata::cli
