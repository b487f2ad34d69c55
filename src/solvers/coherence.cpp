#include "strata/solvers/coherence.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <unordered_map>

#include "strata/core/error.hpp"
#include "strata/parallel/threads.hpp"

namespace strata {

std::vector<std::vector<Index>> top_term_indices(const DenseMatrix& topics, int top) {
  require_argument(top >= 1, "top", ">= 1", std::to_string(top));
  std::vector<std::vector<Index>> out(static_cast<size_t>(topics.rows()));
  std::vector<Index> order(static_cast<size_t>(topics.cols()));
  for (Index t = 0; t < topics.rows(); ++t) {
    std::iota(order.begin(), order.end(), Index{0});
    const size_t n = std::min<size_t>(static_cast<size_t>(top), order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                      [&](Index a, Index b) { return topics(t, a) > topics(t, b) || (topics(t, a) == topics(t, b) && a < b); });
    for (size_t i = 0; i < n && topics(t, order[i]) > 0; ++i) out[static_cast<size_t>(t)].push_back(order[i]);
  }
  return out;
}

std::vector<double> npmi_coherence(const SparseView& X, const std::vector<std::vector<Index>>& topics, int threads) {
  // The documents of every term that some topic names, in increasing order.
  std::unordered_map<Index, std::vector<Index>> documents_of;
  for (const auto& terms : topics)
    for (Index w : terms) {
      require_argument(w >= 0 && w < X.cols, "topic term", "in [0, " + std::to_string(X.cols) + ")", std::to_string(w));
      documents_of.emplace(w, std::vector<Index>{});
    }
  for (Index i = 0; i < X.rows; ++i)
    for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p)
      if (X.data[p] != 0.0) {
        const auto it = documents_of.find(X.indices[p]);
        if (it != documents_of.end()) it->second.push_back(i);
      }
  const double n = static_cast<double>(std::max<Index>(X.rows, 1));
  constexpr double epsilon = 1e-12;  // gensim's EPSILON
  std::vector<double> out(topics.size(), 0.0);
  const int team = topics.size() < 4 ? 1 : resolve_threads(threads);
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
  for (std::ptrdiff_t t = 0; t < static_cast<std::ptrdiff_t>(topics.size()); ++t) {
    const auto& terms = topics[static_cast<size_t>(t)];
    double sum = 0.0;
    long long pairs = 0;
    for (size_t a = 0; a < terms.size(); ++a)
      for (size_t b = a + 1; b < terms.size(); ++b) {
        const auto& da = documents_of.at(terms[a]);
        const auto& db = documents_of.at(terms[b]);
        Index both = 0;
        for (size_t i = 0, j = 0; i < da.size() && j < db.size();) {
          if (da[i] < db[j]) ++i;
          else if (db[j] < da[i]) ++j;
          else { ++both; ++i; ++j; }
        }
        const double p_ab = static_cast<double>(both) / n;
        const double p_a = static_cast<double>(da.size()) / n, p_b = static_cast<double>(db.size()) / n;
        // A term in no document makes P(w) = 0: gensim's log ratio is then
        // infinite; count the pair as never meeting (-1) instead.
        sum += p_a > 0 && p_b > 0 ? std::log((p_ab + epsilon) / (p_a * p_b)) / -std::log(p_ab + epsilon) : -1.0;
        ++pairs;
      }
    out[static_cast<size_t>(t)] = pairs > 0 ? sum / static_cast<double>(pairs) : 0.0;
  }
  return out;
}

}  // namespace strata
