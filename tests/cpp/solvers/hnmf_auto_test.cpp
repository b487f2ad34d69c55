// Hierarchical NMF with ranks auto: per-layer NMFk recovers a planted
// hierarchy, stops by the documented rules, and is deterministic.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/solvers/hnmf.hpp"
#include "strata/synth/generators.hpp"

using namespace strata;
using namespace strata::synth;

namespace {

/// A planted 6 -> 2 hierarchy whose documents mix the leaves of their group
/// (decay 0.2: a sibling gets a fifth of the own leaf's concentration, the
/// other group a twenty-fifth), small enough for a fast test.
HierarchyResult planted(std::uint64_t seed) {
  HierarchyOptions h;
  h.n_documents = 300;
  h.n_terms = 300;
  h.ranks = {6, 2};
  h.decay = 0.2;
  h.seed = seed;
  return make_hierarchy(h);
}

HnmfOptions auto_options() {
  HnmfOptions o;
  o.auto_ranks = true;
  o.selection.k_max = 9;
  o.selection.perturbations = 10;
  o.method = HnmfMethod::Sequential;
  o.layer_iter = 100;
  o.threads = 2;
  return o;
}

}  // namespace

TEST(HnmfAuto, RecoversPlantedRanksAndStopsAtKMin) {
  for (std::uint64_t seed : {0, 1, 2}) {
    const HierarchyResult h = planted(seed);
    HnmfOptions o = auto_options();
    o.seed = seed;
    const HnmfResult r = hierarchical_nmf(h.X.view(), o);
    EXPECT_EQ(r.ranks, (std::vector<int>{6, 2})) << "seed " << seed;
    ASSERT_EQ(r.layers.size(), r.ranks.size());
    for (size_t l = 0; l < r.layers.size(); ++l) EXPECT_EQ(r.layers[l].rank, r.ranks[l]);
    // The last rank is k_min = 2: no smaller rank exists, so no third NMFk ran.
    EXPECT_EQ(r.selection_stop, HnmfSelectionStop::MinRank);
    ASSERT_EQ(r.rank_selection.size(), 2u);
    const HnmfLayerSelection& s0 = r.rank_selection[0];
    EXPECT_EQ(s0.k_min, 2);
    EXPECT_EQ(s0.k_max, 9);
    ASSERT_EQ(s0.curve.size(), 8u);
    EXPECT_TRUE(s0.added);
    EXPECT_EQ(s0.status, NmfkStatus::Selected);
    // The planted rank is stable, one more is not.
    EXPECT_GE(s0.curve[6 - 2].silhouette_min_H, 0.8);
    EXPECT_LT(s0.curve[7 - 2].silhouette_min_H, 0.8);
    const HnmfLayerSelection& s1 = r.rank_selection[1];
    EXPECT_EQ(s1.k_max, 5);  // k_0 - 1
    EXPECT_EQ(s1.curve.size(), 4u);
    EXPECT_TRUE(s1.added);
  }
}

TEST(HnmfAuto, FitsTheSelectedRanksExactlyAsExplicitOnes) {
  const HierarchyResult h = planted(0);
  HnmfOptions o = auto_options();
  o.method = HnmfMethod::Neural;
  o.epochs = 5;
  const HnmfResult a = hierarchical_nmf(h.X.view(), o);
  HnmfOptions explicit_ranks = o;
  explicit_ranks.auto_ranks = false;
  explicit_ranks.ranks = a.ranks;
  const HnmfResult b = hierarchical_nmf(h.X.view(), explicit_ranks);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t l = 0; l < a.layers.size(); ++l) {
    EXPECT_EQ(a.layers[l].W, b.layers[l].W);
    EXPECT_EQ(a.layers[l].H, b.layers[l].H);
  }
  EXPECT_TRUE(b.rank_selection.empty());
  EXPECT_EQ(b.ranks, a.ranks);
}

TEST(HnmfAuto, ALayerBelowTheThresholdIsNotAdded) {
  // A threshold no rank reaches: layer 0 keeps NMFk's fallback (a hierarchy
  // needs one layer), layer 1's NMFk runs, is rejected and the hierarchy stops.
  const HierarchyResult h = planted(0);
  HnmfOptions o = auto_options();
  o.selection.k_min = 3;  // a fallback above k_min leaves a layer 1 to try
  o.selection.k_max = 7;
  o.selection.criterion = RankCriterion::MinSilhouette;  // layer 0 by the rule deeper layers use
  o.selection.threshold = 1.0;
  const HnmfResult r = hierarchical_nmf(h.X.view(), o);
  ASSERT_EQ(r.rank_selection.size(), 2u);
  const HnmfLayerSelection& s0 = r.rank_selection[0];
  EXPECT_EQ(s0.status, NmfkStatus::BelowThreshold);
  EXPECT_TRUE(s0.added);
  double best = -2;
  for (const RankPoint& p : s0.curve) best = std::max(best, p.silhouette_min_H);
  for (const RankPoint& p : s0.curve)
    if (p.k == s0.selected_k) EXPECT_EQ(p.silhouette_min_H, best);  // the fallback: highest minimum silhouette
  EXPECT_EQ(r.ranks, std::vector<int>{s0.selected_k});
  EXPECT_EQ(r.selection_stop, HnmfSelectionStop::BelowThreshold);
  EXPECT_FALSE(r.rank_selection[1].added);
  EXPECT_EQ(r.rank_selection[1].status, NmfkStatus::BelowThreshold);
  EXPECT_EQ(r.rank_selection[1].k_max, s0.selected_k - 1);
  ASSERT_EQ(r.layers.size(), 1u);
}

TEST(HnmfAuto, MaxLayersStopsTheHierarchy) {
  const HierarchyResult h = planted(1);
  HnmfOptions o = auto_options();
  o.selection.k_max = 7;
  o.selection.max_layers = 1;
  const HnmfResult r = hierarchical_nmf(h.X.view(), o);
  EXPECT_EQ(r.ranks, std::vector<int>{6});
  EXPECT_EQ(r.selection_stop, HnmfSelectionStop::MaxLayers);
  EXPECT_EQ(r.rank_selection.size(), 1u);
}

TEST(HnmfAuto, DeterministicForASeedAndThreadCount) {
  const HierarchyResult h = planted(2);
  HnmfOptions o = auto_options();
  o.selection.k_max = 7;
  o.seed = 7;
  const HnmfRankSelectionResult a = select_hnmf_ranks(h.X.view(), o), b = select_hnmf_ranks(h.X.view(), o);
  EXPECT_EQ(a.ranks, b.ranks);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t l = 0; l < a.layers.size(); ++l)
    for (size_t i = 0; i < a.layers[l].curve.size(); ++i) {
      EXPECT_EQ(a.layers[l].curve[i].silhouette_min_H, b.layers[l].curve[i].silhouette_min_H);
      EXPECT_EQ(a.layers[l].curve[i].relative_error, b.layers[l].curve[i].relative_error);
    }
}

TEST(HnmfAuto, InvalidSelectionOptionsNameTheParameter) {
  const HierarchyResult h = planted(0);
  auto expect_named = [&](const HnmfOptions& o, const std::string& name) {
    try {
      hierarchical_nmf(h.X.view(), o);
      FAIL() << name << " accepted";
    } catch (const ArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  };
  const std::vector<std::pair<std::string, std::function<void(HnmfOptions&)>>> cases = {
      {"k_min", [](HnmfOptions& o) { o.selection.k_min = 1; }},
      {"k_max", [](HnmfOptions& o) { o.selection.k_max = 1; }},
      {"max_layers", [](HnmfOptions& o) { o.selection.max_layers = 0; }},
      {"threshold", [](HnmfOptions& o) { o.selection.threshold = 2; }},
      {"perturbations", [](HnmfOptions& o) { o.selection.perturbations = 1; }},
      {"epsilon", [](HnmfOptions& o) { o.selection.epsilon = 1; }},
      {"min_error_gain", [](HnmfOptions& o) { o.selection.min_error_gain = 1; }},
      {"epochs", [](HnmfOptions& o) { o.epochs = -1; }},  // checked before the selection runs
  };
  for (const auto& [name, spoil] : cases) {
    HnmfOptions o = auto_options();
    spoil(o);
    expect_named(o, name);
  }
  EXPECT_THROW(parse_selection_coefficients("shares"), ArgumentError);
}
