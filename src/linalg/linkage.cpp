#include "strata/linalg/linkage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "strata/core/error.hpp"

namespace strata {

DenseMatrix average_linkage_cophenetic(const DenseMatrix& distances) {
  const Index n = distances.rows();
  require_argument(distances.cols() == n, "distances", "a square matrix",
                   std::to_string(n) + " x " + std::to_string(distances.cols()));
  require_argument(distances.allFinite(), "distances", "finite values", "NaN or infinity");
  DenseMatrix d = distances;  // cluster-to-cluster distances, updated in place
  DenseMatrix cophenetic = DenseMatrix::Zero(n, n);
  std::vector<Index> size(static_cast<size_t>(n), 1);
  std::vector<char> active(static_cast<size_t>(n), 1);
  // Members of each cluster as a linked list: first, last, next.
  std::vector<Index> first(static_cast<size_t>(n)), last(static_cast<size_t>(n)), next(static_cast<size_t>(n), -1);
  for (Index i = 0; i < n; ++i) first[i] = last[i] = i;

  std::vector<Index> chain;
  chain.reserve(static_cast<size_t>(n));
  for (Index merges = 0; merges + 1 < n; ++merges) {
    if (chain.empty()) {
      Index start = 0;
      while (!active[start]) ++start;
      chain.push_back(start);
    }
    // Follow nearest neighbours until two clusters are each other's nearest.
    while (true) {
      const Index a = chain.back();
      const Index previous = chain.size() >= 2 ? chain[chain.size() - 2] : -1;
      // Prefer the previous element on ties so the chain always terminates.
      Index nearest = previous;
      double best = previous >= 0 ? d(a, previous) : std::numeric_limits<double>::infinity();
      for (Index c = 0; c < n; ++c)
        if (active[c] && c != a && d(a, c) < best) {
          best = d(a, c);
          nearest = c;
        }
      if (nearest == previous) break;
      chain.push_back(nearest);
    }
    const Index a = chain.back();
    chain.pop_back();
    const Index b = chain.back();
    chain.pop_back();
    const double height = d(a, b);
    for (Index x = first[a]; x >= 0; x = next[x])
      for (Index y = first[b]; y >= 0; y = next[y]) cophenetic(x, y) = cophenetic(y, x) = height;
    // a absorbs b.
    const double wa = static_cast<double>(size[a]), wb = static_cast<double>(size[b]);
    for (Index c = 0; c < n; ++c)
      if (active[c] && c != a && c != b) d(a, c) = d(c, a) = (wa * d(a, c) + wb * d(b, c)) / (wa + wb);
    size[a] += size[b];
    active[b] = 0;
    next[last[a]] = first[b];
    last[a] = last[b];
  }
  return cophenetic;
}

double cophenetic_correlation(const DenseMatrix& distances) {
  const Index n = distances.rows();
  require_argument(n >= 2, "distances", "at least 2 points", std::to_string(n));
  const DenseMatrix c = average_linkage_cophenetic(distances);
  // Two passes (means, then centred sums) keep the correlation accurate when
  // the distances cluster tightly around their mean.
  double mean_d = 0, mean_c = 0, lowest = distances(0, 1), highest = lowest;
  const double pairs = 0.5 * static_cast<double>(n) * static_cast<double>(n - 1);
  for (Index j = 1; j < n; ++j)
    for (Index i = 0; i < j; ++i) {
      mean_d += distances(i, j);
      lowest = std::min(lowest, distances(i, j));
      highest = std::max(highest, distances(i, j));
      mean_c += c(i, j);
    }
  mean_d /= pairs;
  mean_c /= pairs;
  double cov = 0, vd = 0, vc = 0;
  for (Index j = 1; j < n; ++j)
    for (Index i = 0; i < j; ++i) {
      const double x = distances(i, j) - mean_d, y = c(i, j) - mean_c;
      cov += x * y;
      vd += x * x;
      vc += y * y;
    }
  if (lowest == highest) return 1.0;  // every distance equal: represented exactly
  if (vc == 0.0) return 0.0;
  return cov / std::sqrt(vd * vc);
}

}  // namespace strata
