// Neural language model (strata/nn/language_model.hpp) over a list of texts.
// strata.NeuralLanguageModel (python/strata/language_model.py) is the
// intended caller.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "strata/nn/language_model.hpp"

namespace strata::python {

void bind_language_model(py::module_& m) {
  m.def(
      "train_language_model",
      [](const std::vector<std::string>& texts, int context, int dim, int hidden, const std::string& loss,
         const std::string& output_update, const std::string& activation, int batch_size, int epochs,
         long long max_batches, double learning_rate, const std::string& dtype, int stabilize_every,
         long long min_count, long long max_vocabulary, std::uint64_t seed, int threads) {
        nn::LanguageModelOptions o;
        o.context = context;
        o.dim = dim;
        o.hidden = hidden;
        o.loss.kind = nn::parse_output_loss(loss);
        o.output_update = nn::parse_output_update(output_update);
        o.activation = nn::parse_activation(activation);
        o.batch_size = batch_size;
        o.epochs = epochs;
        o.max_batches = max_batches;
        o.learning_rate = learning_rate;
        o.dtype = nn::parse_dtype(dtype);
        o.stabilize_every = stabilize_every;
        o.seed = seed;
        o.threads = threads;
        nn::TokenStreamOptions t;
        t.min_count = min_count;
        t.max_vocabulary = max_vocabulary;
        nn::TokenStream stream;
        nn::LanguageModelResult r;
        {
          py::gil_scoped_release release;
          stream = nn::build_token_stream(
              [&](const std::function<void(std::string_view)>& emit) {
                for (const auto& text : texts) emit(text);
              },
              t);
          r = nn::train_language_model(stream, o);
        }
        py::dict d;
        d["embeddings"] = py::cast(std::move(r.embeddings));
        d["vocabulary"] = py::cast(stream.vocabulary);
        d["counts"] = py::cast(stream.counts);
        d["tokens"] = static_cast<long long>(stream.tokens.size());
        d["dropped_tokens"] = stream.dropped;
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
        d["examples"] = r.examples;
        d["seconds"] = r.seconds;
        d["seconds_per_batch"] = r.seconds_per_batch;
        d["output_seconds_per_batch"] = r.output_seconds_per_batch;
        d["loss"] = r.loss;
        d["status"] = nn::to_string(r.status);
        d["start_loss"] = r.progress.start_loss;
        d["end_loss"] = r.progress.end_loss;
        d["stabilization_checks"] = r.stabilization.checks;
        d["stabilization_corrections"] = r.stabilization.corrections;
        d["stabilization_passes"] = r.stabilization.passes;
        d["stabilization_flushes"] = r.stabilization.flushes;
        d["stabilization_directions"] = r.stabilization.directions;
        d["stabilization_resyncs"] = r.stabilization.resyncs;
        d["stabilization_folds"] = r.stabilization.folds;
        return d;
      },
      "Tokenizes the texts, builds the vocabulary and trains a neural language model "
      "(strata::nn::train_language_model); returns a dict with embeddings, vocabulary, counts, history, batches, "
      "seconds_per_batch, loss, status (finished|not_learning|interrupted), start_loss, end_loss.",
      py::arg("texts"), py::arg("context") = 4, py::arg("dim") = 64, py::arg("hidden") = 128,
      py::arg("loss") = "taylor", py::arg("output_update") = "factored", py::arg("activation") = "tanh",
      py::arg("batch_size") = 128, py::arg("epochs") = 1, py::arg("max_batches") = 0,
      py::arg("learning_rate") = 0.05, py::arg("dtype") = "float32", py::arg("stabilize_every") = 100,
      py::arg("min_count") = 5, py::arg("max_vocabulary") = 0, py::arg("seed") = 0, py::arg("threads") = 0);
}

}  // namespace strata::python
