#include "strata/text/vectorizer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "strata/core/error.hpp"

using namespace strata;

namespace {
double value_at(const SparseMatrix& m, Index i, const std::vector<std::string>& vocab, const std::string& term) {
  for (Index p = m.indptr[i]; p < m.indptr[i + 1]; ++p)
    if (vocab[m.indices[p]] == term) return m.data[p];
  return 0.0;
}
}  // namespace

TEST(Vectorizer, CountsWithSortedVocabulary) {
  VectorizerOptions o;
  o.weighting = Weighting::Count;
  const Corpus c = vectorize({"the cat sat", "the cat the hat", ""}, o);
  EXPECT_EQ(c.vocabulary, (std::vector<std::string>{"cat", "hat", "sat", "the"}));
  EXPECT_EQ(c.matrix.rows, 3);
  EXPECT_EQ(value_at(c.matrix, 1, c.vocabulary, "the"), 2.0);
  EXPECT_EQ(c.matrix.indptr[3] - c.matrix.indptr[2], 0);
}

TEST(Vectorizer, SmoothIdfAndL2Norm) {
  const Corpus c = vectorize({"aa bb", "aa"}, VectorizerOptions{});
  // idf(aa) = log(3/3) + 1 = 1, idf(bb) = log(3/2) + 1.
  const double ib = std::log(1.5) + 1.0;
  const double norm = std::sqrt(1.0 + ib * ib);
  EXPECT_NEAR(value_at(c.matrix, 0, c.vocabulary, "aa"), 1.0 / norm, 1e-15);
  EXPECT_NEAR(value_at(c.matrix, 0, c.vocabulary, "bb"), ib / norm, 1e-15);
  EXPECT_NEAR(value_at(c.matrix, 1, c.vocabulary, "aa"), 1.0, 1e-15);
}

TEST(Vectorizer, PrunesByDocumentFrequencyAndMaxFeatures) {
  VectorizerOptions o;
  o.weighting = Weighting::Count;
  o.min_df = DocumentFrequency{2, false};
  const Corpus c = vectorize({"aa bb cc", "aa bb", "aa dd"}, o);
  EXPECT_EQ(c.vocabulary, (std::vector<std::string>{"aa", "bb"}));
  o.min_df = DocumentFrequency{1, false};
  o.max_df = DocumentFrequency{0.9, true};  // drops "aa" (in all 3 documents)
  EXPECT_EQ(vectorize({"aa bb cc", "aa bb", "aa dd"}, o).vocabulary, (std::vector<std::string>{"bb", "cc", "dd"}));
  o.max_df = DocumentFrequency{1.0, true};
  o.max_features = 2;  // total counts aa=3, bb=2, cc=dd=1
  EXPECT_EQ(vectorize({"aa bb cc", "aa bb", "aa dd"}, o).vocabulary, (std::vector<std::string>{"aa", "bb"}));
}

TEST(Vectorizer, StopWordsAndEmptyVocabularyError) {
  VectorizerOptions o;
  o.stop_words = "english";
  EXPECT_EQ(vectorize({"the quick fox", "and the dog"}, o).vocabulary, (std::vector<std::string>{"dog", "fox", "quick"}));
  EXPECT_THROW(vectorize({"the and of", "a"}, o), InputError);
  o.stop_words = "none";
  o.min_df = DocumentFrequency{5, false};
  o.max_df = DocumentFrequency{100, false};
  EXPECT_THROW(vectorize({"aa bb"}, o), InputError);  // no term is in 5 documents
  o.min_df = DocumentFrequency{0.9, true};
  o.max_df = DocumentFrequency{0.1, true};
  EXPECT_THROW(vectorize({"aa bb"}, o), ArgumentError);
}

TEST(Vectorizer, WindowCountsSymmetricCooccurrence) {
  VectorizerOptions o;
  o.weighting = Weighting::Count;
  o.window = 1;
  const Corpus c = vectorize({"aa bb cc", "aa aa"}, o);
  ASSERT_TRUE(c.cooccurrence.has_value());
  const SparseMatrix& co = *c.cooccurrence;
  auto at = [&](int a, int b) {
    for (Index p = co.indptr[a]; p < co.indptr[a + 1]; ++p)
      if (co.indices[p] == b) return co.data[p];
    return 0.0;
  };
  // vocabulary aa=0, bb=1, cc=2
  EXPECT_EQ(at(0, 1), 1.0);
  EXPECT_EQ(at(1, 0), 1.0);
  EXPECT_EQ(at(1, 2), 1.0);
  EXPECT_EQ(at(0, 2), 0.0);
  EXPECT_EQ(at(0, 0), 2.0);  // "aa aa": each occurrence sees the other
}

TEST(DocumentFrequency, ParsesCountsAndFractions) {
  EXPECT_FALSE(DocumentFrequency::parse("5", "min_df").is_fraction);
  EXPECT_TRUE(DocumentFrequency::parse("0.5", "min_df").is_fraction);
  EXPECT_TRUE(DocumentFrequency::parse("1.0", "max_df").is_fraction);
  EXPECT_THROW(DocumentFrequency::parse("1.5", "max_df"), ArgumentError);
  EXPECT_THROW(DocumentFrequency::parse("abc", "max_df"), ArgumentError);
  EXPECT_THROW(DocumentFrequency::parse("-1", "max_df"), ArgumentError);
}

TEST(Vectorizer, TransformUsesFittedVocabularyAndIdf) {
  VectorizerOptions o;
  const Corpus fitted = vectorize({"aa bb", "aa cc", "bb dd"}, o);
  ASSERT_EQ(fitted.idf.size(), fitted.vocabulary.size());
  // Transforming the training documents reproduces the training matrix.
  const Corpus again = transform_documents({"aa bb", "aa cc", "bb dd"}, fitted, o);
  EXPECT_EQ(again.vocabulary, fitted.vocabulary);
  EXPECT_EQ(again.matrix.indices, fitted.matrix.indices);
  for (size_t p = 0; p < again.matrix.data.size(); ++p) EXPECT_NEAR(again.matrix.data[p], fitted.matrix.data[p], 1e-15);
  // Unknown words are ignored; a document of unknown words is an empty row.
  const Corpus unseen = transform_documents({"zz yy", "dd zz"}, fitted, o);
  EXPECT_EQ(unseen.matrix.indptr[1], 0);
  EXPECT_EQ(unseen.matrix.nnz(), 1);
  EXPECT_NEAR(unseen.matrix.data[0], 1.0, 1e-15);  // l2-normalized single term
}

// Issue 24: an empty input reported "max_df corresponds to < documents than
// min_df", an ArgumentError about options the user never set.
TEST(Vectorizer, EmptyInputHasNoDocuments) {
  try {
    vectorize(std::vector<std::string>{}, VectorizerOptions{});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no documents"), std::string::npos) << e.what();
  }
  const std::string empty = ::testing::TempDir() + "strata_empty_input.txt";
  std::ofstream(empty).close();
  try {
    vectorize_file(empty, TextSourceOptions{}, VectorizerOptions{});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.source(), empty);
    EXPECT_NE(std::string(e.what()).find("no documents"), std::string::npos) << e.what();
  }
  std::remove(empty.c_str());
}
