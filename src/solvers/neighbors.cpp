#include "strata/solvers/neighbors.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "strata/core/error.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/io/npy.hpp"
#include "strata/parallel/threads.hpp"
#include "strata/text/document_reader.hpp"

namespace strata {
namespace fs = std::filesystem;

std::vector<Neighbor> nearest_by_cosine(const DenseMatrix& vectors, const double* query, int top, Index exclude,
                                        int threads) {
  require_argument(top >= 1, "top", ">= 1", std::to_string(top));
  const Index n = vectors.rows(), k = vectors.cols();
  const Eigen::Map<const Eigen::VectorXd> q(query, k);
  const double qn = q.norm();
  std::vector<double> cosine(static_cast<size_t>(n), -2.0);  // -2 marks rows that cannot be neighbours
  threads = threads_for(resolve_threads(threads), 2.0 * static_cast<double>(n) * k);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (Index i = 0; i < n; ++i) {
    const double rn = vectors.row(i).norm();
    if (i != exclude && rn > 0 && qn > 0) cosine[i] = vectors.row(i).dot(q) / (rn * qn);
  }
  std::vector<Index> order;
  for (Index i = 0; i < n; ++i)
    if (cosine[i] > -2.0) order.push_back(i);
  const size_t m = std::min<size_t>(static_cast<size_t>(top), order.size());
  std::partial_sort(order.begin(), order.begin() + m, order.end(),
                    [&](Index a, Index b) { return cosine[a] != cosine[b] ? cosine[a] > cosine[b] : a < b; });
  std::vector<Neighbor> out;
  for (size_t r = 0; r < m; ++r) out.push_back({order[r], cosine[order[r]]});
  return out;
}

LatentSpace load_latent_space(const std::string& dir) {
  const std::string model_path = (fs::path(dir) / "model.json").string();
  const auto j = nlohmann::json::parse(read_model_json(dir), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw InputError(model_path, "not valid JSON");
  const auto kind_field = j.find("kind");
  if (kind_field != j.end() && !kind_field->is_string())
    throw InputError(model_path, "field 'kind' must be a string (got " + kind_field->dump().substr(0, 40) + ")");
  const std::string kind = kind_field == j.end() ? std::string() : kind_field->get<std::string>();
  const bool embedding = kind == "word_embedding" || kind == "graph_embedding";
  if (kind != "svd" && kind != "pca" && !embedding)
    throw InputError(model_path, "kind is '" + kind +
                                     "'; neighbours need a model written by strata svd, embed-words or embed-graph");
  auto matrix = [&](const char* file) {
    const std::string path = (fs::path(dir) / file).string();
    const NpyArray a = read_npy(path);
    if (a.shape.size() != 2) throw InputError(path, "expected a 2-D array");
    return DenseMatrix(Eigen::Map<const DenseMatrix>(a.values.data(), a.rows(), a.cols()));
  };
  auto lines = [&](const char* file, Index expected, std::vector<std::string>& out) {
    const std::string path = (fs::path(dir) / file).string();
    std::error_code ec;
    if (!fs::exists(path, ec)) return;
    for_each_line(path, [&](std::string_view line, long long) { out.emplace_back(line); });
    if (static_cast<Index>(out.size()) != expected)
      throw InputError(path, "has " + std::to_string(out.size()) + " lines, expected " + std::to_string(expected));
  };
  LatentSpace space;
  if (embedding) {  // word or node vectors: the "terms" of the space
    space.terms = matrix("vectors.npy");
    lines(kind == "word_embedding" ? "vocab.txt" : "nodes.txt", space.terms.rows(), space.vocabulary);
    return space;
  }
  space.documents = matrix("document_vectors.npy");
  const DenseMatrix components = matrix("components.npy");  // k x m, rows of V^T
  const std::string s_path = (fs::path(dir) / "singular_values.npy").string();
  const NpyArray s = read_npy(s_path);
  if (static_cast<Index>(s.values.size()) != components.rows() || components.rows() != space.documents.cols())
    throw InputError(s_path, "singular values, components and document vectors disagree on k");
  space.terms = components.transpose() * Eigen::Map<const Eigen::VectorXd>(s.values.data(), s.values.size()).asDiagonal();
  lines("vocabulary.txt", space.terms.rows(), space.vocabulary);
  lines("labels.txt", space.documents.rows(), space.labels);
  return space;
}

}  // namespace strata
