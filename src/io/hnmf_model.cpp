#include "strata/io/hnmf_model.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>
#include <ostream>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/io/nmf_model.hpp"
#include "json_fields.hpp"

namespace strata {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

std::string hnmf_tree_json(const HnmfResult& r, const std::vector<std::string>& vocabulary, int top) {
  json tree;
  json ranks = json::array(), layers = json::array();
  const size_t L = r.layers.size() - 1;
  for (size_t l = 0; l <= L; ++l) {
    const HnmfLayer& layer = r.layers[l];
    ranks.push_back(layer.rank);
    const auto terms = top_terms(layer.H, vocabulary, top);
    const Eigen::VectorXd mass = layer.H.rowwise().sum();
    // Parent: the next layer's topic through which topic c is used most.
    std::vector<int> parent(static_cast<size_t>(layer.rank), -1);
    if (l < L) {
      const HnmfLayer& up = r.layers[l + 1];
      const Eigen::RowVectorXd usage = up.W.colwise().sum();
      for (int c = 0; c < layer.rank; ++c) {
        double best = 0.0;
        for (int t = 0; t < up.rank; ++t)
          if (usage[t] * up.mixing(t, c) > best) best = usage[t] * up.mixing(t, c), parent[c] = t;
      }
    }
    json topics = json::array();
    for (int t = 0; t < layer.rank; ++t) {
      json topic;
      topic["topic"] = t;
      topic["parent"] = parent[t] >= 0 ? json(parent[t]) : json(nullptr);
      json tt = json::array();
      for (const auto& [term, w] : terms[t].terms) tt.push_back({{"term", term}, {"weight", w}});
      topic["top_terms"] = tt;
      json children = json::array();
      if (l > 0 && mass[t] > 0) {
        const Eigen::VectorXd below = r.layers[l - 1].H.rowwise().sum();
        std::vector<std::pair<double, int>> shares;
        for (Index c = 0; c < layer.mixing.cols(); ++c) {
          const double share = layer.mixing(t, c) * below[c] / mass[t];
          if (share > 0) shares.emplace_back(share, static_cast<int>(c));
        }
        std::sort(shares.begin(), shares.end(), [](auto a, auto b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
        for (const auto& [share, c] : shares) children.push_back({{"topic", c}, {"weight", share}});
      }
      topic["children"] = children;
      topics.push_back(topic);
    }
    layers.push_back({{"layer", l}, {"rank", layer.rank}, {"topics", topics}});
  }
  tree["ranks"] = ranks;
  tree["layers"] = layers;
  return tree.dump(1);
}

void save_hnmf_model(const ModelOutput& output, const HnmfResult& r, const HnmfOptions& o, const Corpus& corpus,
                     const SparseView& X, const std::string& input_path, const LabelEncoding* labels, int top) {
  ModelDirectoryWriter w(output, "hnmf");
  for (size_t l = 0; l < r.layers.size(); ++l) {
    const HnmfLayer& layer = r.layers[l];
    const std::string s = std::to_string(l);
    w.write_matrix("W_" + s, layer.W.data(), layer.W.rows(), layer.W.cols());
    w.write_matrix("H_" + s, layer.H.data(), layer.H.rows(), layer.H.cols());
    if (l > 0) w.write_matrix("M_" + s, layer.mixing.data(), layer.mixing.rows(), layer.mixing.cols());
  }
  if (!corpus.vocabulary.empty()) w.write_vocabulary(corpus.vocabulary);
  if (labels != nullptr && r.B.size() > 0) {
    w.write_matrix("B", r.B.data(), r.B.rows(), r.B.cols());
    w.write_lines("classes.txt", labels->classes);
    std::vector<std::string> predicted;
    for (auto code : r.predicted) predicted.push_back(labels->name(code));
    w.write_lines("predicted_labels.txt", predicted);
  }
  const std::string tree = hnmf_tree_json(r, corpus.vocabulary, top);
  write_file_atomically(w.path("tree.json"), [&](std::ostream& os) { os << tree << "\n"; });
  json summary;
  summary["method"] = to_string(o.method);
  summary["loss_function"] = to_string(o.loss);
  summary["seconds"] = r.seconds;
  summary["epochs"] = r.epochs;
  summary["loss"] = r.loss;
  summary["status"] = to_string(r.status);
  if (labels != nullptr) {
    summary["lambda"] = r.lambda;
    summary["labeled_documents"] = labels->n_labeled();
  }
  json layers = json::array();
  for (size_t l = 0; l < r.layers.size(); ++l) {
    json e{{"layer", l}, {"rank", r.layers[l].rank}, {"relative_error", r.layers[l].relative_error}};
    if (labels != nullptr) e["accuracy"] = r.layers[l].accuracy;
    layers.push_back(e);
  }
  summary["layers"] = layers;
  if (o.auto_ranks) {
    // Ranks auto: the chosen ranks and, per layer tried, NMFk's curve (why).
    summary["selected_ranks"] = r.ranks;
    summary["selection_stop"] = to_string(r.selection_stop);
    json selection = json::array();
    for (const HnmfLayerSelection& s : r.rank_selection) {
      json curve = json::array();
      for (const RankPoint& p : s.curve)
        curve.push_back({{"k", p.k},
                         {"silhouette_min", {{"H", p.silhouette_min_H}, {"W", p.silhouette_min_W}}},
                         {"silhouette_mean", {{"H", p.silhouette_mean_H}, {"W", p.silhouette_mean_W}}},
                         {"relative_error", p.relative_error},
                         {"perturbed_error", p.perturbed_error},
                         {"seconds", p.seconds}});
      selection.push_back({{"layer", s.layer},
                           {"k_min", s.k_min},
                           {"k_max", s.k_max},
                           {"selected_k", s.selected_k},
                           {"status", to_string(s.status)},
                           {"added", s.added},
                           {"seconds", s.seconds},
                           {"curve", curve}});
    }
    summary["rank_selection"] = selection;
  }
  w.write_metrics(summary.dump(), r.history);
  json params;
  params["ranks"] = o.auto_ranks ? r.ranks : o.ranks;
  if (o.auto_ranks) {
    const HnmfRankSelection& s = o.selection;
    params["auto_ranks"] = true;
    params["selection"] = {{"k_min", s.k_min},
                           {"k_max", s.k_max},
                           {"max_layers", s.max_layers},
                           {"perturbations", s.perturbations},
                           {"epsilon", s.epsilon},
                           {"perturbation", to_string(s.perturbation)},
                           {"init", to_string(s.init)},
                           {"threshold", s.threshold},
                           {"min_error_gain", s.min_error_gain},
                           {"coefficients", to_string(s.coefficients)}};
  }
  params["method"] = to_string(o.method);
  params["loss"] = to_string(o.loss);
  params["optimizer"] = to_string(o.optimizer);
  params["epochs"] = o.epochs;
  params["learning_rate"] = o.learning_rate;
  params["lambda"] = o.lambda;
  params["supervised"] = labels != nullptr;
  params["layer_iter"] = o.layer_iter;
  params["tol"] = o.tol;
  params["seed"] = o.seed;
  params["threads"] = o.threads;
  json extra;
  extra["input"] = {{"path", input_path}, {"rows", X.rows}, {"cols", X.cols}, {"nnz", X.nnz()}};
  extra["tree"] = "tree.json";
  w.commit(params.dump(), extra.dump());
}

bool is_hnmf_model(const std::string& dir) {
  const json j = json::parse(read_model_json(dir), nullptr, false);
  return j.is_object() && j.contains("kind") && j["kind"].is_string() && j["kind"].get<std::string>() == "hnmf";
}

std::string format_topic_tree(const std::string& dir, int top) {
  const std::string path = (fs::path(dir) / "tree.json").string();
  const json tree = json::parse(read_text_file(path), nullptr, false);
  if (tree.is_discarded() || !tree.is_object()) throw InputError(path, "not valid JSON");
  std::string out;
  try {
    const json& layers = tree.at("layers");
    if (!layers.is_array() || layers.empty()) throw InputError(path, "no layers");
    const size_t L = layers.size() - 1;
    std::function<void(size_t, int, double, int)> show = [&](size_t l, int t, double weight, int depth) {
      const json& topic = layers[l].at("topics").at(static_cast<size_t>(t));
      std::string line(static_cast<size_t>(2 * depth), ' ');
      char head[64];
      if (weight >= 0) std::snprintf(head, sizeof head, "[%.2f] ", weight);
      else head[0] = '\0';
      line += head;
      line += "layer " + std::to_string(l) + " topic " + std::to_string(t) + ":";
      int shown = 0;
      for (const auto& term : topic.at("top_terms")) {
        if (shown++ >= top) break;
        line += " " + term.at("term").get<std::string>();
      }
      out += line + "\n";
      if (l == 0) return;
      // Sub-topics whose parent is this topic, heaviest first.
      for (const auto& child : topic.at("children")) {
        const int c = io_detail::json_int(child, "topic", path);
        const json& below = layers[l - 1].at("topics").at(static_cast<size_t>(c));
        if (below.at("parent").is_number() && io_detail::json_int(below, "parent", path) == t)
          show(l - 1, c, child.at("weight").get<double>(), depth + 1);
      }
    };
    for (size_t t = 0; t < layers[L].at("topics").size(); ++t) show(L, static_cast<int>(t), -1.0, 0);
    // Topics no super-topic uses (a zero column of M_{l+1}) would be missing above.
    for (size_t l = 0; l < L; ++l)
      for (const auto& topic : layers[l].at("topics"))
        if (!topic.at("parent").is_number()) {
          out += "(no super-topic)\n";
          show(l, io_detail::json_int(topic, "topic", path), -1.0, 1);
        }
  } catch (const json::exception& e) {
    throw InputError(path, std::string("malformed: ") + e.what());
  }
  return out;
}

}  // namespace strata
