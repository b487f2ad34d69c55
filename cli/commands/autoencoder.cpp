// strata autoencoder INPUT --hidden 512[,128] -o DIR: an autoencoder of the
// sparse rows of INPUT with an exact O(d^2) output layer (or the naive one).
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "strata/core/error.hpp"
#include "strata/io/load.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/nn/sparse_autoencoder.hpp"
#include "strata/parallel/threads.hpp"

namespace strata::cli {

namespace {
std::vector<int> parse_widths(const std::string& text) {
  std::vector<int> widths;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      const int w = std::stoi(item, &used);
      if (used != item.size() || w < 1) throw std::invalid_argument("");
      widths.push_back(w);
    } catch (const std::exception&) {
      throw ArgumentError("hidden must be positive widths separated by commas, e.g. 512,128 (got '" + text + "')");
    }
  }
  if (widths.empty()) throw ArgumentError("hidden must name at least one width (got '" + text + "')");
  return widths;
}
}  // namespace

void register_autoencoder(CLI::App& app) {
  struct Args {
    bool overwrite = false;
    std::string input, output, hidden = "128", loss = "squared", update = "factored", dtype = "float32",
                                activation = "relu", optimizer = "adam";
    nn::AutoencoderOptions ae;
    CommonOptions common;
    InputOptions reading;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("autoencoder", "Autoencoder of sparse rows with an exact O(d^2) output layer");
  cmd->add_option("INPUT", a->input, "Corpus file, matrix file, or text (with the reading options)")->required();
  cmd->add_option("-o,--output", a->output, "Model directory to write")->required();
  add_overwrite_option(*cmd, a->overwrite);
  cmd->add_option("--hidden", a->hidden, "Hidden layer widths, comma-separated (the last feeds the output layer)")
      ->capture_default_str();
  cmd->add_option("--loss", a->loss, "squared|spherical|taylor|zloss")->capture_default_str();
  cmd->add_option("--output-update", a->update, "factored (O(d^2) per row) | naive (O(D d))")->capture_default_str();
  cmd->add_option("--activation", a->activation, "relu|tanh|sigmoid")->capture_default_str();
  cmd->add_option("--batch-size", a->ae.batch_size, "Rows per minibatch")->capture_default_str();
  cmd->add_option("--epochs", a->ae.epochs, "Passes over the rows")->capture_default_str();
  cmd->add_option("--max-batches", a->ae.max_batches, "Stop after this many minibatches (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--optimizer", a->optimizer,
                  "adam: input and hidden layers by Adam with steps scaled to their inputs, the output layer's exact "
                  "SGD step a fraction --output-rate of its stability limit | sgd: one plain SGD rate on every layer")
      ->capture_default_str();
  cmd->add_option("--learning-rate", a->ae.learning_rate,
                  "adam: how far a step moves a pre-activation (input layer: divided by the rows' mean L1 norm); "
                  "sgd: the step on a minibatch's summed loss; 0: no update")
      ->capture_default_str();
  cmd->add_flag("!--no-decay", a->ae.decay,
                "adam: keep the rates constant (default: they decay linearly over the planned minibatches)");
  cmd->add_option("--output-rate", a->ae.output_rate,
                  "adam: output layer step as a fraction of its stability limit, eta = rate / (2 lambda_max(H^T H)), "
                  "in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--dtype", a->dtype, "float32|float64")->capture_default_str();
  cmd->add_option("--stabilize-every", a->ae.stabilize_every, "Factored layer: most updates between two SVD checks of U (also checked when its singular values may leave [0.5, 2])")
      ->capture_default_str();
  add_input_options(*cmd, a->reading);
  add_common_options(*cmd, a->common);
  cmd->callback([a] {
    check_model_output(ModelOutput(a->output, a->overwrite), "autoencoder");  // refused before any work
    nn::AutoencoderOptions o = a->ae;
    o.hidden = parse_widths(a->hidden);
    o.loss.kind = nn::parse_output_loss(a->loss);
    o.output_update = nn::parse_output_update(a->update);
    o.activation = nn::parse_activation(a->activation);
    o.dtype = nn::parse_dtype(a->dtype);
    o.optimizer = nn::parse_optimizer(a->optimizer);
    o.seed = a->common.seed;
    o.threads = resolve_threads(a->common.threads);
    o.progress = make_progress(a->common);
    const InputMatrix input = open_input(a->input, a->reading.to_load_options(), make_progress(a->common));
    const SparseView X = input.matrix();
    const nn::AutoencoderResult r = nn::sparse_autoencoder(X, o);

    using json = nlohmann::ordered_json;
    ModelDirectoryWriter w(ModelOutput(a->output, a->overwrite), "autoencoder");
    const auto& layers = r.model.weights;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const std::string name = l == 0 ? "encoder" : "encoder_" + std::to_string(l);
      w.write_matrix(name, layers[l].data(), layers[l].rows(), layers[l].cols());
      const std::string bias = l == 0 ? "encoder_bias" : "encoder_" + std::to_string(l) + "_bias";
      w.write_vector(bias, r.model.biases[l].data(), r.model.biases[l].size());
    }
    w.write_matrix("decoder", r.model.decoder.data(), r.model.decoder.rows(), r.model.decoder.cols());
    w.write_matrix("codes", r.codes.data(), r.codes.rows(), r.codes.cols());
    if (!input.corpus.vocabulary.empty()) w.write_vocabulary(input.corpus.vocabulary);
    if (!input.corpus.labels.empty()) w.write_lines("labels.txt", input.corpus.labels);
    json summary;
    summary["seconds"] = r.seconds;
    summary["iterations"] = static_cast<long long>(r.history.size());
    summary["batches"] = r.batches;
    summary["loss"] = r.loss;
    auto number = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    summary["relative_error"] = number(r.relative_error);
    summary["corpus_relative_error"] = number(r.corpus_relative_error);
    summary["start_loss"] = number(r.progress.start_loss);
    summary["end_loss"] = number(r.progress.end_loss);
    summary["dead_units"] = r.dead_units;
    summary["zero_codes"] = r.zero_codes;
    summary["seconds_per_batch"] = r.seconds_per_batch;
    summary["output_seconds_per_batch"] = r.output_seconds_per_batch;
    summary["stabilization"] = {{"checks", r.stabilization.checks},
                                {"corrections", r.stabilization.corrections},
                                {"passes", r.stabilization.passes},
                                {"flushes", r.stabilization.flushes},
                                {"directions", r.stabilization.directions},
                                {"resyncs", r.stabilization.resyncs},
                                {"folds", r.stabilization.folds},
                                {"seconds", r.stabilization.seconds}};
    summary["status"] = nn::to_string(r.status);
    w.write_metrics(summary.dump(), r.history);
    json params;
    params["hidden"] = o.hidden;
    params["loss"] = nn::to_string(o.loss.kind);
    params["output_update"] = nn::to_string(o.output_update);
    params["activation"] = nn::to_string(o.activation);
    params["batch_size"] = o.batch_size;
    params["epochs"] = o.epochs;
    params["max_batches"] = o.max_batches;
    params["optimizer"] = nn::to_string(o.optimizer);
    params["learning_rate"] = o.learning_rate;
    params["output_rate"] = o.output_rate;
    params["decay"] = o.decay;
    params["dtype"] = nn::to_string(o.dtype);
    params["stabilize_every"] = o.stabilize_every;
    params["seed"] = o.seed;
    params["threads"] = o.threads;
    json extra;
    extra["input"] = {{"path", a->input}, {"rows", X.rows}, {"cols", X.cols}, {"nnz", X.nnz()}};
    w.commit(params.dump(), extra.dump());
    if (r.status == nn::TrainingStatus::NotLearning)
      std::fprintf(stderr,
                   "warning: %s: not learning: loss relative to the targets %.4g over the first minibatches, %.4g "
                   "over the last; relative error %.4g (predicting zeros: 1), %lld of %lld codes dead; status "
                   "not_learning in metrics.json (try another --learning-rate / --output-rate)\n",
                   a->output.c_str(), r.progress.start_loss, r.progress.end_loss, r.relative_error,
                   static_cast<long long>(r.dead_units), static_cast<long long>(r.codes.cols()));
    if (a->common.quiet) return;
    std::printf("%s: %lld minibatches, %.3fs, loss %.6g per row, %.3g s per minibatch (output layer %.3g s)\n",
                a->output.c_str(), r.batches, r.seconds, r.loss, r.seconds_per_batch, r.output_seconds_per_batch);
    if (std::isfinite(r.relative_error))
      std::printf("reconstruction: mean relative error %.4f (||x - x_hat||^2 / ||x||^2 over rows), corpus %.4f; "
                  "%lld of %lld units dead, %.1f%% of codes zero\n",
                  r.relative_error, r.corpus_relative_error, static_cast<long long>(r.dead_units),
                  static_cast<long long>(r.codes.cols()), 100.0 * r.zero_codes);
  });
}

}  // namespace strata::cli
