#pragma once
/// @file Node embeddings by truncated random walks and PMI factorization
/// (SPEC 3.3): DeepWalk (Perozzi, Al-Rfou & Skiena 2014) trains skip-gram on
/// node sequences from random walks; NetMF (Qiu et al. 2018) shows this
/// factorizes a shifted PMI matrix of the walk co-occurrences. strata samples
/// the walks, counts node-context pairs within a window, and embeds the counts
/// with embed_cooccurrence (embeddings.hpp): PMI, then a truncated SVD.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/sparse.hpp"
#include "strata/linalg/dense.hpp"
#include "strata/solvers/embeddings.hpp"

namespace strata {

/// A weighted graph: node names (in order of first appearance in the edge
/// list) and the adjacency matrix (row i: the edges leaving node i).
struct Graph {
  std::vector<std::string> nodes;
  SparseMatrix adjacency;  ///< nodes x nodes; duplicate edges summed
  bool directed = false;
  Index n_nodes() const { return static_cast<Index>(nodes.size()); }
};

/// Reads an edge list: one edge "a b [weight]" per line (names are any
/// whitespace-free strings; weight a positive number, 1 when absent); blank
/// lines and lines starting with '#' or '%' are skipped. Undirected graphs
/// store each edge in both directions. Throws InputError naming the file and
/// line (a missing second node, a weight that is not a positive number, no
/// edges at all).
Graph read_edge_list(const std::string& path, bool directed = false);

struct WalkOptions {
  int walks = 10;        ///< walks started from every node
  int walk_length = 40;  ///< nodes per walk
  int window = 5;        ///< pairs at distance 1..window count, both orders
  std::uint64_t seed = 0;
  int threads = 0;       ///< 0 = all cores
};

/// Node-context co-occurrence counts (nodes x nodes, symmetric) of truncated
/// random walks: each step moves to a neighbour with probability proportional
/// to the edge weight; a walk stops early at a node without out-edges. Each
/// walk draws from its own stream (seeded by seed, round and start node), so
/// the counts do not depend on the thread count.
SparseMatrix random_walk_cooccurrence(const Graph& graph, const WalkOptions& options);

struct GraphEmbeddingOptions {
  WalkOptions walk;
  EmbeddingOptions embedding;  ///< dim, PMI weighting, method
};

/// Walks, counts and embeds: one vector per node (row i is graph.nodes[i]).
EmbeddingResult embed_graph(const Graph& graph, const GraphEmbeddingOptions& options);

/// Reads "node label" lines for nodes of `graph` (blank lines and '#' lines
/// skipped). Returns one label per node ("" for unlabeled). Throws InputError
/// naming the file and line for a node that is not in the graph, a missing
/// label, or a node labeled twice.
std::vector<std::string> read_node_labels(const std::string& path, const Graph& graph);

struct NodeClassification {
  double accuracy = 0.0;            ///< logistic regression on the embeddings
  double majority_accuracy = 0.0;   ///< predicting the training half's most frequent label
  double neighbor_vote_accuracy = 0.0;  ///< each node takes the weighted vote of its labeled training neighbours
  Index train = 0, test = 0;        ///< labeled nodes in each half
  Index classes = 0;
};

/// Splits the labeled nodes in two random halves (seeded), fits a multinomial
/// logistic regression on the training half's unit-normalized vectors and
/// reports test accuracy with two baselines. Needs at least two labeled nodes.
NodeClassification evaluate_node_classification(const DenseMatrix& vectors, const Graph& graph,
                                                const std::vector<std::string>& labels, std::uint64_t seed);

}  // namespace strata
