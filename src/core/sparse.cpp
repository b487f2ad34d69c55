#include "strata/core/sparse.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "strata/core/error.hpp"

namespace strata {

SparseMatrix csr_from_triplets(Index rows, Index cols, std::vector<Triplet> triplets) {
  SparseMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(static_cast<size_t>(rows) + 1, 0);
  for (const auto& t : triplets) ++m.indptr[static_cast<size_t>(t.row) + 1];
  std::partial_sum(m.indptr.begin(), m.indptr.end(), m.indptr.begin());
  m.indices.resize(triplets.size());
  m.data.resize(triplets.size());
  std::vector<Index> next(m.indptr.begin(), m.indptr.end() - 1);
  for (const auto& t : triplets) {
    const Index p = next[static_cast<size_t>(t.row)]++;
    m.indices[p] = t.col;
    m.data[p] = t.value;
  }
  sort_and_sum_duplicates(m);
  return m;
}

void sort_and_sum_duplicates(SparseMatrix& m) {
  std::vector<std::pair<ColIndex, double>> row;
  Index out = 0;
  Index begin = 0;
  for (Index i = 0; i < m.rows; ++i) {
    const Index end = m.indptr[i + 1];
    row.clear();
    for (Index p = begin; p < end; ++p) row.emplace_back(m.indices[p], m.data[p]);
    const bool sorted = std::is_sorted(row.begin(), row.end(),
                                       [](const auto& a, const auto& b) { return a.first < b.first; });
    if (!sorted)
      std::stable_sort(row.begin(), row.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t q = 0; q < row.size(); ++q) {
      if (q > 0 && row[q].first == row[q - 1].first) {
        m.data[out - 1] += row[q].second;
      } else {
        m.indices[out] = row[q].first;
        m.data[out] = row[q].second;
        ++out;
      }
    }
    begin = end;
    m.indptr[i + 1] = out;
  }
  m.indices.resize(out);
  m.data.resize(out);
}

void validate_csr(const SparseView& m, const char* source) {
  if (m.rows < 0 || m.cols < 0) throw InputError(source, "negative matrix dimensions");
  if (m.indptr == nullptr) throw InputError(source, "missing row pointers");
  if (m.indptr[0] != 0) throw InputError(source, "row pointers must start at 0");
  for (Index i = 0; i < m.rows; ++i)
    if (m.indptr[i + 1] < m.indptr[i])
      throw InputError(source, "row pointers decrease at row " + std::to_string(i));
  const Index nnz = m.indptr[m.rows];
  for (Index p = 0; p < nnz; ++p)
    if (m.indices[p] < 0 || m.indices[p] >= m.cols)
      throw InputError(source, "column index " + std::to_string(m.indices[p]) +
                                   " out of range [0, " + std::to_string(m.cols) + ")");
}

void require_nonnegative_finite(const SparseView& m, const std::string& source) {
  for (Index i = 0; i < m.rows; ++i)
    for (Index p = m.indptr[i]; p < m.indptr[i + 1]; ++p) {
      const double v = m.data[p];
      if (std::isfinite(v) && v >= 0) continue;
      const std::string where = " at row " + std::to_string(i) + ", column " + std::to_string(m.indices[p]);
      if (!std::isfinite(v)) throw InputError(source, "non-finite value (NaN or Inf)" + where);
      throw InputError(source, "negative value " + std::to_string(v) + where + "; NMF needs X >= 0");
    }
}

SparseMatrix transpose(const SparseView& m) {
  SparseMatrix t;
  t.rows = m.cols;
  t.cols = m.rows;
  const Index nnz = m.nnz();
  t.indptr.assign(static_cast<size_t>(m.cols) + 1, 0);
  for (Index p = 0; p < nnz; ++p) ++t.indptr[static_cast<size_t>(m.indices[p]) + 1];
  std::partial_sum(t.indptr.begin(), t.indptr.end(), t.indptr.begin());
  t.indices.resize(nnz);
  t.data.resize(nnz);
  std::vector<Index> next(t.indptr.begin(), t.indptr.end() - 1);
  for (Index i = 0; i < m.rows; ++i)
    for (Index p = m.indptr[i]; p < m.indptr[i + 1]; ++p) {
      const Index q = next[m.indices[p]]++;
      t.indices[q] = static_cast<ColIndex>(i);
      t.data[q] = m.data[p];
    }
  return t;
}

SparseMatrix submatrix(const SparseView& m, const std::vector<Index>& rows, const std::vector<Index>& column_of,
                       Index block_cols) {
  require_argument(static_cast<Index>(column_of.size()) == m.cols, "column_of", "one entry per column",
                   std::to_string(column_of.size()) + " for " + std::to_string(m.cols) + " columns");
  SparseMatrix out;
  out.rows = static_cast<Index>(rows.size());
  out.cols = block_cols;
  out.indptr.assign(1, 0);
  out.indptr.reserve(rows.size() + 1);
  for (Index r : rows) {
    require_argument(r >= 0 && r < m.rows, "rows", "in [0, " + std::to_string(m.rows) + ")", std::to_string(r));
    for (Index p = m.indptr[r]; p < m.indptr[r + 1]; ++p) {
      const Index j = column_of[static_cast<size_t>(m.indices[p])];
      if (j < 0) continue;
      out.indices.push_back(static_cast<ColIndex>(j));
      out.data.push_back(m.data[p]);
    }
    out.indptr.push_back(static_cast<Index>(out.indices.size()));
  }
  return out;
}

SparseMatrix to_owning(const SparseView& m) {
  SparseMatrix out;
  out.rows = m.rows;
  out.cols = m.cols;
  out.indptr.assign(m.indptr, m.indptr + m.rows + 1);
  out.indices.assign(m.indices, m.indices + m.nnz());
  out.data.assign(m.data, m.data + m.nnz());
  return out;
}

double squared_frobenius_norm(const SparseView& m) {
  double s = 0.0;
  const Index nnz = m.nnz();
  for (Index p = 0; p < nnz; ++p) s += m.data[p] * m.data[p];
  return s;
}

}  // namespace strata
