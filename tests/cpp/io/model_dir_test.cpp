#include "strata/io/model_dir.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "strata/core/error.hpp"
#include "strata/core/interrupt.hpp"
#include "strata/io/atomic_file.hpp"
#include "strata/io/npy.hpp"
#include "temp_dir_fixture.hpp"

namespace fs = std::filesystem;
using namespace strata;

namespace {
using Snapshot = std::map<std::string, std::string>;  // file name -> bytes

/// Every file of a directory with its bytes; {"<absent>": ""} when missing.
Snapshot snapshot(const fs::path& dir) {
  if (!fs::exists(dir)) return {{"<absent>", ""}};
  Snapshot s;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) {
      std::ifstream in(e.path(), std::ios::binary);
      s[e.path().filename().string()] = std::string(std::istreambuf_iterator<char>(in), {});
    } else {
      s[e.path().filename().string()] = "<not a file>";
    }
  return s;
}

/// Names in `parent` that are strata temporaries.
std::vector<std::string> temporaries(const fs::path& parent) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(parent))
    if (temporary_owner(e.path().filename().string()) != 0) out.push_back(e.path().filename().string());
  return out;
}

void write_model(const fs::path& dir, const std::string& kind, double value, const std::string& extra_name = "") {
  ModelDirectoryWriter w(ModelOutput(dir.string()), kind);
  const std::vector<double> W = {value, 2, 3, 4};
  w.write_matrix("W", W.data(), 2, 2);
  if (!extra_name.empty()) w.write_vector(extra_name, W.data(), 4);
  w.write_vocabulary({"aa", "bb"});
  w.write_metrics(R"({"seconds": 1})", {});
  w.commit(R"({"k": 2})");
}

/// A process id that no longer runs: a child that has exited and been reaped.
long dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return static_cast<long>(child);
}

std::vector<std::string>* g_steps = nullptr;
std::string g_fail_at;
std::vector<Snapshot>* g_seen = nullptr;
fs::path g_dir;

void record_step(const char* step) {
  if (g_steps) g_steps->push_back(step);
  if (g_seen) g_seen->push_back(snapshot(g_dir));
  if (g_fail_at == step) throw InputError(g_dir.string(), std::string("injected failure at ") + step);
}
}  // namespace

class ModelDirectory : public strata::testing::TempDirTest {
 protected:
  void TearDown() override {
    ModelDirectoryWriter::commit_step_hook = nullptr;
    ModelDirectoryWriter::use_exchange = true;
    g_steps = nullptr;
    g_seen = nullptr;
    g_fail_at.clear();
    clear_interrupt();
    TempDirTest::TearDown();
  }
};

TEST_F(ModelDirectory, WritesFactorsMetricsAndModelJsonLast) {
  const fs::path dir = dir_ / "model";
  ModelDirectoryWriter w(dir.string(), "nmf");
  const std::vector<double> W = {1, 2, 3, 4, 5, 6};
  w.write_matrix("W", W.data(), 3, 2);
  w.write_vocabulary({"aa", "bb"});
  w.write_metrics(R"({"seconds": 1.5, "iterations": 2})", {{1, 0.5, 3.0, 0.2}, {2, 1.0, 2.0, std::nan("")}});
  EXPECT_FALSE(fs::exists(dir));  // not committed yet: the files are in the temporary
  EXPECT_THROW(read_model_json(dir.string()), InputError);
  w.commit(R"({"k": 2})");
  const auto model = nlohmann::json::parse(read_model_json(dir.string()));
  EXPECT_EQ(model["kind"], "nmf");
  EXPECT_EQ(model["shapes"]["W"], (std::vector<int>{3, 2}));
  EXPECT_EQ(model["parameters"]["k"], 2);
  EXPECT_EQ(model["files"], (std::vector<std::string>{"W.npy", "metrics.json", "model.json", "vocabulary.txt"}));
  const auto metrics = nlohmann::json::parse(read_text_file((dir / "metrics.json").string()));
  EXPECT_EQ(metrics["history"].size(), 2u);
  EXPECT_TRUE(metrics["history"][1]["relative_error"].is_null());
  const NpyArray a = read_npy((dir / "W.npy").string());
  EXPECT_EQ(a.values, W);
  EXPECT_TRUE(temporaries(dir_).empty());
}

TEST_F(ModelDirectory, ReplacesAnExistingModelAsAWhole) {
  const fs::path dir = dir_ / "model";
  write_model(dir, "nmf", 1.0, "only_in_old");
  const Snapshot old_model = snapshot(dir);
  {
    // A writer that never commits (an exception, an interrupt) leaves the old model.
    ModelDirectoryWriter w(dir.string(), "nmf");
    const std::vector<double> W = {9, 9, 9, 9};
    w.write_matrix("W", W.data(), 2, 2);
    EXPECT_EQ(snapshot(dir), old_model);
  }
  EXPECT_EQ(snapshot(dir), old_model);
  EXPECT_TRUE(temporaries(dir_).empty());
  write_model(dir, "nmf", 7.0);
  EXPECT_FALSE(fs::exists(dir / "only_in_old.npy"));  // no mix of two models
  EXPECT_EQ(read_npy((dir / "W.npy").string()).values[0], 7.0);
  EXPECT_TRUE(temporaries(dir_).empty());
}

// At each step of commit(), DIR is the old model or the complete new one; a
// failure at any step leaves one of them and no temporaries once the writer is gone.
TEST_F(ModelDirectory, OldOrNewAtEveryStepOfReplacing) {
  for (bool exchange : {true, false}) {
    for (const std::string fail_at : {"", "temporary synced", "exchanged", "renamed aside", "renamed in", "old removed"}) {
      SCOPED_TRACE((exchange ? "exchange, fail at " : "rename aside, fail at ") + fail_at);
      const fs::path dir = dir_ / "model";
      fs::remove_all(dir);
      write_model(dir, "nmf", 1.0, "only_in_old");
      const Snapshot old_model = snapshot(dir);
      write_model(dir_ / "reference", "nmf", 2.0);  // what the new model looks like
      Snapshot new_model = snapshot(dir_ / "reference");
      fs::remove_all(dir_ / "reference");

      std::vector<std::string> steps;
      std::vector<Snapshot> seen;
      g_steps = &steps;
      g_seen = &seen;
      g_dir = dir;
      g_fail_at = fail_at;
      ModelDirectoryWriter::use_exchange = exchange;
      ModelDirectoryWriter::commit_step_hook = record_step;
      bool failed = false;
      try {
        write_model(dir, "nmf", 2.0);
      } catch (const InputError& e) {
        failed = true;
        EXPECT_NE(std::string(e.what()).find("injected failure"), std::string::npos);
      }
      ModelDirectoryWriter::commit_step_hook = nullptr;
      g_seen = nullptr;
      const bool step_taken = std::find(steps.begin(), steps.end(), fail_at) != steps.end();
      EXPECT_EQ(failed, !fail_at.empty() && step_taken);
      const Snapshot absent = snapshot(dir_ / "no such directory");
      for (size_t i = 0; i < seen.size(); ++i) {
        // model.json records the version and parameters, identical here, so whole
        // snapshots compare: old (1.0) or new (2.0), nothing in between. Without
        // an exchange, DIR is absent for the one step between the two renames.
        const Snapshot& s = seen[i];
        const bool is_old = s == old_model, is_new = s == new_model;
        const bool may_be_absent = !exchange && steps[i] == "renamed aside";
        EXPECT_TRUE(is_old || is_new || (may_be_absent && s == absent))
            << "a mixed or partial directory with " << s.size() << " files at " << steps[i];
      }
      EXPECT_EQ(snapshot(dir), failed && (fail_at == "temporary synced" || fail_at == "renamed aside") ? old_model
                                                                                                         : new_model);
      EXPECT_TRUE(temporaries(dir_).empty()) << temporaries(dir_).size() << " temporaries left";
    }
  }
}

TEST_F(ModelDirectory, RefusesAnotherKindOrForeignFilesWithoutOverwrite) {
  const fs::path nmf_dir = dir_ / "topics";
  write_model(nmf_dir, "nmf", 1.0);
  const Snapshot nmf_model = snapshot(nmf_dir);
  expect_input_error([&] { check_model_output(ModelOutput(nmf_dir.string()), "svd"); }, nmf_dir.string(),
                     0, "holds a model of kind 'nmf', not 'svd'");
  EXPECT_THROW(ModelDirectoryWriter(ModelOutput(nmf_dir.string()), "svd"), InputError);
  EXPECT_EQ(snapshot(nmf_dir), nmf_model);
  EXPECT_NO_THROW(check_model_output(ModelOutput(nmf_dir.string()), "nmf"));  // a rerun
  EXPECT_NO_THROW(check_model_output(ModelOutput(nmf_dir.string(), true), "svd"));
  write_model(dir_ / "lsa", "svd", 1.0);
  EXPECT_NO_THROW(check_model_output(ModelOutput((dir_ / "lsa").string()), "pca"));  // one command, one family

  // Files strata did not write, beside a model of the same kind.
  write("topics/notes.txt", "mine");
  expect_input_error([&] { check_model_output(ModelOutput(nmf_dir.string()), "nmf"); }, nmf_dir.string(), 0,
                     "not part of its model (notes.txt)");
  // A directory of other things, and a file.
  fs::create_directories(dir_ / "data");
  write("data/a.csv", "1,2");
  expect_input_error([&] { check_model_output(ModelOutput(path("data")), "nmf"); }, path("data"), 0,
                     "no model.json");
  write("file.txt", "x");
  expect_input_error([&] { check_model_output(ModelOutput(path("file.txt")), "nmf"); }, path("file.txt"), 0,
                     "not a directory");
  // An empty directory is free.
  fs::create_directories(dir_ / "empty");
  EXPECT_NO_THROW(check_model_output(ModelOutput(path("empty")), "nmf"));

  // --overwrite replaces as a whole: nothing of the NMF (or the notes) stays.
  {
    ModelDirectoryWriter w(ModelOutput(nmf_dir.string(), true), "svd");
    const std::vector<double> c = {1, 2};
    w.write_matrix("components", c.data(), 1, 2);
    w.commit("{}");
  }
  const Snapshot now = snapshot(nmf_dir);
  EXPECT_EQ(now.size(), 2u);
  EXPECT_TRUE(now.count("components.npy") && now.count("model.json"));
  ModelDirectoryWriter w(ModelOutput(path("file.txt"), true), "nmf");
  w.commit("{}");
  EXPECT_TRUE(fs::is_directory(path("file.txt")));
}

TEST_F(ModelDirectory, RemovesStaleTemporariesOfDeadProcesses) {
  const long dead = dead_pid();
  const std::string mine = std::to_string(::getpid());
  const fs::path stale_dir = dir_ / (".topics.strata-tmp-" + std::to_string(dead) + "-0123abcd");
  const fs::path stale_aside = dir_ / (".other.strata-old-" + std::to_string(dead) + "-00ff");
  const fs::path live_dir = dir_ / (".topics.strata-tmp-" + mine + "-beef");
  fs::create_directories(stale_dir);
  fs::create_directories(stale_aside);
  fs::create_directories(live_dir);
  write(".topics.strata-tmp-" + std::to_string(dead) + "-0123abcd/W.npy", "partial");
  write("corpus.strata.tmp-" + std::to_string(dead) + "-3", "partial");
  write("corpus.strata.tmp-" + mine + "-4", "in progress");
  write("notes.tmp-x-1", "not ours");  // not a strata name: kept
  write_model(dir_ / "topics", "nmf", 1.0);
  EXPECT_FALSE(fs::exists(stale_dir));
  EXPECT_FALSE(fs::exists(path("corpus.strata.tmp-" + std::to_string(dead) + "-3")));
  EXPECT_TRUE(fs::exists(live_dir));  // this process is alive
  EXPECT_TRUE(fs::exists(path("corpus.strata.tmp-" + mine + "-4")));
  EXPECT_TRUE(fs::exists(path("notes.tmp-x-1")));
  // A model renamed aside by a killed process comes back when its name is free.
  EXPECT_TRUE(fs::is_directory(dir_ / "other"));
  EXPECT_FALSE(fs::exists(stale_aside));
  EXPECT_EQ(temporary_owner(".topics.strata-tmp-123-ab"), 123);
  EXPECT_EQ(temporary_owner("W.npy.tmp-123-4"), 123);
  EXPECT_EQ(temporary_owner("W.npy"), 0);
  EXPECT_EQ(temporary_owner("W.npy.tmp-12a-4"), 0);
}

TEST_F(ModelDirectory, AnInterruptRemovesTheTemporaryAndKeepsTheOldModel) {
  const fs::path dir = dir_ / "model";
  write_model(dir, "nmf", 1.0);
  const Snapshot old_model = snapshot(dir);
  {
    ModelDirectoryWriter w(dir.string(), "nmf");
    EXPECT_TRUE(interrupt_deferred());
    const std::vector<double> W = {5, 5, 5, 5};
    w.write_matrix("W", W.data(), 2, 2);
    request_interrupt(SIGTERM);
    EXPECT_THROW(w.write_matrix("H", W.data(), 2, 2), Interrupted);
    try {
      w.commit("{}");
      ADD_FAILURE() << "committed despite the interrupt";
    } catch (const Interrupted& e) {
      EXPECT_EQ(e.signal(), SIGTERM);
    }
  }
  EXPECT_FALSE(interrupt_deferred());
  EXPECT_EQ(snapshot(dir), old_model);
  EXPECT_TRUE(temporaries(dir_).empty());
}

TEST_F(ModelDirectory, FollowsASymbolicLinkToTheModel) {
  write_model(dir_ / "real", "nmf", 1.0);
  fs::create_directory_symlink(dir_ / "real", dir_ / "link");
  write_model(dir_ / "link", "nmf", 3.0);
  EXPECT_TRUE(fs::is_symlink(dir_ / "link"));
  EXPECT_EQ(read_npy((dir_ / "real" / "W.npy").string()).values[0], 3.0);
}
