#include "strata/solvers/graph_embedding.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "../io/temp_dir_fixture.hpp"
#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/solvers/logistic.hpp"

using namespace strata;

namespace {

class GraphTest : public strata::testing::TempDirTest {
 protected:
  // A planted partition: `blocks` groups of `per` nodes, edges inside a group
  // with probability p_in, across with p_out. Nodes named "n<i>", labels "g<block>".
  std::string planted_graph(int blocks, int per, double p_in, double p_out, std::uint64_t seed) {
    Random rng(seed);
    std::ostringstream edges, labels;
    const int n = blocks * per;
    for (int i = 0; i < n; ++i) {
      labels << "n" << i << " g" << i / per << "\n";
      for (int j = i + 1; j < n; ++j)
        if (rng.uniform() < (i / per == j / per ? p_in : p_out)) edges << "n" << i << " n" << j << "\n";
    }
    write("labels.txt", labels.str());
    return write("edges.txt", edges.str());
  }
};

}  // namespace

TEST_F(GraphTest, ReadsEdgeListsSymmetricallyWithWeights) {
  const Graph g = read_edge_list(write("e.txt", "# comment\na b\nb c 2.5\n\n% also a comment\na b\n"));
  ASSERT_EQ(g.nodes, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(strata::testing::at(g.adjacency, 0, 1), 2.0);  // duplicate edges summed
  EXPECT_EQ(strata::testing::at(g.adjacency, 1, 0), 2.0);
  EXPECT_EQ(strata::testing::at(g.adjacency, 2, 1), 2.5);
  const Graph d = read_edge_list(path("e.txt"), true);
  EXPECT_EQ(strata::testing::at(d.adjacency, 1, 0), 0.0);
}

TEST_F(GraphTest, BadEdgeListsAndLabelsNameFileAndLine) {
  expect_input_error([&] { read_edge_list(write("a.txt", "a b\nc\n")); }, path("a.txt"), 2, "expected an edge");
  expect_input_error([&] { read_edge_list(write("b.txt", "a b -1\n")); }, path("b.txt"), 1, "positive");
  expect_input_error([&] { read_edge_list(write("c.txt", "# nothing\n")); }, path("c.txt"), -1, "no edges");
  expect_input_error([&] { read_edge_list(path("none.txt")); }, path("none.txt"), -1, "cannot open");
  const Graph g = read_edge_list(write("g.txt", "a b\nb c\n"));
  expect_input_error([&] { read_node_labels(write("l1.txt", "a x\nz y\n"), g); }, path("l1.txt"), 2, "not in the graph");
  expect_input_error([&] { read_node_labels(write("l2.txt", "a x\na y\n"), g); }, path("l2.txt"), 2, "twice");
  expect_input_error([&] { read_node_labels(write("l3.txt", "a\n"), g); }, path("l3.txt"), 1, "node label");
  EXPECT_EQ(read_node_labels(write("l4.txt", "c x\n"), g), (std::vector<std::string>{"", "", "x"}));
}

TEST_F(GraphTest, WalkCountsAreExactSymmetricAndThreadIndependent) {
  // Two disjoint triangles: walks never leave their triangle and never stop early.
  const Graph g = read_edge_list(write("t.txt", "a b\nb c\nc a\nx y\ny z\nz x\n"));
  WalkOptions o;
  o.walks = 3;
  o.walk_length = 6;
  o.window = 2;
  o.threads = 1;
  const SparseMatrix one = random_walk_cooccurrence(g, o);
  o.threads = 2;
  const SparseMatrix two = random_walk_cooccurrence(g, o);
  EXPECT_EQ(one.indptr, two.indptr);
  EXPECT_EQ(one.indices, two.indices);
  EXPECT_EQ(one.data, two.data);
  // Pairs per walk: both orders of every pair at distance 1..2 in 6 nodes = 2 (5 + 4).
  double total = 0.0;
  for (double v : one.data) total += v;
  EXPECT_EQ(total, 6.0 * 3 * 2 * (5 + 4));
  for (Index i = 0; i < 6; ++i)
    for (Index j = 0; j < 6; ++j) {
      EXPECT_EQ(strata::testing::at(one, i, j), strata::testing::at(one, j, i));
      if ((i < 3) != (j < 3)) EXPECT_EQ(strata::testing::at(one, i, j), 0.0);
    }
  o.seed = 1;
  EXPECT_NE(random_walk_cooccurrence(g, o).data, one.data);
}

TEST_F(GraphTest, PlantedCommunitiesAreClassifiedFromTheEmbedding) {
  const std::string edges = planted_graph(3, 40, 0.25, 0.01, 5);
  const Graph g = read_edge_list(edges);
  GraphEmbeddingOptions o;
  o.embedding.dim = 8;
  o.embedding.threads = 2;
  const EmbeddingResult r = embed_graph(g, o);
  ASSERT_EQ(r.vectors.rows(), g.n_nodes());
  const auto labels = read_node_labels(path("labels.txt"), g);
  const NodeClassification c = evaluate_node_classification(r.vectors, g, labels, 0);
  EXPECT_EQ(c.train + c.test, 120);
  EXPECT_EQ(c.classes, 3);
  EXPECT_GE(c.accuracy, 0.95);
  EXPECT_LT(c.majority_accuracy, 0.5);
  EXPECT_GE(c.neighbor_vote_accuracy, 0.8);
}

TEST(Logistic, GradientVanishesAtTheSolutionAndSeparableDataIsFit) {
  Random rng(11);
  const int n = 90, d = 3, classes = 3;
  DenseMatrix X(n, d);
  std::vector<std::int32_t> y(n);
  for (int i = 0; i < n; ++i) {
    y[i] = i % classes;
    for (int j = 0; j < d; ++j) X(i, j) = rng.normal() + (j == y[i] ? 3.0 : 0.0);
  }
  LogisticOptions o;
  o.C = 2.0;
  o.tol = 1e-8;
  const LogisticModel m = fit_logistic_regression(X, y, classes, o);
  EXPECT_TRUE(m.converged);
  // First-order optimality: X^T (P - Y) + W / C = 0 and sum(P - Y) = 0.
  DenseMatrix R = m.predict_proba(X);
  for (int i = 0; i < n; ++i) R(i, y[i]) -= 1.0;
  EXPECT_LT((X.transpose() * R + m.coef / o.C).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_LT(R.colwise().sum().cwiseAbs().maxCoeff(), 1e-6);
  const auto pred = m.predict(X);
  int correct = 0;
  for (int i = 0; i < n; ++i) correct += pred[i] == y[i];
  EXPECT_GE(correct, 0.9 * n);
  EXPECT_THROW(fit_logistic_regression(X, std::vector<std::int32_t>(n, 3), classes), ArgumentError);
}
