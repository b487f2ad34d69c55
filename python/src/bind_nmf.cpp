// NMF engine (strata/solvers/nmf.hpp): nmf, nmf_transform, nmf_loss and
// nmf_relative_error over CSR arrays mapped without copying. strata.NMF (the
// scikit-learn estimator in python/strata/nmf.py) is the intended caller.
#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <optional>

#include "arrays.hpp"
#include "bindings.hpp"
#include "progress.hpp"
#include "strata/core/error.hpp"
#include "strata/solvers/nmf.hpp"

namespace strata::python {
namespace {

using IndptrArray = py::array_t<Index, py::array::c_style>;
using IndicesArray = py::array_t<ColIndex, py::array::c_style>;
using DataArray = py::array_t<double, py::array::c_style>;

Observed parse_observed(const std::string& name) {
  if (name == "all") return Observed::All;
  if (name == "stored") return Observed::Stored;
  if (name == "mask") return Observed::Mask;
  throw ArgumentError("observed must be one of all, stored, mask (got '" + name + "')");
}

py::list history_to_python(const std::vector<HistoryEntry>& history) {
  py::list out;
  for (const HistoryEntry& h : history) {
    py::dict d;
    d["iteration"] = h.iteration;
    d["seconds"] = h.seconds;
    d["loss"] = h.loss;
    d["relative_error"] = h.relative_error;
    out.append(std::move(d));
  }
  return out;
}

}  // namespace

void bind_nmf(py::module_& m) {
  m.def(
      "nmf",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols, int k,
         const std::string& solver, const std::string& loss, const std::string& init, int max_iter, double tol,
         double time_limit, double l1_W, double l2_W, double l1_H, double l2_H, int inner_sweeps, bool extrapolate,
         const std::string& observed, const std::optional<IndptrArray>& mask_indptr,
         const std::optional<IndicesArray>& mask_indices, const std::optional<DataArray>& mask_data,
         std::uint64_t seed, int threads, const std::optional<DenseMatrix>& W0, const std::optional<DenseMatrix>& H0,
         const py::object& progress, double beta) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        NmfOptions o;
        o.k = k;
        o.solver = parse_nmf_solver(solver);
        o.loss = parse_nmf_loss(loss);
        o.beta = beta;
        o.init = parse_nmf_init(init);
        o.max_iter = max_iter;
        o.tol = tol;
        o.time_limit = time_limit;
        o.l1_W = l1_W;
        o.l2_W = l2_W;
        o.l1_H = l1_H;
        o.l2_H = l2_H;
        o.inner_sweeps = inner_sweeps;
        o.extrapolate = extrapolate;
        o.observed = parse_observed(observed);
        o.seed = seed;
        o.threads = threads;
        SparseView mask;
        if (o.observed == Observed::Mask) {
          if (!mask_indptr || !mask_indices || !mask_data)
            throw ArgumentError("observed == 'mask' needs mask_indptr, mask_indices and mask_data (got none)");
          mask = csr_view(*mask_indptr, *mask_indices, *mask_data, rows, cols);
          o.mask = &mask;
        }
        // Called between iterations on the calling thread, with the GIL
        // released: take it back to check for Ctrl-C and to run the Python
        // callback. A Python exception stops the fit (status "interrupted")
        // and is raised again once nmf() has returned.
        bool python_error = false;
        o.progress = python_progress(progress, python_error);
        NmfResult r;
        {
          py::gil_scoped_release release;
          r = nmf(X, o, W0 ? &*W0 : nullptr, H0 ? &*H0 : nullptr);
        }
        if (python_error) throw py::error_already_set();
        py::dict d;
        d["W"] = py::cast(std::move(r.W));
        d["H"] = py::cast(std::move(r.H));
        d["history"] = history_to_python(r.history);
        d["iterations"] = r.iterations;
        d["loss"] = r.loss;
        d["relative_error"] = r.relative_error;
        d["seconds"] = r.seconds;
        d["status"] = to_string(r.status);
        return d;
      },
      "Fits X ~ W H (strata::nmf); returns a dict with W, H, history, iterations, loss, relative_error, seconds, "
      "status.",
      py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"), py::arg("k"),
      py::arg("solver") = "hals", py::arg("loss") = "frobenius", py::arg("init") = "nndsvda",
      py::arg("max_iter") = 200, py::arg("tol") = 1e-4, py::arg("time_limit") = 0.0, py::arg("l1_W") = 0.0,
      py::arg("l2_W") = 0.0, py::arg("l1_H") = 0.0, py::arg("l2_H") = 0.0, py::arg("inner_sweeps") = 0,
      py::arg("extrapolate") = true, py::arg("observed") = "all", py::arg("mask_indptr") = py::none(), py::arg("mask_indices") = py::none(),
      py::arg("mask_data") = py::none(), py::arg("seed") = 0, py::arg("threads") = 0, py::arg("W0") = py::none(),
      py::arg("H0") = py::none(), py::arg("progress") = py::none(), py::arg("beta") = 2.0);

  m.def(
      "nmf_transform",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols,
         const DenseMatrix& H, const std::string& loss, double l1_W, double l2_W, int max_iter, int threads,
         double beta, double tol) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        NmfOptions o;
        o.loss = parse_nmf_loss(loss);
        o.beta = beta;
        o.tol = tol;
        o.l1_W = l1_W;
        o.l2_W = l2_W;
        o.max_iter = max_iter;
        o.threads = threads;
        require_argument(l1_W >= 0 && l2_W >= 0, "l1_W and l2_W", ">= 0",
                         std::to_string(l1_W) + " and " + std::to_string(l2_W));
        require_argument(H.allFinite() && (H.size() == 0 || H.minCoeff() >= 0), "H", "finite and nonnegative",
                         "other values");
        DenseMatrix W;
        {
          py::gil_scoped_release release;
          W = nmf_transform(X, H, o);
        }
        return W;
      },
      "Fold-in W = argmin_{W >= 0} D(X, W H) with H fixed (strata::nmf_transform); max_iter is used by KL and "
      "beta only, tol by beta only.",
      py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"), py::arg("H"),
      py::arg("loss") = "frobenius", py::arg("l1_W") = 0.0, py::arg("l2_W") = 0.0, py::arg("max_iter") = 200,
      py::arg("threads") = 0, py::arg("beta") = 2.0, py::arg("tol") = 1e-4);

  m.def(
      "nmf_loss",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols,
         const DenseMatrix& W, const DenseMatrix& H, const std::string& loss, int threads, double beta) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        require_argument(W.rows() == rows && H.cols() == cols && W.cols() == H.rows(), "W and H shapes",
                         std::to_string(rows) + " x k and k x " + std::to_string(cols),
                         std::to_string(W.rows()) + " x " + std::to_string(W.cols()) + " and " +
                             std::to_string(H.rows()) + " x " + std::to_string(H.cols()));
        const NmfLoss l = parse_nmf_loss(loss);
        py::gil_scoped_release release;
        return nmf_loss(X, W, H, l, threads, beta);
      },
      "The objective without regularization: 0.5 ||X - W H||_F^2 (frobenius), the generalized KL divergence (kl) "
      "or the beta-divergence (beta).",
      py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"), py::arg("W"),
      py::arg("H"), py::arg("loss") = "frobenius", py::arg("threads") = 0, py::arg("beta") = 2.0);

  m.def(
      "nmf_relative_error",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols,
         const DenseMatrix& W, const DenseMatrix& H, int threads) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        require_argument(W.rows() == rows && H.cols() == cols && W.cols() == H.rows(), "W and H shapes",
                         std::to_string(rows) + " x k and k x " + std::to_string(cols),
                         std::to_string(W.rows()) + " x " + std::to_string(W.cols()) + " and " +
                             std::to_string(H.rows()) + " x " + std::to_string(H.cols()));
        py::gil_scoped_release release;
        return nmf_relative_error(X, W, H, threads);
      },
      "||X - W H||_F / ||X||_F.", py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"),
      py::arg("cols"), py::arg("W"), py::arg("H"), py::arg("threads") = 0);
}

}  // namespace strata::python
