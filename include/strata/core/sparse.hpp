#pragma once
/// @file Compressed sparse row (CSR) matrices: an owning type and a read-only view.
///
/// Orientation follows scikit-learn: rows are documents (samples), columns are
/// terms (features). Row pointers are 64-bit (a corpus may hold more than 2^31
/// nonzeros); column indices are 32-bit (vocabularies stay below 2^31 terms).
/// This is also scipy's layout, so Python maps `indptr/indices/data` directly.
///
/// Solvers take a `CsrView` (STYLE habit 2): a non-owning view that may point
/// into a `CsrMatrix`, a memory-mapped corpus file or numpy arrays.
#include <cstdint>
#include <string>
#include <vector>

namespace strata {

using Index = std::int64_t;     ///< row pointers, nonzero counts, row counts
using ColIndex = std::int32_t;  ///< column indices

/// Read-only view of a CSR matrix. Does not own its arrays.
/// Invariants (checked by `validate_csr`): indptr[0] == 0, indptr is
/// non-decreasing, indptr[rows] == nnz, 0 <= indices < cols.
template <class Scalar>
struct CsrView {
  Index rows = 0;
  Index cols = 0;
  const Index* indptr = nullptr;     ///< rows + 1 entries
  const ColIndex* indices = nullptr; ///< nnz entries
  const Scalar* data = nullptr;      ///< nnz entries

  Index nnz() const { return rows > 0 ? indptr[rows] : 0; }
  Index row_begin(Index i) const { return indptr[i]; }
  Index row_end(Index i) const { return indptr[i + 1]; }
};

/// Owning CSR matrix. Entries of a row are sorted by column and unique after
/// `sort_and_sum_duplicates()`; readers and the vectorizer always produce that form.
template <class Scalar>
struct CsrMatrix {
  Index rows = 0;
  Index cols = 0;
  std::vector<Index> indptr{0};
  std::vector<ColIndex> indices;
  std::vector<Scalar> data;

  Index nnz() const { return static_cast<Index>(indices.size()); }
  CsrView<Scalar> view() const {
    return CsrView<Scalar>{rows, cols, indptr.data(), indices.data(), data.data()};
  }
};

using SparseView = CsrView<double>;
using SparseMatrix = CsrMatrix<double>;

/// Builds a CSR matrix from unordered (row, col, value) triplets; duplicates are
/// summed (Matrix Market and svmlight semantics). O(nnz + rows).
struct Triplet {
  Index row;
  ColIndex col;
  double value;
};
SparseMatrix csr_from_triplets(Index rows, Index cols, std::vector<Triplet> triplets);

/// Sorts every row by column index and sums duplicate entries, in place.
void sort_and_sum_duplicates(SparseMatrix& m);

/// Checks the structural invariants of a view; throws InputError naming `source`.
void validate_csr(const SparseView& m, const char* source);

/// Throws InputError naming `source`, the row and the column of the first
/// negative, NaN or infinite value (NMF and its relatives need X >= 0).
void require_nonnegative_finite(const SparseView& m, const std::string& source);

/// Transpose (CSC of m viewed as CSR of m^T). O(nnz + cols).
SparseMatrix transpose(const SparseView& m);

/// Copies a view into an owning matrix.
SparseMatrix to_owning(const SparseView& m);

/// The block X[rows, columns]: `rows` in any order (row i of the block is
/// X's row rows[i]); `column_of[j]` is X's column j's position in the block,
/// or -1 to leave it out. Positions must increase with j among the kept
/// columns (so each row stays sorted); `block_cols` is their count.
SparseMatrix submatrix(const SparseView& m, const std::vector<Index>& rows, const std::vector<Index>& column_of,
                       Index block_cols);

/// Squared Frobenius norm, sum of data^2.
double squared_frobenius_norm(const SparseView& m);

}  // namespace strata
