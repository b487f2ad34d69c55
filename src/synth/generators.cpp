#include "strata/synth/generators.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"
#include "strata/text/stop_words.hpp"

namespace strata::synth {

namespace {

template <class T>
std::string str(const T& v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

int digits(Index v) {
  int d = 1;
  while (v >= 10) {
    v /= 10;
    ++d;
  }
  return d;
}

std::string padded(Index v, int width) {
  std::string s = std::to_string(v);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<std::size_t>(width) - s.size(), '0');
  return s;
}

/// Document length L_i: Gamma with the given mean and coefficient of variation.
double draw_length(Random& rng, double mean, double cv) {
  if (cv <= 0.0) return mean;
  const double shape = 1.0 / (cv * cv);
  return rng.gamma(shape, mean / shape);
}

std::int32_t argmax(const double* v, int k) {
  int best = 0;
  for (int t = 1; t < k; ++t)
    if (v[t] > v[best]) best = t;
  return best;
}

/// Nonzeros of one row of H, for the exact product W H.
struct SparseRow {
  std::vector<ColIndex> cols;
  std::vector<double> values;
};

/// X from the expected matrix W H (rows of H are distributions, so the
/// expected row sum of X is the row sum of W).
SparseMatrix sample_matrix(const DenseMatrix& W, const DenseMatrix& H, Noise noise, Random& rng) {
  const Index n = W.rows, k = W.cols, m = H.cols;
  SparseMatrix X;
  X.rows = n;
  X.cols = m;
  X.indptr.assign(static_cast<std::size_t>(n + 1), 0);
  if (noise == Noise::Poisson) {
    // Poisson splitting: Poisson(sum_j mu_ij) tokens distributed
    // multinomially over j with p_j ~ mu_ij is entrywise Poisson(mu_ij), and
    // sampling topic then term costs O(tokens) instead of O(m) per row.
    std::vector<AliasTable> topic_terms;
    topic_terms.reserve(static_cast<std::size_t>(k));
    for (Index t = 0; t < k; ++t) topic_terms.emplace_back(std::vector<double>(H.row(t), H.row(t) + m));
    std::vector<ColIndex> tokens;
    std::vector<double> weights(static_cast<std::size_t>(k));
    for (Index i = 0; i < n; ++i) {
      double mean = 0.0;
      for (Index t = 0; t < k; ++t) mean += W(i, t);
      const std::int64_t count = rng.poisson(mean);
      tokens.clear();
      if (count > 0) {
        std::copy(W.row(i), W.row(i) + k, weights.begin());
        const AliasTable doc_topics(weights);
        for (std::int64_t c = 0; c < count; ++c)
          tokens.push_back(topic_terms[static_cast<std::size_t>(doc_topics.sample(rng))].sample(rng));
        std::sort(tokens.begin(), tokens.end());
      }
      for (std::size_t p = 0; p < tokens.size();) {
        std::size_t q = p;
        while (q < tokens.size() && tokens[q] == tokens[p]) ++q;
        X.indices.push_back(tokens[p]);
        X.data.push_back(static_cast<double>(q - p));
        p = q;
      }
      X.indptr[static_cast<std::size_t>(i + 1)] = X.nnz();
    }
    return X;
  }
  // Exact W H over the nonzeros of H.
  std::vector<SparseRow> rows(static_cast<std::size_t>(k));
  for (Index t = 0; t < k; ++t)
    for (Index j = 0; j < m; ++j)
      if (H(t, j) != 0.0) {
        rows[static_cast<std::size_t>(t)].cols.push_back(static_cast<ColIndex>(j));
        rows[static_cast<std::size_t>(t)].values.push_back(H(t, j));
      }
  std::vector<double> acc(static_cast<std::size_t>(m), 0.0);
  std::vector<char> seen(static_cast<std::size_t>(m), 0);
  std::vector<ColIndex> touched;
  for (Index i = 0; i < n; ++i) {
    touched.clear();
    for (Index t = 0; t < k; ++t) {
      const double w = W(i, t);
      if (w == 0.0) continue;
      const SparseRow& r = rows[static_cast<std::size_t>(t)];
      for (std::size_t p = 0; p < r.cols.size(); ++p) {
        const ColIndex j = r.cols[p];
        if (!seen[static_cast<std::size_t>(j)]) {
          seen[static_cast<std::size_t>(j)] = 1;
          touched.push_back(j);
        }
        acc[static_cast<std::size_t>(j)] += w * r.values[p];
      }
    }
    std::sort(touched.begin(), touched.end());
    for (ColIndex j : touched) {
      const double v = acc[static_cast<std::size_t>(j)];
      if (v > 0.0) {
        X.indices.push_back(j);
        X.data.push_back(v);
      }
      acc[static_cast<std::size_t>(j)] = 0.0;
      seen[static_cast<std::size_t>(j)] = 0;
    }
    X.indptr[static_cast<std::size_t>(i + 1)] = X.nnz();
  }
  return X;
}

void check_common(Index n, double doc_length, double length_cv) {
  require_argument(n >= 1, "n_documents", ">= 1", str(n));
  require_argument(std::isfinite(doc_length) && doc_length > 0.0, "doc_length", "> 0", str(doc_length));
  require_argument(std::isfinite(length_cv) && length_cv >= 0.0, "length_cv", ">= 0", str(length_cv));
}

void check_positive(double v, const char* name) {
  require_argument(std::isfinite(v) && v > 0.0, name, "> 0", str(v));
}

std::vector<std::string> topic_labels(const std::vector<std::int32_t>& labels, int k) {
  std::vector<std::string> out;
  out.reserve(labels.size());
  for (std::int32_t t : labels) out.push_back(topic_label(t, k));
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Random
// ---------------------------------------------------------------------------

AliasTable::AliasTable(const std::vector<double>& weights) {
  const std::size_t k = weights.size();
  if (k < 1 || k > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw ArgumentError("alias table size must be in [1, 2^31) (got " + str(k) + ")");
  double sum = 0.0;
  for (double w : weights) {
    if (!(std::isfinite(w) && w >= 0.0))  // no message formatting on the hot path
      throw ArgumentError("alias table weights must be finite and >= 0 (got " + str(w) + ")");
    sum += w;
  }
  if (!(sum > 0.0 && std::isfinite(sum)))
    throw ArgumentError("the sum of alias table weights must be finite and > 0 (got " + str(sum) + ")");
  threshold_.assign(k, 1.0);
  alias_.resize(k);
  std::vector<double> p(k);
  std::vector<std::int32_t> small, large;
  std::int32_t some_positive = 0;
  for (std::size_t i = 0; i < k; ++i) {
    p[i] = weights[i] * static_cast<double>(k) / sum;
    alias_[i] = static_cast<std::int32_t>(i);
    if (weights[i] > 0.0) some_positive = static_cast<std::int32_t>(i);
    (p[i] < 1.0 ? small : large).push_back(static_cast<std::int32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const std::int32_t s = small.back(), l = large.back();
    small.pop_back();
    large.pop_back();
    threshold_[static_cast<std::size_t>(s)] = p[static_cast<std::size_t>(s)];
    alias_[static_cast<std::size_t>(s)] = l;
    p[static_cast<std::size_t>(l)] = (p[static_cast<std::size_t>(l)] + p[static_cast<std::size_t>(s)]) - 1.0;
    (p[static_cast<std::size_t>(l)] < 1.0 ? small : large).push_back(l);
  }
  // Leftovers have p = 1 up to rounding; a zero weight must never be drawn.
  for (std::int32_t i : small) {
    threshold_[static_cast<std::size_t>(i)] = weights[static_cast<std::size_t>(i)] > 0.0 ? 1.0 : 0.0;
    alias_[static_cast<std::size_t>(i)] = some_positive;
  }
}

std::int32_t AliasTable::sample(Random& rng) const {
  // One draw: the integer part picks the cell, the fraction decides.
  const std::size_t k = alias_.size();
  const double u = rng.uniform() * static_cast<double>(k);
  std::size_t i = static_cast<std::size_t>(u);
  if (i >= k) i = k - 1;
  return (u - static_cast<double>(i)) < threshold_[i] ? static_cast<std::int32_t>(i) : alias_[i];
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

Noise parse_noise(const std::string& name) {
  if (name == "none") return Noise::None;
  if (name == "poisson") return Noise::Poisson;
  throw ArgumentError("noise must be one of none|poisson (got " + name + ")");
}

std::string to_string(Noise noise) { return noise == Noise::None ? "none" : "poisson"; }

std::vector<std::string> numbered_names(const std::string& prefix, Index count) {
  const int width = std::max(4, digits(std::max<Index>(count - 1, 0)));
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(std::max<Index>(count, 0)));
  for (Index i = 0; i < count; ++i) names.push_back(prefix + padded(i, width));
  return names;
}

std::string topic_label(int t, int k) { return "topic" + padded(t, digits(std::max(k - 1, 0))); }

// ---------------------------------------------------------------------------
// 1. Planted topics
// ---------------------------------------------------------------------------

TopicsResult make_topics(const TopicsOptions& o) {
  check_common(o.n_documents, o.doc_length, o.length_cv);
  require_argument(o.n_topics >= 1, "n_topics", ">= 1", str(o.n_topics));
  require_argument(o.n_terms >= o.n_topics && o.n_terms <= std::numeric_limits<ColIndex>::max(), "n_terms",
                   ">= n_topics (" + str(o.n_topics) + ") and < 2^31", str(o.n_terms));
  require_argument(o.overlap >= 0.0 && o.overlap <= 1.0, "overlap", "in [0, 1]", str(o.overlap));
  check_positive(o.alpha, "alpha");
  check_positive(o.term_concentration, "term_concentration");
  check_positive(o.shared_concentration, "shared_concentration");

  const Index n = o.n_documents, m = o.n_terms;
  const int k = o.n_topics;
  Random rng(o.seed);
  TopicsResult r;
  r.vocabulary = numbered_names("t", m);
  r.anchor_begin.resize(static_cast<std::size_t>(k + 1));
  for (int t = 0; t <= k; ++t) r.anchor_begin[static_cast<std::size_t>(t)] = t * m / k;

  // H first, so that the topics depend only on (m, k, topic options, seed).
  r.H = DenseMatrix(k, m);
  std::vector<double> block, shared(static_cast<std::size_t>(m));
  for (int t = 0; t < k; ++t) {
    const Index b0 = r.anchor_begin[static_cast<std::size_t>(t)], b1 = r.anchor_begin[static_cast<std::size_t>(t + 1)];
    block.resize(static_cast<std::size_t>(b1 - b0));
    rng.dirichlet(o.term_concentration, static_cast<int>(b1 - b0), block.data());
    double* h = r.H.row(t);
    for (Index j = b0; j < b1; ++j) h[j] = (1.0 - o.overlap) * block[static_cast<std::size_t>(j - b0)];
    if (o.overlap > 0.0) {
      rng.dirichlet(o.shared_concentration, static_cast<int>(m), shared.data());
      for (Index j = 0; j < m; ++j) h[j] += o.overlap * shared[static_cast<std::size_t>(j)];
    }
  }

  r.W = DenseMatrix(n, k);
  r.labels.resize(static_cast<std::size_t>(n));
  r.doc_lengths.resize(static_cast<std::size_t>(n));
  std::vector<double> theta(static_cast<std::size_t>(k));
  for (Index i = 0; i < n; ++i) {
    const double length = draw_length(rng, o.doc_length, o.length_cv);
    rng.dirichlet(o.alpha, k, theta.data());
    r.doc_lengths[static_cast<std::size_t>(i)] = length;
    r.labels[static_cast<std::size_t>(i)] = argmax(theta.data(), k);
    for (int t = 0; t < k; ++t) r.W(i, t) = length * theta[static_cast<std::size_t>(t)];
  }
  r.X = sample_matrix(r.W, r.H, o.noise, rng);
  return r;
}

// ---------------------------------------------------------------------------
// 2. Planted hierarchy
// ---------------------------------------------------------------------------

std::vector<int> contiguous_parents(int k_from, int k_to) {
  require_argument(k_to >= 1 && k_to <= k_from, "k_to", "in [1, k_from = " + str(k_from) + "]", str(k_to));
  std::vector<int> parents(static_cast<std::size_t>(k_from));
  const int base = k_from / k_to, extra = k_from % k_to;
  int t = 0;
  for (int g = 0; g < k_to; ++g)
    for (int c = 0; c < base + (g < extra ? 1 : 0); ++c) parents[static_cast<std::size_t>(t++)] = g;
  return parents;
}

HierarchyResult make_hierarchy(const HierarchyOptions& o) {
  check_common(o.n_documents, o.doc_length, o.length_cv);
  require_argument(!o.ranks.empty(), "ranks", "a non-empty list", "[]");
  for (std::size_t l = 0; l < o.ranks.size(); ++l) {
    require_argument(o.ranks[l] >= 1, "ranks[" + str(l) + "]", ">= 1", str(o.ranks[l]));
    if (l > 0)
      require_argument(o.ranks[l] <= o.ranks[l - 1], "ranks[" + str(l) + "]",
                       "<= ranks[" + str(l - 1) + "] = " + str(o.ranks[l - 1]), str(o.ranks[l]));
  }
  const int L = static_cast<int>(o.ranks.size()) - 1;
  Index nodes = 0;
  for (int k : o.ranks) nodes += k;
  require_argument(o.n_terms >= nodes && o.n_terms <= std::numeric_limits<ColIndex>::max(), "n_terms",
                   ">= the number of tree nodes (" + str(nodes) + ") and < 2^31", str(o.n_terms));
  check_positive(o.alpha, "alpha");
  require_argument(o.decay > 0.0 && o.decay <= 1.0, "decay", "in (0, 1]", str(o.decay));
  require_argument(o.term_sharing >= 0.0 && o.term_sharing <= 1.0, "term_sharing", "in [0, 1]",
                   str(o.term_sharing));
  check_positive(o.term_concentration, "term_concentration");

  HierarchyResult r;
  r.ranks = o.ranks;
  if (o.parents.empty()) {
    for (int l = 0; l < L; ++l) r.parents.push_back(contiguous_parents(o.ranks[l], o.ranks[l + 1]));
  } else {
    require_argument(static_cast<int>(o.parents.size()) == L, "parents", "one list per layer above the leaves (" +
                     str(L) + ")", str(o.parents.size()) + " lists");
    for (int l = 0; l < L; ++l) {
      const auto& p = o.parents[static_cast<std::size_t>(l)];
      const std::string name = "parents[" + str(l) + "]";
      require_argument(static_cast<int>(p.size()) == o.ranks[l], name + " size", "ranks[" + str(l) + "] = " +
                       str(o.ranks[l]), str(p.size()));
      std::vector<char> used(static_cast<std::size_t>(o.ranks[l + 1]), 0);
      for (int g : p) {
        require_argument(g >= 0 && g < o.ranks[l + 1], name + " entry", "in [0, " + str(o.ranks[l + 1]) + ")", str(g));
        used[static_cast<std::size_t>(g)] = 1;
      }
      for (int g = 0; g < o.ranks[l + 1]; ++g)
        require_argument(used[static_cast<std::size_t>(g)] != 0, name, "to use every parent", "no child for " + str(g));
    }
    r.parents = o.parents;
  }

  const Index n = o.n_documents, m = o.n_terms;
  const int k0 = o.ranks[0];
  // ancestor[l][t]: the layer-l ancestor of leaf t.
  std::vector<std::vector<int>> ancestor(static_cast<std::size_t>(L + 1), std::vector<int>(static_cast<std::size_t>(k0)));
  for (int t = 0; t < k0; ++t) {
    int a = t;
    ancestor[0][static_cast<std::size_t>(t)] = a;
    for (int l = 0; l < L; ++l) {
      a = r.parents[static_cast<std::size_t>(l)][static_cast<std::size_t>(a)];
      ancestor[static_cast<std::size_t>(l + 1)][static_cast<std::size_t>(t)] = a;
    }
  }

  Random rng(o.seed);
  r.vocabulary = numbered_names("t", m);
  // One term block per tree node, leaves first, then layer 1, ...
  r.block_begin.resize(static_cast<std::size_t>(L + 1));
  std::vector<std::vector<std::vector<double>>> node_terms(static_cast<std::size_t>(L + 1));
  Index node = 0;
  for (int l = 0; l <= L; ++l) {
    auto& begin = r.block_begin[static_cast<std::size_t>(l)];
    for (int t = 0; t <= o.ranks[l]; ++t) begin.push_back((node + t) * m / nodes);
    for (int t = 0; t < o.ranks[l]; ++t) {
      std::vector<double> d(static_cast<std::size_t>(begin[static_cast<std::size_t>(t + 1)] - begin[static_cast<std::size_t>(t)]));
      rng.dirichlet(o.term_concentration, static_cast<int>(d.size()), d.data());
      node_terms[static_cast<std::size_t>(l)].push_back(std::move(d));
    }
    node += o.ranks[l];
  }
  std::vector<double> layer_mass(static_cast<std::size_t>(L + 1));
  double mass_sum = 0.0;
  for (int d = 0; d <= L; ++d) mass_sum += layer_mass[static_cast<std::size_t>(d)] = std::pow(o.term_sharing, d);
  for (double& c : layer_mass) c /= mass_sum;

  r.H.resize(static_cast<std::size_t>(L + 1));
  r.H[0] = DenseMatrix(k0, m);
  for (int t = 0; t < k0; ++t)
    for (int l = 0; l <= L; ++l) {
      const int a = ancestor[static_cast<std::size_t>(l)][static_cast<std::size_t>(t)];
      const Index b0 = r.block_begin[static_cast<std::size_t>(l)][static_cast<std::size_t>(a)];
      const auto& d = node_terms[static_cast<std::size_t>(l)][static_cast<std::size_t>(a)];
      for (std::size_t j = 0; j < d.size(); ++j) r.H[0](t, b0 + static_cast<Index>(j)) += layer_mass[static_cast<std::size_t>(l)] * d[j];
    }

  // Documents.
  r.W.resize(static_cast<std::size_t>(L + 1));
  r.W[0] = DenseMatrix(n, k0);
  r.labels.assign(static_cast<std::size_t>(L + 1), std::vector<std::int32_t>(static_cast<std::size_t>(n)));
  r.doc_lengths.resize(static_cast<std::size_t>(n));
  std::vector<double> beta(static_cast<std::size_t>(k0)), theta(static_cast<std::size_t>(k0));
  for (Index i = 0; i < n; ++i) {
    const int leaf = static_cast<int>(rng.uniform_index(static_cast<std::uint64_t>(k0)));
    for (int t = 0; t < k0; ++t) {
      int d = 0;
      while (d <= L && ancestor[static_cast<std::size_t>(d)][static_cast<std::size_t>(t)] !=
                           ancestor[static_cast<std::size_t>(d)][static_cast<std::size_t>(leaf)])
        ++d;
      beta[static_cast<std::size_t>(t)] = o.alpha * std::pow(o.decay, d);
    }
    const double length = draw_length(rng, o.doc_length, o.length_cv);
    rng.dirichlet(beta.data(), k0, theta.data());
    r.doc_lengths[static_cast<std::size_t>(i)] = length;
    const int top = argmax(theta.data(), k0);
    for (int l = 0; l <= L; ++l)
      r.labels[static_cast<std::size_t>(l)][static_cast<std::size_t>(i)] =
          ancestor[static_cast<std::size_t>(l)][static_cast<std::size_t>(top)];
    for (int t = 0; t < k0; ++t) r.W[0](i, t) = length * theta[static_cast<std::size_t>(t)];
  }

  // Upper layers: aggregate W, average H over children.
  r.mixing.resize(static_cast<std::size_t>(L + 1));
  for (int l = 1; l <= L; ++l) {
    const int kp = o.ranks[l - 1], kl = o.ranks[l];
    const auto& parent = r.parents[static_cast<std::size_t>(l - 1)];
    std::vector<int> children(static_cast<std::size_t>(kl), 0);
    for (int c : parent) ++children[static_cast<std::size_t>(c)];
    DenseMatrix& B = r.mixing[static_cast<std::size_t>(l)] = DenseMatrix(kl, kp);
    for (int c = 0; c < kp; ++c) B(parent[static_cast<std::size_t>(c)], c) = 1.0 / children[static_cast<std::size_t>(parent[static_cast<std::size_t>(c)])];
    const DenseMatrix& Wp = r.W[static_cast<std::size_t>(l - 1)];
    DenseMatrix& Wl = r.W[static_cast<std::size_t>(l)] = DenseMatrix(n, kl);
    for (Index i = 0; i < n; ++i)
      for (int c = 0; c < kp; ++c) Wl(i, parent[static_cast<std::size_t>(c)]) += Wp(i, c);
    const DenseMatrix& Hp = r.H[static_cast<std::size_t>(l - 1)];
    DenseMatrix& Hl = r.H[static_cast<std::size_t>(l)] = DenseMatrix(kl, m);
    for (int c = 0; c < kp; ++c) {
      const int g = parent[static_cast<std::size_t>(c)];
      const double w = B(g, c);
      for (Index j = 0; j < m; ++j) Hl(g, j) += w * Hp(c, j);
    }
  }
  r.X = sample_matrix(r.W[0], r.H[0], o.noise, rng);
  return r;
}

// ---------------------------------------------------------------------------
// 3. Low rank with missing entries
// ---------------------------------------------------------------------------

LowRankResult make_lowrank(const LowRankOptions& o) {
  require_argument(o.n_rows >= 1, "n_rows", ">= 1", str(o.n_rows));
  require_argument(o.n_cols >= 1 && o.n_cols <= std::numeric_limits<ColIndex>::max(), "n_cols", "in [1, 2^31)",
                   str(o.n_cols));
  require_argument(o.rank >= 1, "rank", ">= 1", str(o.rank));
  require_argument(o.observed > 0.0 && o.observed <= 1.0, "observed", "in (0, 1]", str(o.observed));
  require_argument(std::isfinite(o.noise_sigma) && o.noise_sigma >= 0.0, "noise_sigma", ">= 0", str(o.noise_sigma));
  check_positive(o.scale, "scale");
  require_argument(o.factor_density > 0.0 && o.factor_density <= 1.0, "factor_density", "in (0, 1]",
                   str(o.factor_density));
  require_argument(o.held_out >= 0.0 && o.held_out <= 1.0, "held_out", "in [0, 1]", str(o.held_out));

  const Index n = o.n_rows, m = o.n_cols;
  const int k = o.rank;
  Random rng(o.seed);
  // Uniform(0, c) entries kept with probability rho have mean c rho / 2; with
  // c = 2 sqrt(scale / r) / rho, E[(W H)_ij] = r (c rho / 2)^2 = scale.
  const double c = 2.0 * std::sqrt(o.scale / k) / o.factor_density;
  auto draw_factor = [&](Index rows, Index cols) {
    DenseMatrix F(rows, cols);
    for (double& v : F.values) {
      if (o.factor_density < 1.0 && rng.uniform() >= o.factor_density) continue;
      v = c * rng.uniform();
    }
    return F;
  };
  LowRankResult r;
  r.W = draw_factor(n, k);
  r.H = draw_factor(k, m);

  r.X.rows = r.mask.rows = n;
  r.X.cols = r.mask.cols = m;
  r.X.indptr.assign(static_cast<std::size_t>(n + 1), 0);
  auto value = [&](Index i, Index j) {
    double v = 0.0;
    for (int t = 0; t < k; ++t) v += r.W(i, t) * r.H(t, j);
    if (o.noise_sigma > 0.0) v = std::max(0.0, v + o.noise_sigma * rng.normal());
    return v;
  };
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < m; ++j) {
      if (rng.uniform() < o.observed) {
        r.X.indices.push_back(static_cast<ColIndex>(j));
        r.X.data.push_back(value(i, j));
      } else if (o.held_out >= 1.0 || (o.held_out > 0.0 && rng.uniform() < o.held_out)) {
        const double v = value(i, j);
        r.held_out.push_back(Triplet{i, static_cast<ColIndex>(j), v});
      }
    }
    r.X.indptr[static_cast<std::size_t>(i + 1)] = r.X.nnz();
  }
  r.mask.indptr = r.X.indptr;
  r.mask.indices = r.X.indices;
  r.mask.data.assign(r.X.data.size(), 1.0);
  return r;
}

// ---------------------------------------------------------------------------
// 4. Zipfian corpus
// ---------------------------------------------------------------------------

WordStyle parse_word_style(const std::string& name) {
  if (name == "pronounceable") return WordStyle::Pronounceable;
  if (name == "numbered") return WordStyle::Numbered;
  throw ArgumentError("word_style must be one of pronounceable|numbered (got " + name + ")");
}

std::vector<std::string> zipf_vocabulary(Index vocabulary_size, WordStyle style) {
  require_argument(vocabulary_size >= 1 && vocabulary_size <= std::numeric_limits<std::int32_t>::max(),
                   "vocabulary_size", "in [1, 2^31)", str(vocabulary_size));
  std::vector<std::string> words;
  words.reserve(static_cast<std::size_t>(vocabulary_size));
  if (style == WordStyle::Numbered) {
    for (Index r = 0; r < vocabulary_size; ++r) words.push_back("w" + std::to_string(r));
    return words;
  }
  // Bijective base-70 numbering in consonant-vowel syllables: 70 one-syllable
  // words, then 70^2 two-syllable words, ... Frequent (low-rank) words come
  // out short, as in natural language. English stop words ("be", "do", "no",
  // ...) are skipped so that stop-word removal leaves the distribution alone.
  static const char consonants[] = "bdfgklmnprstvz";
  static const char vowels[] = "aeiou";
  constexpr int kSyllables = 14 * 5;
  const auto& stop = english_stop_words();
  std::uint64_t index = 0;
  std::string w;
  while (static_cast<Index>(words.size()) < vocabulary_size) {
    std::uint64_t x = index++;
    int syllables = 1;
    std::uint64_t span = kSyllables;
    while (x >= span) {
      x -= span;
      span *= kSyllables;
      ++syllables;
    }
    w.assign(static_cast<std::size_t>(2 * syllables), ' ');
    for (int s = syllables - 1; s >= 0; --s) {
      const int digit = static_cast<int>(x % kSyllables);
      x /= kSyllables;
      w[static_cast<std::size_t>(2 * s)] = consonants[digit / 5];
      w[static_cast<std::size_t>(2 * s + 1)] = vowels[digit % 5];
    }
    if (std::binary_search(stop.begin(), stop.end(), w)) continue;
    words.push_back(w);
  }
  return words;
}

struct ZipfGenerator::Impl {
  ZipfOptions options;
  Random rng;
  std::vector<std::string> vocabulary;
  std::vector<char> chars;               // all words, back to back
  std::vector<std::uint32_t> offsets;    // word r is chars[offsets[r], offsets[r + 1])
  AliasTable background;
  std::vector<std::vector<std::int32_t>> permutation;  // per topic: rank -> word
  std::vector<double> theta, cumulative;
  Index produced = 0;

  explicit Impl(const ZipfOptions& o) : options(o), rng(o.seed) {}
};

ZipfGenerator::ZipfGenerator(const ZipfOptions& o) {
  require_argument(std::isfinite(o.exponent) && o.exponent > 0.0, "exponent", "> 0", str(o.exponent));
  require_argument(o.n_documents >= 0, "n_documents", ">= 0", str(o.n_documents));
  require_argument(o.target_bytes >= 0, "target_bytes", ">= 0", str(o.target_bytes));
  require_argument(std::isfinite(o.doc_length) && o.doc_length >= 1.0, "doc_length", ">= 1", str(o.doc_length));
  require_argument(std::isfinite(o.length_cv) && o.length_cv >= 0.0, "length_cv", ">= 0", str(o.length_cv));
  require_argument(o.n_topics >= 0, "n_topics", ">= 0", str(o.n_topics));
  require_argument(o.topic_weight >= 0.0 && o.topic_weight <= 1.0, "topic_weight", "in [0, 1]", str(o.topic_weight));
  check_positive(o.topic_alpha, "topic_alpha");
  impl_ = std::make_unique<Impl>(o);
  Impl& s = *impl_;
  s.vocabulary = zipf_vocabulary(o.vocabulary_size, o.word_style);
  s.offsets.push_back(0);
  for (const auto& w : s.vocabulary) {
    s.chars.insert(s.chars.end(), w.begin(), w.end());
    s.offsets.push_back(static_cast<std::uint32_t>(s.chars.size()));
  }
  std::vector<double> weights(static_cast<std::size_t>(o.vocabulary_size));
  for (std::size_t r = 0; r < weights.size(); ++r) weights[r] = std::pow(static_cast<double>(r + 1), -o.exponent);
  s.background = AliasTable(weights);
  for (int t = 0; t < o.n_topics; ++t) {
    std::vector<std::int32_t> p(static_cast<std::size_t>(o.vocabulary_size));
    for (std::size_t r = 0; r < p.size(); ++r) p[r] = static_cast<std::int32_t>(r);
    s.rng.shuffle(p);
    s.permutation.push_back(std::move(p));
  }
  s.theta.resize(static_cast<std::size_t>(o.n_topics));
  s.cumulative.resize(static_cast<std::size_t>(o.n_topics));
}

ZipfGenerator::~ZipfGenerator() = default;
ZipfGenerator::ZipfGenerator(ZipfGenerator&&) noexcept = default;
ZipfGenerator& ZipfGenerator::operator=(ZipfGenerator&&) noexcept = default;

const std::vector<std::string>& ZipfGenerator::vocabulary() const { return impl_->vocabulary; }
const ZipfOptions& ZipfGenerator::options() const { return impl_->options; }

void ZipfGenerator::next(ZipfDocument& doc) {
  Impl& s = *impl_;
  const ZipfOptions& o = s.options;
  Random& rng = s.rng;
  const int k = o.n_topics;
  doc.index = s.produced++;
  doc.id = "doc" + std::to_string(doc.index);
  doc.text.clear();
  const double lambda = draw_length(rng, o.doc_length - 1.0, o.length_cv);
  const std::int64_t length = 1 + rng.poisson(lambda);
  if (k > 0) {
    rng.dirichlet(o.topic_alpha, k, s.theta.data());
    doc.topic = argmax(s.theta.data(), k);
    doc.label = topic_label(doc.topic, k);
    double acc = 0.0;
    for (int t = 0; t < k; ++t) s.cumulative[static_cast<std::size_t>(t)] = acc += s.theta[static_cast<std::size_t>(t)];
  } else {
    doc.topic = -1;
    doc.label.clear();
  }
  const char* chars = s.chars.data();
  const std::uint32_t* off = s.offsets.data();
  for (std::int64_t c = 0; c < length; ++c) {
    std::int32_t w = s.background.sample(rng);
    if (k > 0 && o.topic_weight > 0.0 && rng.uniform() < o.topic_weight) {
      const double u = rng.uniform() * s.cumulative[static_cast<std::size_t>(k - 1)];
      int t = 0;
      while (t < k - 1 && u >= s.cumulative[static_cast<std::size_t>(t)]) ++t;
      w = s.permutation[static_cast<std::size_t>(t)][static_cast<std::size_t>(w)];
    }
    if (c > 0) doc.text.push_back(' ');
    doc.text.append(chars + off[w], off[w + 1] - off[w]);
  }
}

ZipfCorpus make_zipf_corpus(const ZipfOptions& options) {
  ZipfGenerator gen(options);
  ZipfCorpus corpus;
  corpus.vocabulary = gen.vocabulary();
  ZipfDocument doc;
  std::int64_t bytes = 0;
  for (;;) {
    if (options.target_bytes > 0 ? bytes >= options.target_bytes
                                 : static_cast<Index>(corpus.documents.size()) >= options.n_documents)
      break;
    gen.next(doc);
    bytes += static_cast<std::int64_t>(doc.text.size()) + 1;
    corpus.documents.push_back(doc.text);
    corpus.labels.push_back(doc.label);
    corpus.topics.push_back(doc.topic);
  }
  return corpus;
}

ZipfFileFormat zipf_format_for_path(const std::string& path) {
  if (path.size() >= 4) {
    std::string ext = path.substr(path.size() - 4);
    for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (ext == ".tsv") return ZipfFileFormat::Tsv;
  }
  return ZipfFileFormat::Lines;
}

ZipfWriteSummary write_zipf_corpus(std::ostream& out, const ZipfOptions& options, ZipfFileFormat format,
                                   const ProgressCallback& progress) {
  ZipfGenerator gen(options);
  ZipfWriteSummary summary;
  ZipfDocument doc;
  std::string buffer;
  constexpr std::size_t kChunk = 1 << 20;
  buffer.reserve(kChunk + (1 << 16));
  const bool by_bytes = options.target_bytes > 0;
  const long long total = by_bytes ? options.target_bytes : options.n_documents;
  auto flush = [&]() {
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (!out) throw std::runtime_error("write failed after " + std::to_string(summary.bytes) + " bytes");
    buffer.clear();
    if (progress) {
      ProgressEvent e;
      e.stage = "generate";
      e.done = by_bytes ? summary.bytes : summary.documents;
      e.total = total;
      if (!progress(e)) return false;
    }
    return true;
  };
  for (;;) {
    if (by_bytes ? summary.bytes >= options.target_bytes : summary.documents >= options.n_documents) break;
    gen.next(doc);
    const std::size_t before = buffer.size();
    if (format == ZipfFileFormat::Tsv) {
      buffer += doc.id;
      buffer.push_back('\t');
      buffer += doc.label;
      buffer.push_back('\t');
    }
    buffer += doc.text;
    buffer.push_back('\n');
    summary.bytes += static_cast<std::int64_t>(buffer.size() - before);
    summary.documents += 1;
    // Tokens: one more than the separating spaces of the text.
    summary.tokens += 1 + static_cast<std::int64_t>(std::count(doc.text.begin(), doc.text.end(), ' '));
    if (buffer.size() >= kChunk && !flush()) {
      summary.interrupted = true;
      return summary;
    }
  }
  if (!flush()) summary.interrupted = true;
  return summary;
}

ZipfWriteSummary write_zipf_corpus(const std::string& path, const ZipfOptions& options, ZipfFileFormat format,
                                   const ProgressCallback& progress) {
  AtomicFile file(path);
  ZipfWriteSummary summary = write_zipf_corpus(file.stream(), options, format, progress);
  if (!summary.interrupted) file.commit();
  return summary;
}

// ---------------------------------------------------------------------------
// To a corpus
// ---------------------------------------------------------------------------

namespace {

Corpus base_corpus(const SparseMatrix& X, const std::vector<std::string>& vocabulary, const nlohmann::json& provenance,
                   const std::string& weighting) {
  Corpus c;
  c.matrix = X;
  c.vocabulary = vocabulary;
  c.doc_ids = numbered_names("d", X.rows);
  c.weighting = weighting;
  c.provenance_json = provenance.dump();
  return c;
}

}  // namespace

Corpus to_corpus(const TopicsResult& r, const TopicsOptions& o) {
  const nlohmann::json p = {{"generator", "topics"},      {"n_documents", o.n_documents},
                            {"n_terms", o.n_terms},       {"n_topics", o.n_topics},
                            {"overlap", o.overlap},       {"alpha", o.alpha},
                            {"term_concentration", o.term_concentration},
                            {"shared_concentration", o.shared_concentration},
                            {"doc_length", o.doc_length}, {"length_cv", o.length_cv},
                            {"noise", to_string(o.noise)}, {"seed", o.seed}};
  Corpus c = base_corpus(r.X, r.vocabulary, p, o.noise == Noise::Poisson ? "count" : "unknown");
  c.labels = topic_labels(r.labels, o.n_topics);
  return c;
}

Corpus to_corpus(const HierarchyResult& r, const HierarchyOptions& o) {
  const nlohmann::json p = {{"generator", "hierarchy"},   {"n_documents", o.n_documents},
                            {"n_terms", o.n_terms},       {"ranks", r.ranks},
                            {"parents", r.parents},       {"alpha", o.alpha},
                            {"decay", o.decay},           {"term_sharing", o.term_sharing},
                            {"term_concentration", o.term_concentration},
                            {"doc_length", o.doc_length}, {"length_cv", o.length_cv},
                            {"noise", to_string(o.noise)}, {"seed", o.seed}};
  Corpus c = base_corpus(r.X, r.vocabulary, p, o.noise == Noise::Poisson ? "count" : "unknown");
  c.labels = topic_labels(r.labels[0], r.ranks[0]);
  return c;
}

Corpus to_corpus(const LowRankResult& r, const LowRankOptions& o) {
  const nlohmann::json p = {{"generator", "lowrank"},       {"n_rows", o.n_rows},
                            {"n_cols", o.n_cols},           {"rank", o.rank},
                            {"observed", o.observed},       {"noise_sigma", o.noise_sigma},
                            {"scale", o.scale},             {"factor_density", o.factor_density},
                            {"held_out", o.held_out},       {"seed", o.seed},
                            {"explicit_zeros", "every observed entry is stored, zeros included"}};
  return base_corpus(r.X, numbered_names("t", r.X.cols), p, "unknown");
}

}  // namespace strata::synth
