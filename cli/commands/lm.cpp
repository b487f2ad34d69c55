// strata lm INPUT --context C --dim E --hidden H -o DIR: a neural language
// model over the corpus's token stream with an exact O(H^2) output layer
// over the whole vocabulary (or the naive O(V H) one); writes the word
// embeddings.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "strata/core/error.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/nn/language_model.hpp"
#include "strata/parallel/threads.hpp"
#include "strata/solvers/embeddings.hpp"

namespace strata::cli {

void register_lm(CLI::App& app) {
  struct Args {
    bool overwrite = false;
    std::string input, output, loss = "taylor", update = "factored", dtype = "float32", activation = "tanh",
                               format = "auto", similarity;
    int text_column = 0;
    bool header = false;
    nn::LanguageModelOptions lm;
    nn::TokenStreamOptions tokens;
    CommonOptions common;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("lm", "Neural language model with an exact O(H^2) output layer; word embeddings");
  cmd->add_option("INPUT", a->input, "Text collection: lines, tsv, dir or brown (.gz read on the fly)")->required();
  cmd->add_option("-o,--output", a->output, "Directory to write (embeddings.npy, vocab.txt)")->required();
  add_overwrite_option(*cmd, a->overwrite);
  cmd->add_option("--context", a->lm.context, "Previous words that predict the next")->capture_default_str();
  cmd->add_option("--dim", a->lm.dim, "Embedding width")->capture_default_str();
  cmd->add_option("--hidden", a->lm.hidden, "Hidden units (the output layer's input)")->capture_default_str();
  cmd->add_option("--loss", a->loss, "squared|spherical|taylor|zloss")->capture_default_str();
  cmd->add_option("--output-update", a->update, "factored (O(H^2) per word) | naive (O(V H))")->capture_default_str();
  cmd->add_option("--activation", a->activation, "relu|tanh|sigmoid")->capture_default_str();
  cmd->add_option("--batch-size", a->lm.batch_size, "Predicted words per minibatch")->capture_default_str();
  cmd->add_option("--epochs", a->lm.epochs, "Passes over the token stream")->capture_default_str();
  cmd->add_option("--max-batches", a->lm.max_batches, "Stop after this many minibatches (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--learning-rate", a->lm.learning_rate, "SGD step on a minibatch's summed loss (0: no update)")
      ->capture_default_str();
  cmd->add_option("--dtype", a->dtype, "float32|float64")->capture_default_str();
  cmd->add_option("--stabilize-every", a->lm.stabilize_every, "Factored layer: most updates between SVD checks of U")
      ->capture_default_str();
  cmd->add_option("--min-count", a->tokens.min_count, "Drop words seen fewer times")->capture_default_str();
  cmd->add_option("--max-vocabulary", a->tokens.max_vocabulary, "Keep the N most frequent words (0 = all)")
      ->capture_default_str();
  cmd->add_option("--similarity", a->similarity, "Word-similarity judgements 'word1 word2 score': report Spearman");
  cmd->add_option("--format", a->format, "auto|lines|tsv|dir|brown")->capture_default_str();
  cmd->add_option("--text-column", a->text_column, "TSV: 1-based text column (default: last)");
  cmd->add_flag("--header", a->header, "TSV: skip the first line");
  add_common_options(*cmd, a->common);
  cmd->callback([a] {
    check_model_output(ModelOutput(a->output, a->overwrite), "language_model");  // refused before any work
    nn::LanguageModelOptions o = a->lm;
    o.loss.kind = nn::parse_output_loss(a->loss);
    o.output_update = nn::parse_output_update(a->update);
    o.activation = nn::parse_activation(a->activation);
    o.dtype = nn::parse_dtype(a->dtype);
    o.seed = a->common.seed;
    o.threads = resolve_threads(a->common.threads);
    o.progress = make_progress(a->common);
    TextSourceOptions source;
    source.format = parse_text_format(a->format);
    source.text_column = a->text_column;
    source.header = a->header;
    // Read the judgements first: a bad file should fail before the work.
    std::vector<SimilarityJudgement> judgements;
    if (!a->similarity.empty()) judgements = read_similarity_file(a->similarity);
    const nn::TokenStream stream = nn::read_token_stream(a->input, source, a->tokens);
    if (stream.vocabulary.size() < 2)
      throw InputError(a->input, "has fewer than 2 words seen at least " + std::to_string(a->tokens.min_count) +
                                     " times (lower --min-count?)");
    const nn::LanguageModelResult r = nn::train_language_model(stream, o);

    using json = nlohmann::ordered_json;
    ModelDirectoryWriter w(ModelOutput(a->output, a->overwrite), "language_model");
    w.write_matrix("embeddings", r.embeddings.data(), r.embeddings.rows(), r.embeddings.cols());
    w.write_lines("vocab.txt", stream.vocabulary);
    json summary;
    summary["seconds"] = r.seconds;
    summary["iterations"] = static_cast<long long>(r.history.size());
    summary["batches"] = r.batches;
    summary["examples_per_epoch"] = r.examples;
    summary["loss"] = r.loss;
    summary["start_loss"] = std::isfinite(r.progress.start_loss) ? json(r.progress.start_loss) : json(nullptr);
    summary["end_loss"] = std::isfinite(r.progress.end_loss) ? json(r.progress.end_loss) : json(nullptr);
    summary["seconds_per_batch"] = r.seconds_per_batch;
    summary["output_seconds_per_batch"] = r.output_seconds_per_batch;
    summary["words"] = static_cast<long long>(stream.vocabulary.size());
    summary["tokens"] = static_cast<long long>(stream.tokens.size());
    summary["dropped_tokens"] = stream.dropped;
    summary["stabilization"] = {{"checks", r.stabilization.checks},
                                {"corrections", r.stabilization.corrections},
                                {"passes", r.stabilization.passes},
                                {"flushes", r.stabilization.flushes},
                                {"directions", r.stabilization.directions},
                                {"resyncs", r.stabilization.resyncs},
                                {"folds", r.stabilization.folds},
                                {"seconds", r.stabilization.seconds}};
    summary["status"] = nn::to_string(r.status);
    SimilarityEvaluation e;
    if (!judgements.empty()) {
      e = evaluate_similarity(r.embeddings, stream.vocabulary, judgements);
      summary["similarity"] = {{"file", a->similarity},
                               {"spearman", std::isnan(e.spearman) ? json(nullptr) : json(e.spearman)},
                               {"pairs_used", e.pairs_used},
                               {"pairs_total", e.pairs_total}};
    }
    w.write_metrics(summary.dump(), r.history);
    json params = {{"context", o.context},
                   {"dim", o.dim},
                   {"hidden", o.hidden},
                   {"loss", nn::to_string(o.loss.kind)},
                   {"output_update", nn::to_string(o.output_update)},
                   {"activation", nn::to_string(o.activation)},
                   {"batch_size", o.batch_size},
                   {"epochs", o.epochs},
                   {"max_batches", o.max_batches},
                   {"learning_rate", o.learning_rate},
                   {"dtype", nn::to_string(o.dtype)},
                   {"stabilize_every", o.stabilize_every},
                   {"min_count", a->tokens.min_count},
                   {"max_vocabulary", a->tokens.max_vocabulary},
                   {"seed", o.seed},
                   {"threads", o.threads}};
    w.commit(params.dump(), json{{"input", a->input}, {"words_file", "vocab.txt"}}.dump());
    if (r.status == nn::TrainingStatus::NotLearning)
      std::fprintf(stderr,
                   "warning: %s: not learning: mean loss per word %.4g over the first minibatches, %.4g over the "
                   "last (uniform guessing: log V = %.4g); status not_learning in metrics.json (try another "
                   "--learning-rate)\n",
                   a->output.c_str(), r.progress.start_loss, r.progress.end_loss,
                   std::log(double(stream.vocabulary.size())));
    if (a->common.quiet) return;
    std::printf("%s: %lld words, %lld tokens, %lld minibatches, %.3fs, loss %.6g per word, %.3g s per minibatch\n",
                a->output.c_str(), static_cast<long long>(stream.vocabulary.size()),
                static_cast<long long>(stream.tokens.size()), r.batches, r.seconds, r.loss, r.seconds_per_batch);
    std::printf("loss per word: %.4f over the first minibatches, %.4f over the last\n", r.progress.start_loss,
                r.progress.end_loss);
    if (!judgements.empty())
      std::printf("similarity: Spearman %.4f on %lld of %lld pairs\n", e.spearman,
                  static_cast<long long>(e.pairs_used), static_cast<long long>(e.pairs_total));
  });
}

}  // namespace strata::cli
