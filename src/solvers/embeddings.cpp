#include "strata/solvers/embeddings.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "strata/core/error.hpp"
#include "strata/parallel/threads.hpp"
#include "strata/solvers/nmf.hpp"
#include "strata/solvers/svd.hpp"

namespace strata {

SparseMatrix positive_pmi(const SparseView& counts, const PmiOptions& options, int threads) {
  require_argument(options.smoothing > 0.0 && options.smoothing <= 1.0, "smoothing", "in (0, 1]",
                   std::to_string(options.smoothing));
  require_argument(options.shift >= 1.0 && std::isfinite(options.shift), "shift", ">= 1 (a number of negative samples)",
                   std::to_string(options.shift));
  require_nonnegative_finite(counts, "<co-occurrence counts>");
  threads = resolve_threads(threads);

  // Row sums #(w) and smoothed context probabilities P_a(c).
  std::vector<double> row_sum(static_cast<std::size_t>(counts.rows), 0.0);
  std::vector<double> col_sum(static_cast<std::size_t>(counts.cols), 0.0);
  for (Index i = 0; i < counts.rows; ++i)
    for (Index p = counts.row_begin(i); p < counts.row_end(i); ++p) {
      row_sum[i] += counts.data[p];
      col_sum[counts.indices[p]] += counts.data[p];
    }
  double smoothed_total = 0.0;
  for (double& c : col_sum) {
    c = c > 0.0 ? std::pow(c, options.smoothing) : 0.0;
    smoothed_total += c;
  }
  const double log_shift = std::log(options.shift);

  // Each stored count becomes PMI - log(shift); non-positive values are
  // dropped afterwards (compaction is one serial pass over the nonzeros).
  SparseMatrix out;
  out.rows = counts.rows;
  out.cols = counts.cols;
  out.indptr.assign(static_cast<std::size_t>(counts.rows) + 1, 0);
  std::vector<double> value(static_cast<std::size_t>(counts.nnz()));
#pragma omp parallel for schedule(dynamic, 256) num_threads(threads_for(threads, 20.0 * counts.nnz()))
  for (Index i = 0; i < counts.rows; ++i)
    for (Index p = counts.row_begin(i); p < counts.row_end(i); ++p) {
      const double c = counts.data[p];
      value[p] = c > 0.0 ? std::log(c * smoothed_total / (row_sum[i] * col_sum[counts.indices[p]])) - log_shift : 0.0;
    }
  out.indices.reserve(value.size());
  out.data.reserve(value.size());
  for (Index i = 0; i < counts.rows; ++i) {
    for (Index p = counts.row_begin(i); p < counts.row_end(i); ++p)
      if (value[p] > 0.0) {
        out.indices.push_back(counts.indices[p]);
        out.data.push_back(value[p]);
      }
    out.indptr[i + 1] = static_cast<Index>(out.indices.size());
  }
  return out;
}

EmbeddingMethod parse_embedding_method(const std::string& name) {
  if (name == "svd") return EmbeddingMethod::Svd;
  if (name == "nmf") return EmbeddingMethod::Nmf;
  throw ArgumentError("method must be svd or nmf (got " + name + ")");
}

std::string to_string(EmbeddingMethod m) { return m == EmbeddingMethod::Svd ? "svd" : "nmf"; }

EmbeddingResult embed_cooccurrence(const SparseView& counts, const EmbeddingOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const Index smaller = std::min(counts.rows, counts.cols);
  require_argument(options.dim >= 1 && options.dim < smaller, "dim",
                   "in [1, " + std::to_string(smaller - 1) + "] (below the number of words and contexts)",
                   std::to_string(options.dim));
  require_argument(options.eig >= 0.0 && options.eig <= 1.0, "eig", "in [0, 1]", std::to_string(options.eig));
  const int threads = resolve_threads(options.threads);
  const SparseMatrix pmi = positive_pmi(counts, options.pmi, threads);

  EmbeddingResult r;
  r.pmi_nnz = pmi.nnz();
  if (options.method == EmbeddingMethod::Svd) {
    SvdOptions svd;
    svd.k = options.dim;
    svd.tol = options.tol;
    svd.seed = options.seed;
    svd.threads = threads;
    const TruncatedSvdResult s = truncated_svd(pmi.view(), svd);
    const DenseVector weight = s.s.array().pow(options.eig).matrix();
    r.vectors = s.U * weight.asDiagonal();
    if (options.add_context && counts.rows == counts.cols) r.vectors += s.V * weight.asDiagonal();
    r.singular_values = s.s;
  } else {
    NmfOptions nmf_options;
    nmf_options.k = options.dim;
    nmf_options.max_iter = options.nmf_iterations;
    nmf_options.seed = options.seed;
    nmf_options.threads = threads;
    r.vectors = nmf(pmi.view(), nmf_options).W;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

double cosine_similarity(const DenseMatrix& vectors, Index a, Index b) {
  const double na = vectors.row(a).norm(), nb = vectors.row(b).norm();
  if (na == 0.0 || nb == 0.0) return 0.0;
  return vectors.row(a).dot(vectors.row(b)) / (na * nb);
}

std::vector<SimilarityJudgement> read_similarity_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open the similarity file");
  std::vector<SimilarityJudgement> out;
  std::string line;
  std::int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::istringstream fields(line);
    SimilarityJudgement j;
    std::string score;
    if (!(fields >> j.a)) continue;  // blank line
    if (j.a[0] == '#') continue;
    if (!(fields >> j.b >> score))
      throw InputError(path, "expected 'word1 word2 score'", line_no);
    char* end = nullptr;
    j.score = std::strtod(score.c_str(), &end);
    if (end == score.c_str() || *end != '\0' || !std::isfinite(j.score))
      throw InputError(path, "the score '" + score + "' is not a finite number", line_no);
    out.push_back(std::move(j));
  }
  if (in.bad()) throw InputError(path, "cannot read the similarity file");
  return out;
}

namespace {

// Average ranks (1-based), ties sharing the mean of their positions.
std::vector<double> average_ranks(const std::vector<double>& x) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> rank(x.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    const double r = 0.5 * static_cast<double>(i + j) + 1.0;
    for (std::size_t t = i; t <= j; ++t) rank[order[t]] = r;
    i = j + 1;
  }
  return rank;
}

}  // namespace

double spearman_correlation(const std::vector<double>& x, const std::vector<double>& y) {
  require_argument(x.size() == y.size(), "spearman_correlation inputs", "of equal length",
                   std::to_string(x.size()) + " and " + std::to_string(y.size()));
  const std::size_t n = x.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
  const double mean = 0.5 * static_cast<double>(n + 1);
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  if (sxx == 0.0 || syy == 0.0) return std::numeric_limits<double>::quiet_NaN();
  return sxy / std::sqrt(sxx * syy);
}

SimilarityEvaluation evaluate_similarity(const DenseMatrix& vectors, const std::vector<std::string>& vocabulary,
                                         const std::vector<SimilarityJudgement>& judgements) {
  require_argument(static_cast<Index>(vocabulary.size()) == vectors.rows(), "vocabulary", "one word per vector row",
                   std::to_string(vocabulary.size()) + " words for " + std::to_string(vectors.rows()) + " rows");
  std::unordered_map<std::string, Index> index;
  for (std::size_t i = 0; i < vocabulary.size(); ++i) index.emplace(vocabulary[i], static_cast<Index>(i));
  std::vector<double> cosines, scores;
  for (const auto& j : judgements) {
    const auto a = index.find(j.a), b = index.find(j.b);
    if (a == index.end() || b == index.end()) continue;
    cosines.push_back(cosine_similarity(vectors, a->second, b->second));
    scores.push_back(j.score);
  }
  SimilarityEvaluation e;
  e.pairs_total = static_cast<Index>(judgements.size());
  e.pairs_used = static_cast<Index>(cosines.size());
  e.spearman = spearman_correlation(cosines, scores);
  return e;
}

}  // namespace strata
