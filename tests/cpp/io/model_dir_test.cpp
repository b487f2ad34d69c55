#include "strata/io/model_dir.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"
#include "strata/io/npy.hpp"

namespace fs = std::filesystem;
using namespace strata;

TEST(ModelDirectory, WritesFactorsMetricsAndModelJsonLast) {
  const fs::path dir = fs::temp_directory_path() / "strata_model_dir_test";
  fs::remove_all(dir);
  ModelDirectoryWriter w(dir.string(), "nmf");
  const std::vector<double> W = {1, 2, 3, 4, 5, 6};
  w.write_matrix("W", W.data(), 3, 2);
  w.write_vocabulary({"aa", "bb"});
  w.write_metrics(R"({"seconds": 1.5, "iterations": 2})", {{1, 0.5, 3.0, 0.2}, {2, 1.0, 2.0, std::nan("")}});
  EXPECT_THROW(read_model_json(dir.string()), InputError);  // not committed yet: incomplete
  w.commit(R"({"k": 2})");
  const auto model = nlohmann::json::parse(read_model_json(dir.string()));
  EXPECT_EQ(model["kind"], "nmf");
  EXPECT_EQ(model["shapes"]["W"], (std::vector<int>{3, 2}));
  EXPECT_EQ(model["parameters"]["k"], 2);
  const auto metrics = nlohmann::json::parse(read_text_file((dir / "metrics.json").string()));
  EXPECT_EQ(metrics["history"].size(), 2u);
  EXPECT_TRUE(metrics["history"][1]["relative_error"].is_null());
  const NpyArray a = read_npy((dir / "W.npy").string());
  EXPECT_EQ(a.values, W);
  // Re-opening the directory for a new fit removes the stale model.json.
  ModelDirectoryWriter again(dir.string(), "nmf");
  EXPECT_FALSE(fs::exists(dir / "model.json"));
  fs::remove_all(dir);
}
