// Rank selection (strata/solvers/rank.hpp): nmfk over CSR arrays mapped
// without copying, and its building blocks (exact assignment, angular
// distances, silhouettes) for the tests against scipy and scikit-learn.
// strata.NMFk (python/strata/rank.py) is the intended caller.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include <optional>

#include "arrays.hpp"
#include "bindings.hpp"
#include "strata/core/error.hpp"
#include "strata/io/rank_report.hpp"
#include "strata/linalg/assignment.hpp"
#include "strata/linalg/linkage.hpp"
#include "strata/solvers/coherence.hpp"
#include "strata/solvers/rank.hpp"

namespace strata::python {
namespace {

using IndptrArray = py::array_t<Index, py::array::c_style>;
using IndicesArray = py::array_t<ColIndex, py::array::c_style>;
using DataArray = py::array_t<double, py::array::c_style>;

py::list curve_to_python(const std::vector<RankPoint>& curve) {
  py::list out;
  for (const RankPoint& p : curve) {
    py::dict d;
    d["k"] = p.k;
    py::dict smin, smean;
    smin["H"] = p.silhouette_min_H;
    smin["W"] = p.silhouette_min_W;
    smean["H"] = p.silhouette_mean_H;
    smean["W"] = p.silhouette_mean_W;
    d["silhouette_min"] = smin;
    d["silhouette_mean"] = smean;
    d["relative_error"] = p.relative_error;
    d["perturbed_error"] = p.perturbed_error;
    d["stable_topics"] = p.stable_topics;
    d["cophenetic"] = p.cophenetic;
    d["cv_error"] = p.cv_error;
    d["coherence"] = p.coherence;
    d["clustering_iterations"] = p.clustering_iterations;
    d["seconds"] = p.seconds;
    out.append(std::move(d));
  }
  return out;
}

py::dict selection_to_python(const RankSelection& s) {
  py::dict d;
  d["criterion"] = to_string(s.criterion);
  d["k"] = s.k;
  d["met"] = s.met;
  d["reason"] = s.reason;
  d["runners_up"] = s.runners_up;
  return d;
}

}  // namespace

void bind_rank(py::module_& m) {
  m.def(
      "nmfk",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols,
         int k_min, int k_max, int k_step, int perturbations, double epsilon, const std::string& perturbation,
         const std::string& init, double threshold, double min_error_gain, const std::string& loss,
         const std::string& solver, int max_iter, double tol, bool fit_model, const std::string& criterion,
         double mean_threshold, int coherence_terms, Index consensus_documents, bool cross_validation, bool semantic, double semantic_weight,
         double pmi_shift, const std::optional<IndptrArray>& c_indptr, const std::optional<IndicesArray>& c_indices,
         const std::optional<DataArray>& c_data, std::uint64_t seed, int threads) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        NmfkOptions o;
        o.k_min = k_min;
        o.k_max = k_max;
        o.k_step = k_step;
        o.perturbations = perturbations;
        o.epsilon = epsilon;
        o.perturbation = parse_perturbation(perturbation);
        o.init = parse_nmfk_init(init);
        o.threshold = threshold;
        o.min_error_gain = min_error_gain;
        o.nmf.loss = parse_nmf_loss(loss);
        o.nmf.solver = parse_nmf_solver(solver);
        o.nmf.max_iter = max_iter;
        o.nmf.tol = tol;
        o.fit_model = fit_model;
        o.criterion = parse_rank_criterion(criterion);
        o.mean_threshold = mean_threshold;
        o.coherence_terms = coherence_terms;
        o.consensus_documents = consensus_documents;
        o.cross_validation = cross_validation;
        o.semantic = semantic;
        o.semantic_weight = semantic_weight;
        o.pmi.shift = pmi_shift;
        o.seed = seed;
        o.threads = threads;
        SparseView counts;
        if (c_indptr && c_indices && c_data) counts = csr_view(*c_indptr, *c_indices, *c_data, cols, cols);
        // A Ctrl-C between two ranks stops the run; the exception is raised on return.
        bool interrupted = false;
        o.progress = [&](const ProgressEvent&) {
          py::gil_scoped_acquire gil;
          interrupted = PyErr_CheckSignals() != 0;
          return !interrupted;
        };
        NmfkResult r;
        {
          py::gil_scoped_release release;
          r = nmfk(X, o, counts.rows > 0 ? &counts : nullptr);
        }
        if (interrupted) throw py::error_already_set();
        py::dict d;
        d["curve"] = curve_to_python(r.curve);
        d["selected_k"] = r.selected_k;
        d["status"] = to_string(r.status);
        d["selection"] = selection_to_python(r.selection);
        py::list by;
        for (const RankSelection& s : r.by_criterion) by.append(selection_to_python(s));
        d["by_criterion"] = by;
        d["W"] = py::cast(std::move(r.model.W));
        d["H"] = py::cast(std::move(r.model.H));
        d["centroids"] = py::cast(std::move(r.centroids));
        d["context_factor"] = r.context_factor.size() ? py::cast(std::move(r.context_factor)) : py::none();
        d["semantic_beta"] = r.semantic_beta;
        d["relative_error"] = r.model.relative_error;
        d["iterations"] = r.model.iterations;
        d["seconds"] = r.seconds;
        d["svg"] = rank_curve_svg(r, o);
        return d;
      },
      "NMFk / SeNMFk rank selection (strata::nmfk).", py::arg("indptr"), py::arg("indices"), py::arg("data"),
      py::arg("rows"), py::arg("cols"), py::arg("k_min"), py::arg("k_max"), py::arg("k_step") = 1,
      py::arg("perturbations") = 20, py::arg("epsilon") = 0.015, py::arg("perturbation") = "uniform",
      py::arg("init") = "random", py::arg("threshold") = 0.8, py::arg("min_error_gain") = 0.0,
      py::arg("loss") = "frobenius", py::arg("solver") = "hals", py::arg("max_iter") = 1000, py::arg("tol") = 1e-6,
      py::arg("fit_model") = true, py::arg("criterion") = "mean-silhouette",
      py::arg("mean_threshold") = 0.9, py::arg("coherence_terms") = 10,
      py::arg("consensus_documents") = 2000, py::arg("cross_validation") = true, py::arg("semantic") = false, py::arg("semantic_weight") = 1.0,
      py::arg("pmi_shift") = 1.0, py::arg("c_indptr") = py::none(), py::arg("c_indices") = py::none(),
      py::arg("c_data") = py::none(), py::arg("seed") = 0, py::arg("threads") = 0);
  m.def(
      "linear_sum_assignment",
      [](const DenseMatrix& cost, bool maximize) { return linear_sum_assignment(cost, maximize); },
      "Exact assignment: the column of each row (-1 when unassigned).", py::arg("cost"), py::arg("maximize") = false);
  m.def("cophenetic_correlation", &cophenetic_correlation,
        "Cophenetic correlation of average linkage on a square distance matrix.", py::arg("distances"));
  m.def("average_linkage_cophenetic", &average_linkage_cophenetic,
        "Cophenetic distances of average linkage on a square distance matrix.", py::arg("distances"));
  m.def(
      "npmi_coherence",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols,
         const std::vector<std::vector<Index>>& topics, int threads) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        py::gil_scoped_release release;
        return npmi_coherence(X, topics, threads);
      },
      "NPMI coherence of each topic's terms with document co-occurrence.", py::arg("indptr"), py::arg("indices"),
      py::arg("data"), py::arg("rows"), py::arg("cols"), py::arg("topics"), py::arg("threads") = 0);
  m.def(
      "bicross_validation_error",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols, int k,
         int max_iter, std::uint64_t seed, int threads) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        NmfOptions o;
        o.k = k;
        o.max_iter = max_iter;
        o.threads = threads;
        py::gil_scoped_release release;
        return bicross_validation_error(X, o, bicross_validation_split(rows, cols, seed));
      },
      "Bi-cross-validation error of a rank-k NMF (Owen & Perry 2009).", py::arg("indptr"), py::arg("indices"),
      py::arg("data"), py::arg("rows"), py::arg("cols"), py::arg("k"), py::arg("max_iter") = 200,
      py::arg("seed") = 0, py::arg("threads") = 0);
  m.def("angular_distances", &angular_distances, "arccos(cosine) / pi between the rows.", py::arg("points"));
  m.def("silhouette_samples", &silhouette_samples, "Silhouettes from a precomputed distance matrix.",
        py::arg("distances"), py::arg("labels"));
}

}  // namespace strata::python
