#include "strata/io/predict_model.hpp"

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "strata/core/error.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/io/npy.hpp"
#include "strata/parallel/threads.hpp"
#include "strata/solvers/hnmf.hpp"
#include "strata/solvers/ssnmf.hpp"
#include "strata/text/document_reader.hpp"
#include "json_fields.hpp"

namespace strata {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

DenseMatrix read_matrix(const std::string& path) {
  const NpyArray a = read_npy(path);
  if (a.shape.size() != 2) throw InputError(path, "expected a 2-d array");
  return Eigen::Map<const DenseMatrix>(a.values.data(), a.rows(), a.cols());
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> out;
  for_each_line(path, [&](std::string_view line, long long) { out.emplace_back(line); });
  return out;
}

/// The most frequent non-empty line of labels.txt (the labels the fit saw), as a class index; 0 if absent.
std::int32_t majority_class(const std::string& dir, const std::vector<std::string>& classes) {
  const fs::path p = fs::path(dir) / "labels.txt";
  if (!fs::exists(p)) return 0;
  std::vector<Index> count(classes.size(), 0);
  for (const std::string& l : read_lines(p.string())) {
    const auto it = std::lower_bound(classes.begin(), classes.end(), l);
    if (!l.empty() && it != classes.end() && *it == l) ++count[static_cast<size_t>(it - classes.begin())];
  }
  return static_cast<std::int32_t>(std::max_element(count.begin(), count.end()) - count.begin());
}

}  // namespace

PredictionModel load_prediction_model(const std::string& dir) {
  const std::string model_path = (fs::path(dir) / "model.json").string();
  const json j = json::parse(read_model_json(dir), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw InputError(model_path, "not valid JSON");
  PredictionModel m;
  m.kind = io_detail::json_string_or(j, "kind", model_path, "");
  const std::string b_path = (fs::path(dir) / "B.npy").string();
  const std::string classes_path = (fs::path(dir) / "classes.txt").string();
  if (m.kind == "ssnmf") {
    m.text = load_nmf_model(dir);
  } else if (m.kind == "hnmf") {
    if (!fs::exists(b_path))
      throw InputError(model_path, "a hierarchical model fit without labels (no B.npy): it does not classify");
    const std::vector<int> ranks = io_detail::json_int_array(io_detail::json_member(j, "parameters", model_path),
                                                             "ranks", model_path, 1, std::numeric_limits<int>::max());
    if (ranks.empty()) throw InputError(model_path, "no ranks");
    m.text.kind = "hnmf";
    m.text.H = read_matrix((fs::path(dir) / "H_0.npy").string());
    m.text.options.k = static_cast<int>(m.text.H.rows());
    for (size_t l = 1; l < ranks.size(); ++l) {
      const std::string p = (fs::path(dir) / ("M_" + std::to_string(l) + ".npy")).string();
      DenseMatrix M = read_matrix(p);
      const Index prev = l == 1 ? m.text.H.rows() : m.mixing.back().rows();
      if (M.cols() != prev) throw InputError(p, "expected " + std::to_string(prev) + " columns");
      m.mixing.push_back(std::move(M));
    }
    const fs::path vocab = fs::path(dir) / "vocabulary.txt";
    if (fs::exists(vocab)) {
      m.text.vocabulary = read_lines(vocab.string());
      if (static_cast<Index>(m.text.vocabulary.size()) != m.text.H.cols())
        throw InputError(vocab.string(), "has " + std::to_string(m.text.vocabulary.size()) + " terms but H_0 has " +
                                             std::to_string(m.text.H.cols()) + " columns");
    }
  } else {
    throw InputError(model_path, "kind is '" + m.kind + "': strata predict reads models written by strata ssnmf, "
                                 "or strata hnmf with labels");
  }
  m.B = read_matrix(b_path);
  m.classes = read_lines(classes_path);
  const Index k_last = m.mixing.empty() ? m.text.H.rows() : m.mixing.back().rows();
  if (m.B.rows() != k_last) throw InputError(b_path, "expected " + std::to_string(k_last) + " rows");
  if (static_cast<Index>(m.classes.size()) != m.B.cols())
    throw InputError(classes_path, "has " + std::to_string(m.classes.size()) + " classes but B has " +
                                       std::to_string(m.B.cols()) + " columns");
  m.fallback = majority_class(dir, m.classes);
  return m;
}

Predictions predict_documents(const SparseView& X, const PredictionModel& m, int threads) {
  threads = resolve_threads(threads);
  require_nonnegative_finite(X, "<matrix>");
  DenseMatrix W;
  if (m.kind == "hnmf") {
    std::vector<DenseMatrix> factors{m.text.H};
    factors.insert(factors.end(), m.mixing.begin(), m.mixing.end());
    W = std::move(hnmf_forward(X, factors, threads).back());
  } else {
    W = fold_in(X, m.text, threads);
  }
  Predictions p;
  p.scores = ssnmf_scores(W, m.B);
  p.codes = ssnmf_predict(W, m.B, m.fallback);
  return p;
}

}  // namespace strata
