// The neural language model: the factored output layer gives the same
// training as the naive one (float64), the loss falls on a small corpus with
// structure, and the token stream follows the documented vocabulary rules.
#include "strata/nn/language_model.hpp"

#include <gtest/gtest.h>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"

using namespace strata;
using namespace strata::nn;

namespace {

// Documents from a sparse Markov chain over `words` words: each word is
// followed by one of 3 successors, so the next word is predictable.
TokenStream markov_stream(int words, int docs, int length, std::uint64_t seed) {
  Random rng(seed);
  std::vector<std::vector<int>> next(words);
  for (auto& n : next)
    for (int k = 0; k < 3; ++k) n.push_back(static_cast<int>(rng.uniform_index(words)));
  TokenStream s;
  for (int w = 0; w < words; ++w) {
    s.vocabulary.push_back("w" + std::to_string(w));
    s.counts.push_back(1);
  }
  s.doc_starts.push_back(0);
  for (int doc = 0; doc < docs; ++doc) {
    int w = static_cast<int>(rng.uniform_index(words));
    for (int t = 0; t < length; ++t) {
      s.tokens.push_back(w);
      w = next[w][rng.uniform_index(3)];
    }
    s.doc_starts.push_back(static_cast<Index>(s.tokens.size()));
  }
  return s;
}

LanguageModelOptions small_options() {
  LanguageModelOptions o;
  o.context = 2;
  o.dim = 8;
  o.hidden = 12;
  o.batch_size = 16;
  o.threads = 2;
  o.seed = 5;
  return o;
}

}  // namespace

TEST(LanguageModel, FactoredEqualsNaiveInDouble) {
  const TokenStream s = markov_stream(300, 20, 60, 1);
  for (OutputLoss loss : {OutputLoss::TaylorSoftmax, OutputLoss::Squared, OutputLoss::ZLoss}) {
    LanguageModelOptions o = small_options();
    o.dtype = Dtype::Float64;
    o.loss.kind = loss;
    o.learning_rate = loss == OutputLoss::Squared ? 0.01 : 0.05;  // squared error on one-hot targets is steeper
    o.max_batches = 40;
    o.stabilize_every = 7;
    o.output_update = OutputUpdate::Naive;
    const LanguageModelResult naive = train_language_model(s, o);
    o.output_update = OutputUpdate::Factored;
    const LanguageModelResult fact = train_language_model(s, o);
    ASSERT_EQ(naive.batches, 40);
    ASSERT_EQ(fact.history.size(), naive.history.size());
    EXPECT_NEAR(fact.loss, naive.loss, 1e-10 * std::abs(naive.loss)) << to_string(loss);
    EXPECT_LT((fact.embeddings - naive.embeddings).norm() / naive.embeddings.norm(), 1e-10) << to_string(loss);
    EXPECT_GT(fact.stabilization.checks, 0);
  }
}

TEST(LanguageModel, LossFallsOnAPredictableCorpus) {
  const TokenStream s = markov_stream(50, 40, 100, 2);
  LanguageModelOptions o = small_options();
  o.epochs = 6;
  o.learning_rate = 0.1;
  const LanguageModelResult r = train_language_model(s, o);
  ASSERT_EQ(r.history.size(), 6u);
  // Uniform guessing costs log(50) = 3.9 per word; the chain allows log(3) = 1.1.
  EXPECT_LT(r.history.back().loss, 0.8 * r.history.front().loss);
  EXPECT_EQ(r.embeddings.rows(), 50);
  EXPECT_EQ(r.embeddings.cols(), 8);
}

TEST(LanguageModel, TokenStreamKeepsFrequentWordsAndDropsTheRest) {
  const std::vector<std::string> docs = {"the cat sat on the mat", "The dog sat", "a b"};
  TokenStreamOptions opt;
  opt.min_count = 2;
  const TokenStream s = build_token_stream(
      [&](const std::function<void(std::string_view)>& emit) {
        for (const auto& d : docs) emit(d);
      },
      opt);
  // "the" x3, "sat" x2; single-letter words are not tokens.
  ASSERT_EQ(s.vocabulary, (std::vector<std::string>{"the", "sat"}));
  EXPECT_EQ(s.counts, (std::vector<long long>{3, 2}));
  EXPECT_EQ(s.tokens, (std::vector<ColIndex>{0, 1, 0, 0, 1}));
  EXPECT_EQ(s.doc_starts, (std::vector<Index>{0, 3, 5, 5}));
  EXPECT_EQ(s.dropped, 4);
  opt.max_vocabulary = 1;
  opt.min_count = 1;
  const TokenStream one = build_token_stream(
      [&](const std::function<void(std::string_view)>& emit) {
        for (const auto& d : docs) emit(d);
      },
      opt);
  EXPECT_EQ(one.vocabulary, (std::vector<std::string>{"the"}));
}

TEST(LanguageModel, RejectsBadOptionsAndEmptyStreams) {
  const TokenStream s = markov_stream(20, 2, 10, 3);
  LanguageModelOptions o = small_options();
  o.context = 0;
  EXPECT_THROW(train_language_model(s, o), ArgumentError);
  o = small_options();
  o.context = 50;  // no document is that long
  EXPECT_THROW(train_language_model(s, o), ArgumentError);
  o = small_options();
  o.learning_rate = -1;
  EXPECT_THROW(train_language_model(s, o), ArgumentError);
  TokenStream bad = s;
  bad.tokens[0] = 99;
  EXPECT_THROW(train_language_model(bad, small_options()), ArgumentError);
}

TEST(LanguageModel, DivergingLearningRateIsAClearError) {
  const TokenStream s = markov_stream(50, 40, 100, 2);
  LanguageModelOptions o = small_options();
  o.epochs = 3;
  o.loss.kind = OutputLoss::Squared;      // unbounded in W, unlike the softmax-like losses
  o.learning_rate = 1e12;
  try {
    train_language_model(s, o);
    FAIL() << "a learning rate of 1e12 should diverge";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("makes training diverge"), std::string::npos) << e.what();
  }
}

TEST(LanguageModel, StatusSaysWhetherTheLossFell) {
  const TokenStream s = markov_stream(50, 40, 100, 3);
  LanguageModelOptions o = small_options();
  o.epochs = 2;
  const LanguageModelResult r = train_language_model(s, o);  // the default rate
  EXPECT_EQ(r.status, TrainingStatus::Finished);
  EXPECT_LT(r.progress.end_loss, 0.9 * r.progress.start_loss);
  o.learning_rate = 0.0;  // nothing moves: the loss of the first minibatches is the loss of the last
  const LanguageModelResult z = train_language_model(s, o);
  EXPECT_EQ(z.status, TrainingStatus::NotLearning);
  EXPECT_NEAR(z.progress.end_loss, z.progress.start_loss, 0.02 * z.progress.start_loss);
}
