#pragma once
// Moving C++ vectors into numpy arrays without copying, and viewing scipy CSR
// arrays as a strata::SparseView without copying.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <vector>

#include "strata/core/sparse.hpp"

namespace strata::python {
namespace py = pybind11;

/// Hands `v` over to numpy: the array owns the vector's buffer (no copy).
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v) {
  auto* owner = new std::vector<T>(std::move(v));
  py::capsule free_when_done(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(owner->size())}, {sizeof(T)}, owner->data(), free_when_done);
}

/// (indptr, indices, data, (rows, cols)) tuple for scipy.sparse.csr_matrix.
inline py::tuple csr_to_python(SparseMatrix&& m) {
  const Index rows = m.rows, cols = m.cols;
  return py::make_tuple(to_numpy(std::move(m.indptr)), to_numpy(std::move(m.indices)), to_numpy(std::move(m.data)),
                        py::make_tuple(rows, cols));
}

/// Views numpy CSR arrays (int64 indptr, int32 indices, float64 data, all
/// C-contiguous; the Python layer normalizes dtypes once) as a SparseView.
/// The arrays must outlive the view.
SparseView csr_view(const py::array_t<Index, py::array::c_style>& indptr,
                    const py::array_t<ColIndex, py::array::c_style>& indices,
                    const py::array_t<double, py::array::c_style>& data, Index rows, Index cols);

}  // namespace strata::python
