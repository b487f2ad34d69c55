// Truncated SVD / PCA engine (strata/solvers/svd.hpp) over CSR arrays mapped
// without copying. strata.TruncatedSVD and strata.PCA (python/strata/
// decomposition.py) are the intended callers.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "strata/core/error.hpp"
#include "strata/solvers/svd.hpp"

namespace strata::python {

void bind_svd(py::module_& m) {
  using IndptrArray = py::array_t<Index, py::array::c_style>;
  using IndicesArray = py::array_t<ColIndex, py::array::c_style>;
  using DataArray = py::array_t<double, py::array::c_style>;
  m.def(
      "truncated_svd",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols, int k,
         const std::string& method, bool center, double tol, int max_iter, int ncv, int oversample, int power_iterations,
         std::uint64_t seed, int threads) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        SvdOptions o;
        o.k = k;
        o.method = parse_svd_method(method);
        o.center = center;
        o.tol = tol;
        o.max_iter = max_iter;
        o.ncv = ncv;
        o.oversample = oversample;
        o.power_iterations = power_iterations;
        o.seed = seed;
        o.threads = threads;
        TruncatedSvdResult r;
        {
          py::gil_scoped_release release;
          r = truncated_svd(X, o);
        }
        py::dict d;
        d["U"] = py::cast(std::move(r.U));
        d["s"] = py::cast(std::move(r.s));
        d["V"] = py::cast(std::move(r.V));
        d["mean"] = center ? py::cast(std::move(r.mean)) : py::none().cast<py::object>();
        d["explained_variance"] = py::cast(std::move(r.explained_variance));
        d["explained_variance_ratio"] = py::cast(std::move(r.explained_variance_ratio));
        d["total_variance"] = r.total_variance;
        d["seconds"] = r.seconds;
        d["iterations"] = r.iterations;
        d["operations"] = r.operations;
        d["status"] = to_string(r.status);
        return d;
      },
      "The k largest singular triplets of X, or of X - 1 mu^T with center=True (strata::truncated_svd); returns a "
      "dict with U (n x k), s, V (m x k), mean, explained_variance, explained_variance_ratio, total_variance, "
      "seconds, iterations, operations, status.",
      py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"), py::arg("k"),
      py::arg("method") = "lanczos", py::arg("center") = false, py::arg("tol") = 0.0, py::arg("max_iter") = 1000, py::arg("ncv") = 0,
      py::arg("oversample") = 10, py::arg("power_iterations") = 4, py::arg("seed") = 0, py::arg("threads") = 0);
}

}  // namespace strata::python
