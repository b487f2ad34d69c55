// Sparse-target autoencoder (strata/nn/sparse_autoencoder.hpp) over CSR arrays
// mapped without copying. strata.SparseAutoencoder (python/strata/autoencoder.py)
// is the intended caller.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "strata/core/error.hpp"
#include "strata/nn/sparse_autoencoder.hpp"

namespace strata::python {

void bind_autoencoder(py::module_& m) {
  using IndptrArray = py::array_t<Index, py::array::c_style>;
  using IndicesArray = py::array_t<ColIndex, py::array::c_style>;
  using DataArray = py::array_t<double, py::array::c_style>;
  m.def(
      "sparse_autoencoder",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols,
         const std::vector<int>& hidden, const std::string& loss, const std::string& output_update,
         const std::string& activation, int batch_size, int epochs, long long max_batches, double learning_rate,
         const std::string& dtype, int stabilize_every, bool keep_weights, std::uint64_t seed, int threads,
         const std::string& optimizer, double output_rate, bool decay) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        nn::AutoencoderOptions o;
        o.hidden = hidden;
        o.loss.kind = nn::parse_output_loss(loss);
        o.output_update = nn::parse_output_update(output_update);
        o.activation = nn::parse_activation(activation);
        o.batch_size = batch_size;
        o.epochs = epochs;
        o.max_batches = max_batches;
        o.learning_rate = learning_rate;
        o.optimizer = nn::parse_optimizer(optimizer);
        o.output_rate = output_rate;
        o.decay = decay;
        o.dtype = nn::parse_dtype(dtype);
        o.stabilize_every = stabilize_every;
        o.keep_weights = keep_weights;
        o.seed = seed;
        o.threads = threads;
        nn::AutoencoderResult r;
        {
          py::gil_scoped_release release;
          r = nn::sparse_autoencoder(X, o);
        }
        py::dict d;
        d["weights"] = py::cast(std::move(r.model.weights));
        d["biases"] = py::cast(std::move(r.model.biases));
        d["decoder"] = py::cast(std::move(r.model.decoder));
        d["codes"] = py::cast(std::move(r.codes));
        py::list history;
        for (const auto& e : r.history) {
          py::dict h;
          h["iteration"] = e.iteration;
          h["seconds"] = e.seconds;
          h["loss"] = e.loss;
          history.append(h);
        }
        d["history"] = history;
        d["batches"] = r.batches;
        d["seconds"] = r.seconds;
        d["seconds_per_batch"] = r.seconds_per_batch;
        d["output_seconds_per_batch"] = r.output_seconds_per_batch;
        d["loss"] = r.loss;
        d["status"] = nn::to_string(r.status);
        d["start_loss"] = r.progress.start_loss;
        d["end_loss"] = r.progress.end_loss;
        d["relative_error"] = r.relative_error;
        d["corpus_relative_error"] = r.corpus_relative_error;
        d["dead_units"] = r.dead_units;
        d["zero_codes"] = r.zero_codes;
        d["stabilization_checks"] = r.stabilization.checks;
        d["stabilization_corrections"] = r.stabilization.corrections;
        d["stabilization_passes"] = r.stabilization.passes;
        d["stabilization_flushes"] = r.stabilization.flushes;
        d["stabilization_directions"] = r.stabilization.directions;
        d["stabilization_resyncs"] = r.stabilization.resyncs;
        d["stabilization_folds"] = r.stabilization.folds;
        d["stabilization_seconds"] = r.stabilization.seconds;
        d["stabilization_min_singular"] = r.stabilization.min_singular;
        return d;
      },
      "Trains an autoencoder of the rows of X (strata::nn::sparse_autoencoder); returns a dict with weights, biases, "
      "decoder, codes, history, batches, seconds, seconds_per_batch, output_seconds_per_batch, loss, status "
      "(finished|not_learning|interrupted), start_loss, end_loss, relative_error, corpus_relative_error, dead_units, "
      "zero_codes.",
      py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"), py::arg("hidden"),
      py::arg("loss") = "squared", py::arg("output_update") = "factored", py::arg("activation") = "relu",
      py::arg("batch_size") = 128, py::arg("epochs") = 1, py::arg("max_batches") = 0,
      py::arg("learning_rate") = nn::AutoencoderOptions{}.learning_rate, py::arg("dtype") = "float32",
      py::arg("stabilize_every") = 100, py::arg("keep_weights") = true, py::arg("seed") = 0, py::arg("threads") = 0,
      py::arg("optimizer") = "adam", py::arg("output_rate") = nn::AutoencoderOptions{}.output_rate,
      py::arg("decay") = true);
  m.def(
      "autoencoder_encode",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols,
         std::vector<DenseMatrix> weights, std::vector<DenseVector> biases, const std::string& activation,
         int threads) {
        const SparseView X = csr_view(indptr, indices, data, rows, cols);
        nn::AutoencoderModel model;
        model.weights = std::move(weights);
        model.biases = std::move(biases);
        model.activation = nn::parse_activation(activation);
        require_argument(model.weights.size() == model.biases.size(), "biases", "one per weight matrix",
                         std::to_string(model.biases.size()));
        py::gil_scoped_release release;
        return nn::autoencoder_encode(X, model, threads);
      },
      "Codes (last hidden layer) of the rows of X under a trained autoencoder.", py::arg("indptr"), py::arg("indices"),
      py::arg("data"), py::arg("rows"), py::arg("cols"), py::arg("weights"), py::arg("biases"),
      py::arg("activation") = "relu", py::arg("threads") = 0);
}

}  // namespace strata::python
