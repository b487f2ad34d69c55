// The hierarchical model directory: tree.json's weights and parents, and the
// printed tree (every topic shown once, under its parent).
#include "strata/io/hnmf_model.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "strata/io/model_dir.hpp"
#include "temp_dir_fixture.hpp"

using namespace strata;
using HnmfModelDir = strata::testing::TempDirTest;

namespace {
/// Three leaf topics over four terms, two super-topics; leaf 2 unused by both.
HnmfResult small_hierarchy() {
  HnmfResult r;
  HnmfLayer leaf, top;
  leaf.rank = 3;
  leaf.H = DenseMatrix{{1.0, 0.0, 0.0, 0.0}, {0.0, 2.0, 0.0, 0.0}, {0.0, 0.0, 1.0, 1.0}};
  leaf.W = DenseMatrix::Ones(2, 3);
  top.rank = 2;
  top.mixing = DenseMatrix{{1.0, 0.5, 0.0}, {0.0, 1.0, 0.0}};
  top.H = top.mixing * leaf.H;
  top.W = DenseMatrix::Ones(2, 2);
  r.layers = {leaf, top};
  return r;
}
}  // namespace

TEST_F(HnmfModelDir, TreeWeightsParentsAndPrintedTree) {
  const HnmfResult r = small_hierarchy();
  const auto tree = nlohmann::json::parse(hnmf_tree_json(r, {"a", "b", "c", "d"}, 2));
  const auto& tops = tree["layers"][1]["topics"];
  // Super-topic 0 = 1 x leaf 0 (mass 1) + 0.5 x leaf 1 (mass 2): shares 0.5 and 0.5.
  ASSERT_EQ(tops[0]["children"].size(), 2u);
  EXPECT_DOUBLE_EQ(tops[0]["children"][0]["weight"].get<double>() + tops[0]["children"][1]["weight"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(tops[0]["children"][0]["weight"].get<double>(), 0.5);
  const auto& leaves = tree["layers"][0]["topics"];
  EXPECT_EQ(leaves[0]["parent"], 0);
  EXPECT_EQ(leaves[1]["parent"], 1);  // used 1.0 by super-topic 1, 0.5 by super-topic 0
  EXPECT_TRUE(leaves[2]["parent"].is_null());
  EXPECT_EQ(leaves[1]["top_terms"][0]["term"], "b");

  HnmfOptions o;
  o.ranks = {3, 2};
  Corpus corpus;
  corpus.vocabulary = {"a", "b", "c", "d"};
  const SparseMatrix X = csr_from_triplets(2, 4, {{0, 0, 1.0}, {1, 3, 2.0}});
  save_hnmf_model(path("m"), r, o, corpus, X.view(), "x", nullptr, 2);
  EXPECT_TRUE(is_hnmf_model(path("m")));
  const std::string shown = format_topic_tree(path("m"), 1);
  EXPECT_EQ(shown,
            "layer 1 topic 0: a\n"
            "  [0.50] layer 0 topic 0: a\n"
            "layer 1 topic 1: b\n"
            "  [1.00] layer 0 topic 1: b\n"
            "(no super-topic)\n"
            "  layer 0 topic 2: c\n");
}
