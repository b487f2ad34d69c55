"""Conversions between scipy.sparse and the arrays strata._core expects.

The core takes CSR arrays with int64 row pointers, int32 column indices and
float64 values. Arrays already of those types are passed without copying.
"""
import numpy as np
import scipy.sparse as sp


def csr_from_core(parts):
    """(indptr, indices, data, (rows, cols)) from the core -> scipy CSR (no copy)."""
    indptr, indices, data, shape = parts
    return sp.csr_matrix((data, indices, indptr), shape=tuple(shape))


def csr_to_core(X):
    """scipy sparse or dense array-like -> (indptr, indices, data, rows, cols)."""
    if not sp.issparse(X):
        X = sp.csr_matrix(np.asarray(X, dtype=np.float64))
    X = X.tocsr()
    if not X.has_sorted_indices:
        X = X.sorted_indices()
    indptr = np.ascontiguousarray(X.indptr, dtype=np.int64)
    indices = np.ascontiguousarray(X.indices, dtype=np.int32)
    data = np.ascontiguousarray(X.data, dtype=np.float64)
    return indptr, indices, data, X.shape[0], X.shape[1]
