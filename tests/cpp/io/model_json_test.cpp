// Integers and strings read from model.json (and a corpus file's metadata) are
// type- and range-checked, with errors naming the file and the field (issue 24):
// a "k" of 1e300 was converted to int (undefined behaviour), 2^32 + 2 was cut
// to 2, and a string "k" gave nlohmann's bare message.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/io/corpus_file.hpp"
#include "strata/io/hnmf_model.hpp"
#include "strata/io/nmf_model.hpp"
#include "strata/io/npy.hpp"
#include "strata/io/predict_model.hpp"
#include "strata/solvers/neighbors.hpp"
#include "temp_dir_fixture.hpp"

using namespace strata;
namespace fs = std::filesystem;

namespace {

class ModelJsonTest : public strata::testing::TempDirTest {
 protected:
  /// A two-topic NMF model directory over three terms, with `parameters.k` = k.
  std::string nmf_dir(const nlohmann::json& k, const std::string& name = "m") {
    const std::string dir = path(name);
    fs::create_directories(dir);
    const std::vector<double> H = {1, 0, 2, 0, 3, 1};
    write_npy(dir + "/H.npy", H.data(), {2, 3});
    nlohmann::json j = {{"kind", "nmf"},
                        {"parameters", {{"k", k}, {"loss", "frobenius"}, {"solver", "hals"}}},
                        {"vocabulary", nullptr}};
    spit(dir + "/model.json", j.dump());
    return dir;
  }
  static void expect_model_error(const std::string& dir, const std::string& keyword) {
    const std::string model = dir + "/model.json";
    expect_input_error([&] { load_nmf_model(dir); }, model, -1, keyword);
  }
};

}  // namespace

TEST_F(ModelJsonTest, ValidKLoads) { EXPECT_EQ(load_nmf_model(nmf_dir(2)).options.k, 2); }

TEST_F(ModelJsonTest, KOutsideIntIsRefusedNotTruncated) {
  // 2^32 + 2 used to be cut to 2 and load as if valid.
  expect_model_error(nmf_dir(std::uint64_t{4294967298}), "field 'k' must be an integer in [1, 2147483647]");
  // 1e300 was converted to int: undefined behaviour.
  expect_model_error(nmf_dir(1e300), "field 'k' must be an integer");
  expect_model_error(nmf_dir(2.0), "field 'k' must be an integer");
  expect_model_error(nmf_dir(-2), "field 'k' must be an integer in [1, 2147483647] (got -2)");
  expect_model_error(nmf_dir(0), "(got 0)");
}

TEST_F(ModelJsonTest, KOfTheWrongTypeNamesTheField) {
  expect_model_error(nmf_dir("2"), "field 'k' must be an integer in [1, 2147483647] (got \"2\")");
  expect_model_error(nmf_dir(nullptr), "field 'k' must be an integer");
  const std::string dir = nmf_dir(2, "nok");
  spit(dir + "/model.json", R"({"kind": "nmf", "parameters": {"loss": "frobenius", "solver": "hals"}})");
  expect_model_error(dir, "missing field 'k'");
  spit(dir + "/model.json", R"({"kind": 7, "parameters": {"k": 2}})");
  expect_model_error(dir, "field 'kind' must be a string (got 7)");
  spit(dir + "/model.json", R"({"kind": "nmf", "parameters": {"k": 2, "loss": 1, "solver": "hals"}})");
  expect_model_error(dir, "field 'loss' must be a string");
  spit(dir + "/model.json",
       R"({"kind": "nmf", "parameters": {"k": 2, "loss": "frobenius", "solver": "hals"}, "text": {"sublinear_tf": "yes"}})");
  expect_model_error(dir, "field 'sublinear_tf' must be true or false");
}

TEST_F(ModelJsonTest, PredictionModelRanksAreRangeChecked) {
  const std::string dir = path("h");
  fs::create_directories(dir);
  const std::vector<double> H = {1, 0, 2, 0, 3, 1}, B = {1, 0, 0, 1};
  write_npy(dir + "/H_0.npy", H.data(), {2, 3});
  write_npy(dir + "/B.npy", B.data(), {2, 2});
  spit(dir + "/classes.txt", "a\nb\n");
  spit(dir + "/model.json", R"({"kind": "hnmf", "parameters": {"ranks": [2]}})");
  EXPECT_EQ(load_prediction_model(dir).B.rows(), 2);
  spit(dir + "/model.json", R"({"kind": "hnmf", "parameters": {"ranks": [2, 1e300]}})");
  expect_input_error([&] { load_prediction_model(dir); }, dir + "/model.json", -1,
                     "field 'ranks[1]' must be an integer in [1, 2147483647]");
  spit(dir + "/model.json", R"({"kind": "hnmf", "parameters": {"ranks": [4294967298]}})");
  expect_input_error([&] { load_prediction_model(dir); }, dir + "/model.json", -1, "field 'ranks[0]'");
  spit(dir + "/model.json", R"({"kind": "hnmf", "parameters": {"ranks": "2"}})");
  expect_input_error([&] { load_prediction_model(dir); }, dir + "/model.json", -1,
                     "field 'ranks' must be an array of integers");
}

TEST_F(ModelJsonTest, TopicTreeIndicesAreRangeChecked) {
  const std::string dir = path("t");
  fs::create_directories(dir);
  const std::string good =
      R"({"layers": [{"topics": [{"topic": 0, "parent": null, "top_terms": [{"term": "a", "weight": 1}], "children": []}]}]})";
  spit(dir + "/tree.json", good);
  EXPECT_NE(format_topic_tree(dir, 3).find("layer 0 topic 0: a"), std::string::npos);
  const std::string tree = R"({"layers": [
    {"topics": [{"topic": 0, "parent": 0, "top_terms": [], "children": []}]},
    {"topics": [{"topic": 0, "parent": null, "top_terms": [], "children": [{"topic": TOPIC, "weight": 1}]}]}]})";
  for (const std::string bad : {"1e300", "-1", "4294967296"}) {
    std::string text = tree;
    text.replace(text.find("TOPIC"), 5, bad);
    spit(dir + "/tree.json", text);
    SCOPED_TRACE(bad);
    expect_input_error([&] { format_topic_tree(dir, 3); }, dir + "/tree.json", -1, "field 'topic' must be an integer");
  }
}

TEST_F(ModelJsonTest, LatentSpaceKindMustBeAString) {
  const std::string dir = nmf_dir(2, "svd");
  spit(dir + "/model.json", R"({"kind": ["svd"]})");
  expect_input_error([&] { load_latent_space(dir); }, dir + "/model.json", -1, "field 'kind' must be a string");
}

TEST_F(ModelJsonTest, CorpusMetadataWindowIsRangeChecked) {
  Corpus c;
  c.matrix = csr_from_triplets(2, 2, {{0, 0, 1.0}, {1, 1, 2.0}});
  c.weighting = "count";
  c.window = 3;
  write_corpus_file(path("c.strata"), c);
  EXPECT_EQ(MappedCorpusFile(path("c.strata")).metadata().window, 3);
  // Rewrite the metadata section in place: same length, valid checksums.
  std::string b = slurp(path("c.strata"));
  const std::string from = "\"count\",\"window\":3", to = "\"c\",\"window\":1e300";  // same length
  const std::size_t at = b.find(from);
  ASSERT_NE(at, std::string::npos);
  b.replace(at, from.size(), to);
  ASSERT_EQ(b.size(), slurp(path("c.strata")).size());
  spit(path("bad.strata"), b);
  CorpusFileOptions unchecked;
  unchecked.verify_checksums = false;
  expect_input_error([&] { MappedCorpusFile(path("bad.strata"), unchecked).metadata(); }, path("bad.strata"), -1,
                     "field 'window' must be an integer");
}
