// Hierarchical NMF engine (strata/solvers/hnmf.hpp): hierarchical_nmf and the
// forward pass over CSR arrays mapped without copying. strata.HierarchicalNMF
// (python/strata/hnmf.py) is the intended caller.
#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>

#include "arrays.hpp"
#include "bindings.hpp"
#include "progress.hpp"
#include "strata/core/error.hpp"
#include "strata/solvers/hnmf.hpp"

namespace strata::python {
namespace {

using IndptrArray = py::array_t<Index, py::array::c_style>;
using IndicesArray = py::array_t<ColIndex, py::array::c_style>;
using DataArray = py::array_t<double, py::array::c_style>;

}  // namespace

void bind_hnmf(py::module_& m) {
  m.def(
      "hierarchical_nmf",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols,
         const std::vector<int>& ranks, const std::string& method, const std::string& loss,
         const std::optional<std::vector<std::int32_t>>& label_codes, int n_classes, double lambda, int epochs,
         double learning_rate, const std::string& optimizer, int layer_iter, double tol, std::uint64_t seed,
         int threads, const py::object& progress, bool auto_ranks, int k_min, int k_max, int max_layers,
         int perturbations, double epsilon, const std::string& perturbation, const std::string& init,
         double threshold, double min_error_gain, const std::string& coefficients, const std::string& criterion,
         double mean_threshold) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        HnmfOptions o;
        o.ranks = ranks;
        o.auto_ranks = auto_ranks;
        o.selection.k_min = k_min;
        o.selection.k_max = k_max;
        o.selection.max_layers = max_layers;
        o.selection.perturbations = perturbations;
        o.selection.epsilon = epsilon;
        o.selection.perturbation = parse_perturbation(perturbation);
        o.selection.init = parse_nmfk_init(init);
        o.selection.threshold = threshold;
        o.selection.min_error_gain = min_error_gain;
        o.selection.coefficients = parse_selection_coefficients(coefficients);
        o.selection.criterion = parse_rank_criterion(criterion);
        o.selection.mean_threshold = mean_threshold;
        o.method = parse_hnmf_method(method);
        o.loss = parse_hnmf_loss(loss);
        o.lambda = lambda;
        o.epochs = epochs;
        o.learning_rate = learning_rate;
        o.optimizer = parse_hnmf_optimizer(optimizer);
        o.layer_iter = layer_iter;
        o.tol = tol;
        o.seed = seed;
        o.threads = threads;
        LabelEncoding labels;
        if (label_codes) {
          require_argument(n_classes >= 2, "n_classes", ">= 2", std::to_string(n_classes));
          for (int c = 0; c < n_classes; ++c) labels.classes.push_back(std::to_string(c));
          labels.codes = *label_codes;
          for (auto code : labels.codes)
            require_argument(code >= -1 && code < n_classes, "label codes", "in [-1, n_classes)", std::to_string(code));
          o.labels = &labels;
        }
        // As in bind_nmf: the GIL is taken back between epochs for Ctrl-C and the callback.
        bool python_error = false;
        o.progress = python_progress(progress, python_error, "epoch", "epochs");
        HnmfResult r;
        {
          py::gil_scoped_release release;
          r = hierarchical_nmf(X, o);
        }
        if (python_error) throw py::error_already_set();
        py::list layers;
        for (auto& layer : r.layers) {
          py::dict d;
          d["rank"] = layer.rank;
          d["W"] = py::cast(std::move(layer.W));
          d["H"] = py::cast(std::move(layer.H));
          d["mixing"] = py::cast(std::move(layer.mixing));
          d["relative_error"] = layer.relative_error;
          d["accuracy"] = layer.accuracy;
          d["predicted"] = layer.predicted;
          layers.append(std::move(d));
        }
        py::list history;
        for (const HistoryEntry& h : r.history) {
          py::dict d;
          d["iteration"] = h.iteration;
          d["seconds"] = h.seconds;
          d["loss"] = h.loss;
          history.append(std::move(d));
        }
        py::list selection;
        for (const HnmfLayerSelection& s : r.rank_selection) {
          py::list curve;
          for (const RankPoint& p : s.curve) {
            py::dict c;
            c["k"] = p.k;
            c["silhouette_min"] = py::dict(py::arg("H") = p.silhouette_min_H, py::arg("W") = p.silhouette_min_W);
            c["silhouette_mean"] = py::dict(py::arg("H") = p.silhouette_mean_H, py::arg("W") = p.silhouette_mean_W);
            c["relative_error"] = p.relative_error;
            c["perturbed_error"] = p.perturbed_error;
            c["seconds"] = p.seconds;
            curve.append(std::move(c));
          }
          py::dict e;
          e["layer"] = s.layer;
          e["k_min"] = s.k_min;
          e["k_max"] = s.k_max;
          e["selected_k"] = s.selected_k;
          e["status"] = to_string(s.status);
          e["added"] = s.added;
          e["seconds"] = s.seconds;
          e["curve"] = curve;
          selection.append(std::move(e));
        }
        py::dict d;
        d["ranks"] = r.ranks;
        d["rank_selection"] = selection;
        d["selection_stop"] = to_string(r.selection_stop);
        d["layers"] = layers;
        d["B"] = py::cast(std::move(r.B));
        d["predicted"] = r.predicted;
        d["history"] = history;
        d["epochs"] = r.epochs;
        d["loss"] = r.loss;
        d["lambda"] = r.lambda;
        d["seconds"] = r.seconds;
        d["status"] = to_string(r.status);
        return d;
      },
      "Fits a hierarchical NMF (strata::hierarchical_nmf); label_codes: -1 = unlabeled.", py::arg("indptr"),
      py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"), py::arg("ranks"),
      py::arg("method") = "neural", py::arg("loss") = "reconstruction", py::arg("label_codes") = py::none(),
      py::arg("n_classes") = 0, py::arg("lambda_") = -1.0, py::arg("epochs") = 100, py::arg("learning_rate") = 0.05,
      py::arg("optimizer") = "pgd", py::arg("layer_iter") = 200, py::arg("tol") = 1e-4, py::arg("seed") = 0,
      py::arg("threads") = 0, py::arg("progress") = py::none(), py::arg("auto_ranks") = false, py::arg("k_min") = 2,
      py::arg("k_max") = 20, py::arg("max_layers") = 3, py::arg("perturbations") = 20, py::arg("epsilon") = 0.015,
      py::arg("perturbation") = "uniform", py::arg("init") = "random", py::arg("threshold") = 0.8,
      py::arg("min_error_gain") = 0.0, py::arg("coefficients") = "proportions",
      py::arg("criterion") = "mean-silhouette", py::arg("mean_threshold") = 0.9);

  m.def(
      "hnmf_forward",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols,
         const std::vector<DenseMatrix>& factors, int threads) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        for (size_t l = 0; l < factors.size(); ++l) {
          require_argument(factors[l].allFinite() && (factors[l].size() == 0 || factors[l].minCoeff() >= 0),
                           "factors[" + std::to_string(l) + "]", "finite and nonnegative", "other values");
          if (l > 0)
            require_argument(factors[l].cols() == factors[l - 1].rows(), "factors[" + std::to_string(l) + "] columns",
                             std::to_string(factors[l - 1].rows()), std::to_string(factors[l].cols()));
        }
        py::gil_scoped_release release;
        return hnmf_forward(X, factors, threads);
      },
      "W_0 = q(X, H_0), W_l = q(W_{l-1}, M_l) by exact NNLS; factors = [H_0, M_1, ..., M_L].", py::arg("indptr"),
      py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"), py::arg("factors"),
      py::arg("threads") = 0);
}

}  // namespace strata::python
