// strata neighbors DIR --document N | --term WORD: nearest documents or terms
// by cosine in the latent space of a strata svd model (LSA).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "strata/core/error.hpp"
#include "strata/solvers/neighbors.hpp"

namespace strata::cli {

void register_neighbors(CLI::App& app) {
  struct Args {
    std::string dir, term;
    long long document = -1;
    int top = 10;
    bool json = false;
    CommonOptions common;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("neighbors", "Nearest documents or terms by cosine in an SVD (LSA) model's space");
  cmd->add_option("DIR", a->dir, "Model directory written by strata svd")->required();
  auto* doc = cmd->add_option("--document", a->document, "0-based document row: its nearest documents");
  auto* term = cmd->add_option("--term", a->term, "A vocabulary term: its nearest terms");
  doc->excludes(term);
  cmd->add_option("--top", a->top, "Number of neighbours")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--json", a->json, "Print JSON");
  add_common_options(*cmd, a->common);
  cmd->callback([a, doc, term] {
    if (doc->count() == 0 && term->count() == 0) throw ArgumentError("give --document N or --term WORD");
    const LatentSpace space = load_latent_space(a->dir);
    const bool by_term = term->count() > 0;
    const DenseMatrix& vectors = by_term ? space.terms : space.documents;
    Index query = a->document;
    if (by_term) {
      if (space.vocabulary.empty()) throw InputError(a->dir, "the model has no vocabulary.txt: use --document");
      const auto it = std::find(space.vocabulary.begin(), space.vocabulary.end(), a->term);
      if (it == space.vocabulary.end()) throw ArgumentError("term '" + a->term + "' is not in the model's vocabulary");
      query = it - space.vocabulary.begin();
    } else {
      require_argument(query >= 0 && query < vectors.rows(), "document",
                       "in [0, " + std::to_string(vectors.rows()) + ")", std::to_string(query));
    }
    const auto found = nearest_by_cosine(vectors, vectors.row(query).data(), a->top, query, a->common.threads);
    auto name = [&](Index i) {
      if (by_term) return space.vocabulary[i];
      return std::to_string(i) + (space.labels.empty() ? "" : " (" + space.labels[i] + ")");
    };
    if (a->json) {
      nlohmann::ordered_json j = nlohmann::ordered_json::array();
      for (const auto& n : found) {
        nlohmann::ordered_json row = {{"index", n.index}, {"cosine", n.cosine}};
        if (by_term) row["term"] = space.vocabulary[n.index];
        else if (!space.labels.empty()) row["label"] = space.labels[n.index];
        j.push_back(row);
      }
      std::printf("%s\n", j.dump(2).c_str());
      return;
    }
    std::printf("nearest to %s:\n", name(query).c_str());
    for (const auto& n : found) std::printf("  %.4f  %s\n", n.cosine, name(n.index).c_str());
  });
}

}  // namespace strata::cli
