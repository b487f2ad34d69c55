#include "strata/solvers/graph_embedding.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <unordered_map>

#include <omp.h>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/io/labels.hpp"
#include "strata/parallel/threads.hpp"
#include "strata/solvers/logistic.hpp"

namespace strata {

namespace {

bool skip_line(const std::string& first_field) {
  return first_field.empty() || first_field[0] == '#' || first_field[0] == '%';
}

// Integer pair counts kept as sorted (key, count) runs: pairs are appended to
// a buffer that is sorted and merged into the runs when full, so memory stays
// proportional to the distinct pairs, not to the number of pairs sampled.
class PairCounter {
 public:
  void add(std::uint64_t key) {
    buffer_.push_back(key);
    if (buffer_.size() >= kBuffer) flush();
  }
  void flush() {
    if (buffer_.empty()) return;
    std::sort(buffer_.begin(), buffer_.end());
    std::vector<std::pair<std::uint64_t, double>> fresh;
    for (std::size_t i = 0; i < buffer_.size();) {
      std::size_t j = i;
      while (j < buffer_.size() && buffer_[j] == buffer_[i]) ++j;
      fresh.emplace_back(buffer_[i], static_cast<double>(j - i));
      i = j;
    }
    buffer_.clear();
    merge(std::move(fresh));
  }
  void merge(std::vector<std::pair<std::uint64_t, double>> other) {
    std::vector<std::pair<std::uint64_t, double>> out;
    out.reserve(runs_.size() + other.size());
    std::size_t a = 0, b = 0;
    while (a < runs_.size() || b < other.size()) {
      if (b == other.size() || (a < runs_.size() && runs_[a].first < other[b].first)) {
        out.push_back(runs_[a++]);
      } else if (a == runs_.size() || other[b].first < runs_[a].first) {
        out.push_back(other[b++]);
      } else {
        out.emplace_back(runs_[a].first, runs_[a].second + other[b].second);
        ++a;
        ++b;
      }
    }
    runs_.swap(out);
  }
  std::vector<std::pair<std::uint64_t, double>>& runs() { return runs_; }

 private:
  static constexpr std::size_t kBuffer = std::size_t{1} << 22;
  std::vector<std::uint64_t> buffer_;
  std::vector<std::pair<std::uint64_t, double>> runs_;
};

}  // namespace

Graph read_edge_list(const std::string& path, bool directed) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open the edge list");
  Graph g;
  g.directed = directed;
  std::unordered_map<std::string, ColIndex> id;
  auto node = [&](const std::string& name, std::int64_t line_no) {
    auto [it, inserted] = id.emplace(name, static_cast<ColIndex>(g.nodes.size()));
    if (inserted) {
      if (g.nodes.size() >= static_cast<std::size_t>(std::numeric_limits<ColIndex>::max()))
        throw InputError(path, "too many nodes", line_no);
      g.nodes.push_back(name);
    }
    return it->second;
  };
  std::vector<Triplet> edges;
  std::string line, a, b, w;
  std::int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::istringstream fields(line);
    a.clear();
    fields >> a;
    if (skip_line(a)) continue;
    if (!(fields >> b)) throw InputError(path, "expected an edge 'a b [weight]'", line_no);
    double weight = 1.0;
    if (fields >> w) {
      char* end = nullptr;
      weight = std::strtod(w.c_str(), &end);
      if (end == w.c_str() || *end != '\0' || !(weight > 0.0) || !std::isfinite(weight))
        throw InputError(path, "the weight '" + w + "' is not a positive number", line_no);
    }
    const ColIndex u = node(a, line_no), v = node(b, line_no);
    edges.push_back({u, v, weight});
    if (!directed && u != v) edges.push_back({v, u, weight});
  }
  if (in.bad()) throw InputError(path, "cannot read the edge list");
  if (edges.empty()) throw InputError(path, "no edges");
  const Index n = g.n_nodes();
  g.adjacency = csr_from_triplets(n, n, std::move(edges));
  return g;
}

SparseMatrix random_walk_cooccurrence(const Graph& graph, const WalkOptions& options) {
  require_argument(options.walks >= 1, "walks", ">= 1", std::to_string(options.walks));
  require_argument(options.walk_length >= 2, "walk_length", ">= 2", std::to_string(options.walk_length));
  require_argument(options.window >= 1, "window", ">= 1", std::to_string(options.window));
  const SparseView A = graph.adjacency.view();
  const Index n = graph.n_nodes();
  const int threads = resolve_threads(options.threads);

  // Cumulative edge weights per row: a step is a binary search.
  std::vector<double> cumulative(A.data, A.data + A.nnz());
  for (Index i = 0; i < n; ++i)
    for (Index p = A.row_begin(i) + 1; p < A.row_end(i); ++p) cumulative[p] += cumulative[p - 1];

  std::vector<PairCounter> counters(static_cast<std::size_t>(threads));
  ExceptionCollector errors;
#pragma omp parallel num_threads(threads)
  errors.run([&] {
    PairCounter& counter = counters[omp_get_thread_num()];
    std::vector<ColIndex> walk;
    walk.reserve(options.walk_length);
#pragma omp for schedule(dynamic, 64)
    for (Index task = 0; task < n * options.walks; ++task) {
      // One stream per (round, start node) = task: counts independent of threads.
      const Index start = task % n;
      Random rng(options.seed ^ (0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(task + 1)));
      walk.assign(1, static_cast<ColIndex>(start));
      while (static_cast<int>(walk.size()) < options.walk_length) {
        const Index v = walk.back();
        const Index begin = A.row_begin(v), end = A.row_end(v);
        if (begin == end) break;
        const double r = rng.uniform() * cumulative[end - 1];
        const Index p = std::upper_bound(cumulative.begin() + begin, cumulative.begin() + end, r) - cumulative.begin();
        walk.push_back(A.indices[std::min(p, end - 1)]);
      }
      for (std::size_t i = 0; i < walk.size(); ++i)
        for (std::size_t j = i + 1; j < walk.size() && j <= i + static_cast<std::size_t>(options.window); ++j) {
          const auto u = static_cast<std::uint64_t>(walk[i]), v = static_cast<std::uint64_t>(walk[j]);
          counter.add(u << 32 | v);
          counter.add(v << 32 | u);
        }
    }
    counter.flush();
  });
  errors.rethrow();
  for (std::size_t t = 1; t < counters.size(); ++t) counters[0].merge(std::move(counters[t].runs()));

  SparseMatrix out;
  out.rows = out.cols = n;
  out.indptr.assign(static_cast<std::size_t>(n) + 1, 0);
  const auto& runs = counters[0].runs();
  out.indices.reserve(runs.size());
  out.data.reserve(runs.size());
  for (const auto& [key, count] : runs) {  // keys sorted by (row, column)
    ++out.indptr[(key >> 32) + 1];
    out.indices.push_back(static_cast<ColIndex>(key & 0xffffffffu));
    out.data.push_back(count);
  }
  for (Index i = 0; i < n; ++i) out.indptr[i + 1] += out.indptr[i];
  return out;
}

EmbeddingResult embed_graph(const Graph& graph, const GraphEmbeddingOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  WalkOptions walk = options.walk;
  EmbeddingOptions embedding = options.embedding;
  walk.threads = embedding.threads = resolve_threads(options.embedding.threads);
  walk.seed = embedding.seed;
  const SparseMatrix counts = random_walk_cooccurrence(graph, walk);
  EmbeddingResult r = embed_cooccurrence(counts.view(), embedding);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

std::vector<std::string> read_node_labels(const std::string& path, const Graph& graph) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open the node labels");
  std::unordered_map<std::string, Index> id;
  for (Index i = 0; i < graph.n_nodes(); ++i) id.emplace(graph.nodes[i], i);
  std::vector<std::string> labels(static_cast<std::size_t>(graph.n_nodes()));
  std::string line, node, label;
  std::int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::istringstream fields(line);
    node.clear();
    fields >> node;
    if (skip_line(node)) continue;
    if (!(fields >> label)) throw InputError(path, "expected 'node label'", line_no);
    const auto it = id.find(node);
    if (it == id.end()) throw InputError(path, "node '" + node + "' is not in the graph", line_no);
    if (!labels[it->second].empty()) throw InputError(path, "node '" + node + "' is labeled twice", line_no);
    labels[it->second] = label;
  }
  if (in.bad()) throw InputError(path, "cannot read the node labels");
  return labels;
}

NodeClassification evaluate_node_classification(const DenseMatrix& vectors, const Graph& graph,
                                                const std::vector<std::string>& labels, std::uint64_t seed) {
  require_argument(vectors.rows() == graph.n_nodes() && static_cast<Index>(labels.size()) == graph.n_nodes(),
                   "vectors and labels", "one per node",
                   std::to_string(vectors.rows()) + " vectors, " + std::to_string(labels.size()) + " labels");
  const LabelEncoding enc = encode_labels(labels);
  std::vector<Index> labeled;
  for (Index i = 0; i < graph.n_nodes(); ++i)
    if (enc.codes[i] >= 0) labeled.push_back(i);
  require_argument(labeled.size() >= 2, "labels", "at least two labeled nodes", std::to_string(labeled.size()));
  Random rng(seed);
  rng.shuffle(labeled);
  const std::size_t n_train = labeled.size() / 2;
  std::vector<char> is_train(static_cast<std::size_t>(graph.n_nodes()), 0);
  for (std::size_t t = 0; t < n_train; ++t) is_train[labeled[t]] = 1;

  NodeClassification r;
  r.train = static_cast<Index>(n_train);
  r.test = static_cast<Index>(labeled.size() - n_train);
  r.classes = enc.n_classes();
  const int classes = static_cast<int>(enc.n_classes());

  // Unit-normalized vectors, so the regularization means the same for every embedding scale.
  auto normalized_rows = [&](std::size_t from, std::size_t to) {
    DenseMatrix X(static_cast<Index>(to - from), vectors.cols());
    for (std::size_t t = from; t < to; ++t) {
      const double norm = vectors.row(labeled[t]).norm();
      X.row(static_cast<Index>(t - from)) = norm > 0.0 ? (vectors.row(labeled[t]) / norm).eval() : vectors.row(labeled[t]);
    }
    return X;
  };
  std::vector<std::int32_t> y_train;
  std::vector<Index> train_count(classes, 0);
  for (std::size_t t = 0; t < n_train; ++t) {
    y_train.push_back(enc.codes[labeled[t]]);
    ++train_count[enc.codes[labeled[t]]];
  }
  const std::int32_t majority =
      static_cast<std::int32_t>(std::max_element(train_count.begin(), train_count.end()) - train_count.begin());

  LogisticOptions lo;
  lo.C = 10.0;
  const LogisticModel model = fit_logistic_regression(normalized_rows(0, n_train), y_train, classes, lo);
  const std::vector<std::int32_t> predicted = model.predict(normalized_rows(n_train, labeled.size()));

  const SparseView A = graph.adjacency.view();
  Index correct = 0, correct_majority = 0, correct_vote = 0;
  std::vector<double> votes(classes);
  for (std::size_t t = n_train; t < labeled.size(); ++t) {
    const Index v = labeled[t];
    const std::int32_t truth = enc.codes[v];
    correct += predicted[t - n_train] == truth;
    correct_majority += majority == truth;
    std::fill(votes.begin(), votes.end(), 0.0);
    bool any = false;
    for (Index p = A.row_begin(v); p < A.row_end(v); ++p)
      if (is_train[A.indices[p]]) {
        votes[enc.codes[A.indices[p]]] += A.data[p];
        any = true;
      }
    const std::int32_t vote =
        any ? static_cast<std::int32_t>(std::max_element(votes.begin(), votes.end()) - votes.begin()) : majority;
    correct_vote += vote == truth;
  }
  const double tests = static_cast<double>(r.test);
  r.accuracy = correct / tests;
  r.majority_accuracy = correct_majority / tests;
  r.neighbor_vote_accuracy = correct_vote / tests;
  return r;
}

}  // namespace strata
