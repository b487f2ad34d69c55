// SSNMF engine (strata/solvers/ssnmf.hpp): ssnmf and ssnmf_scores over CSR
// arrays mapped without copying. strata.SSNMF (python/strata/ssnmf.py) is
// the intended caller; fold-in of new documents is nmf_transform.
#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "progress.hpp"
#include "strata/core/error.hpp"
#include "strata/solvers/ssnmf.hpp"

namespace strata::python {
namespace {

using IndptrArray = py::array_t<Index, py::array::c_style>;
using IndicesArray = py::array_t<ColIndex, py::array::c_style>;
using DataArray = py::array_t<double, py::array::c_style>;
using CodesArray = py::array_t<std::int32_t, py::array::c_style>;

}  // namespace

void bind_ssnmf(py::module_& m) {
  m.def(
      "ssnmf",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols,
         const CodesArray& codes, Index n_classes, int k, const std::string& solver, const std::string& loss,
         const std::string& label_loss, double lam, const std::string& init, int max_iter, double tol,
         int inner_sweeps, std::uint64_t seed, int threads, const py::object& progress, double validation,
         const std::vector<double>& lambda_multiples, const std::vector<int>& k_candidates,
         const std::string& classifier, int folds) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        require_argument(codes.ndim() == 1 && codes.shape(0) == rows, "codes", "one per row of X (" +
                         std::to_string(rows) + ")", std::to_string(codes.size()));
        require_argument(n_classes >= 1, "n_classes", ">= 1", std::to_string(n_classes));
        LabelEncoding labels;
        labels.codes.assign(codes.data(), codes.data() + codes.size());
        for (Index c = 0; c < n_classes; ++c) labels.classes.push_back(std::to_string(c));
        SsnmfOptions o;
        o.k = k;
        o.solver = parse_nmf_solver(solver);
        o.loss = parse_nmf_loss(loss);
        o.label_loss = parse_nmf_loss(label_loss);
        o.lambda = lam;
        o.init = parse_nmf_init(init);
        require_argument(o.init != NmfInit::Custom, "init", "random, nndsvd, nndsvda or nndsvdar", "custom");
        o.max_iter = max_iter;
        o.tol = tol;
        o.inner_sweeps = inner_sweeps;
        o.seed = seed;
        o.threads = threads;
        o.validation = validation;
        o.folds = folds;
        o.lambda_multiples = lambda_multiples;
        o.k_candidates = k_candidates;
        o.classifier = parse_ssnmf_classifier(classifier);
        // As strata.NMF's binding: Ctrl-C and Python exceptions in the
        // callback stop the fit; the exception is raised again afterwards.
        bool python_error = false;
        o.progress = python_progress(progress, python_error);
        SsnmfResult r;
        {
          py::gil_scoped_release release;
          r = ssnmf(X, labels, o);
        }
        if (python_error) throw py::error_already_set();
        py::list history;
        for (const HistoryEntry& h : r.history) {
          py::dict d;
          d["iteration"] = h.iteration;
          d["seconds"] = h.seconds;
          d["loss"] = h.loss;
          d["relative_error"] = h.relative_error;
          history.append(std::move(d));
        }
        py::dict d;
        d["W"] = py::cast(std::move(r.W));
        d["H"] = py::cast(std::move(r.H));
        d["B"] = py::cast(std::move(r.B));
        d["B_fit"] = py::cast(std::move(r.B_fit));
        d["k"] = r.k;
        d["validation_accuracy"] = r.validation_accuracy;
        d["validation_documents"] = r.validation_documents;
        py::list selection;
        for (const SsnmfCandidate& c : r.selection) {
          py::dict e;
          e["k"] = c.k;
          e["lambda"] = c.lambda;
          e["lambda_multiple"] = c.lambda_multiple;
          e["accuracy"] = c.accuracy;
          e["log_loss"] = c.log_loss;
          e["fold_accuracy"] = c.fold_accuracy;
          e["iterations"] = c.iterations;
          e["seconds"] = c.seconds;
          selection.append(std::move(e));
        }
        d["selection"] = selection;
        d["history"] = history;
        d["iterations"] = r.iterations;
        d["loss"] = r.loss;
        d["data_loss"] = r.data_loss;
        d["label_loss"] = r.label_loss;
        d["lambda"] = r.lambda;
        d["relative_error"] = r.relative_error;
        d["seconds"] = r.seconds;
        d["status"] = to_string(r.status);
        d["predicted"] = to_numpy(std::move(r.predicted));
        d["training_accuracy"] = r.training_accuracy;
        return d;
      },
      "Fits SSNMF, X ~ W H and Y ~ W B (strata::ssnmf); codes: class per row, -1 = unlabeled. Returns a dict with "
      "W, H, B (the classifier), B_fit, k, history, iterations, loss, data_loss, label_loss, lambda, relative_error, "
      "seconds, status, predicted, training_accuracy, validation_accuracy, validation_documents, selection. k = 0 "
      "and lam = 0 are chosen by validation over the labeled rows: folds-fold cross-validation (folds >= 2) or one "
      "split hiding the validation fraction (folds = 1); validation = 0: none.",
      py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"), py::arg("codes"),
      py::arg("n_classes"), py::arg("k"), py::arg("solver") = "hals", py::arg("loss") = "frobenius",
      py::arg("label_loss") = "frobenius", py::arg("lam") = 0.0, py::arg("init") = "nndsvda",
      py::arg("max_iter") = 200, py::arg("tol") = 1e-4, py::arg("inner_sweeps") = 0, py::arg("seed") = 0,
      py::arg("threads") = 0, py::arg("progress") = py::none(), py::arg("validation") = 0.2,
      py::arg("lambda_multiples") = std::vector<double>{}, py::arg("k_candidates") = std::vector<int>{},
      py::arg("classifier") = "fold-in", py::arg("folds") = 3);

  m.def(
      "ssnmf_scores",
      [](const DenseMatrix& W, const DenseMatrix& B) {
        require_argument(W.cols() == B.rows(), "W and B shapes", "n x k and k x classes",
                         std::to_string(W.rows()) + " x " + std::to_string(W.cols()) + " and " +
                             std::to_string(B.rows()) + " x " + std::to_string(B.cols()));
        return ssnmf_scores(W, B);
      },
      "Class scores: the rows of W B normalized to sum to 1 (uniform for a row of zeros).", py::arg("W"),
      py::arg("B"));
}

}  // namespace strata::python
