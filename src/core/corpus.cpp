#include "strata/core/corpus.hpp"

#include "strata/core/error.hpp"

namespace strata {

void validate_corpus(const Corpus& corpus, const std::string& source) {
  validate_csr(corpus.matrix.view(), source.c_str());
  const auto& m = corpus.matrix;
  auto count_mismatch = [&](const char* what, size_t got, Index want) {
    throw InputError(source, std::string(what) + " has " + std::to_string(got) +
                                 " entries but the matrix has " + std::to_string(want));
  };
  if (!corpus.vocabulary.empty() && static_cast<Index>(corpus.vocabulary.size()) != m.cols)
    count_mismatch("vocabulary", corpus.vocabulary.size(), m.cols);
  if (!corpus.doc_ids.empty() && static_cast<Index>(corpus.doc_ids.size()) != m.rows)
    count_mismatch("document ids", corpus.doc_ids.size(), m.rows);
  if (!corpus.labels.empty() && static_cast<Index>(corpus.labels.size()) != m.rows)
    count_mismatch("labels", corpus.labels.size(), m.rows);
  if (!corpus.idf.empty() && static_cast<Index>(corpus.idf.size()) != m.cols)
    count_mismatch("idf", corpus.idf.size(), m.cols);
  if (corpus.cooccurrence) {
    const auto& c = *corpus.cooccurrence;
    validate_csr(c.view(), source.c_str());
    if (c.rows != m.cols || c.cols != m.cols)
      throw InputError(source, "co-occurrence matrix is " + std::to_string(c.rows) + " x " +
                                   std::to_string(c.cols) + ", expected terms x terms (" +
                                   std::to_string(m.cols) + ")");
  }
}

}  // namespace strata

#include <algorithm>
#include <unordered_map>

namespace strata {

CorpusSummary summarize(const Corpus& corpus, int top) {
  CorpusSummary s;
  const SparseMatrix& m = corpus.matrix;
  s.rows = m.rows;
  s.cols = m.cols;
  s.nnz = m.nnz();
  s.density = (m.rows > 0 && m.cols > 0) ? static_cast<double>(s.nnz) / (static_cast<double>(m.rows) * m.cols) : 0.0;
  std::vector<Index> df(static_cast<size_t>(m.cols), 0);
  for (Index i = 0; i < m.rows; ++i) s.empty_rows += m.indptr[i + 1] == m.indptr[i];
  for (Index p = 0; p < s.nnz; ++p) {
    ++df[m.indices[p]];
    const double v = m.data[p];
    if (p == 0 || v < s.min_value) s.min_value = v;
    if (p == 0 || v > s.max_value) s.max_value = v;
    s.sum += v;
  }
  s.empty_cols = std::count(df.begin(), df.end(), 0);
  s.has_vocabulary = !corpus.vocabulary.empty();
  if (s.has_vocabulary && top > 0) {
    std::vector<Index> order(static_cast<size_t>(m.cols));
    for (Index j = 0; j < m.cols; ++j) order[j] = j;
    const size_t k = std::min<size_t>(static_cast<size_t>(top), order.size());
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](Index a, Index b) { return df[a] != df[b] ? df[a] > df[b] : a < b; });
    for (size_t i = 0; i < k; ++i) s.top_terms.emplace_back(corpus.vocabulary[order[i]], df[order[i]]);
  }
  std::unordered_map<std::string, size_t> where;
  for (const auto& label : corpus.labels) {
    auto it = where.find(label);
    if (it == where.end()) {
      where.emplace(label, s.label_counts.size());
      s.label_counts.emplace_back(label, 1);
    } else {
      ++s.label_counts[it->second].second;
    }
  }
  if (corpus.cooccurrence) s.cooccurrence_nnz = corpus.cooccurrence->nnz();
  s.window = corpus.window;
  s.weighting = corpus.weighting;
  return s;
}

}  // namespace strata
