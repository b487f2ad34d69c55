// strata embed-words INPUT --window W --dim K -o DIR: word vectors from the
// corpus's word-context co-occurrence counts (PPMI + truncated SVD, or NMF).
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "strata/core/error.hpp"
#include "strata/io/load.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/parallel/threads.hpp"
#include "strata/solvers/embeddings.hpp"

namespace strata::cli {

void register_embed_words(CLI::App& app) {
  struct Args {
    bool overwrite = false;
    std::string input, output, method = "svd", similarity;
    EmbeddingOptions embedding;
    bool no_context = false;
    CommonOptions common;
    InputOptions reading;
  };
  auto a = std::make_shared<Args>();
  a->reading.window = 5;  // embeddings need co-occurrence counts: on by default here
  auto* cmd = app.add_subcommand("embed-words", "Word vectors from word-context co-occurrence (PPMI + SVD)");
  cmd->add_option("INPUT", a->input, "Text (with the reading options) or a corpus file with co-occurrence counts")
      ->required();
  cmd->add_option("-o,--output", a->output, "Directory to write (vectors.npy, vocab.txt)")->required();
  add_overwrite_option(*cmd, a->overwrite);
  cmd->add_option("--dim", a->embedding.dim, "Embedding dimension")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--shift", a->embedding.pmi.shift, "Shifted PPMI: subtract log(S) (1 = plain PPMI)")
      ->capture_default_str();
  cmd->add_option("--smoothing", a->embedding.pmi.smoothing, "Context-distribution smoothing exponent in (0, 1]")
      ->capture_default_str();
  cmd->add_option("--eig", a->embedding.eig, "Singular-value exponent p: vectors U S^p")->capture_default_str();
  cmd->add_flag("--no-context", a->no_context, "Word vectors only (default adds the context vectors: w + c)");
  cmd->add_option("--method", a->method, "svd|nmf")->capture_default_str();
  cmd->add_option("--similarity", a->similarity, "Word-similarity judgements 'word1 word2 score': report Spearman");
  add_input_options(*cmd, a->reading);
  add_common_options(*cmd, a->common);
  cmd->callback([a] {
    check_model_output(ModelOutput(a->output, a->overwrite), "word_embedding");  // refused before any work
    EmbeddingOptions o = a->embedding;
    o.method = parse_embedding_method(a->method);
    o.add_context = !a->no_context;
    o.seed = a->common.seed;
    o.threads = resolve_threads(a->common.threads);
    // Read the judgements first: a bad file should fail before the work.
    std::vector<SimilarityJudgement> judgements;
    if (!a->similarity.empty()) judgements = read_similarity_file(a->similarity);
    const Corpus corpus = load_input(a->input, a->reading, a->common);
    if (!corpus.cooccurrence)
      throw InputError(a->input, "has no word-context co-occurrence counts (give text, or a corpus file made "
                                 "by strata vectorize --window W)");
    if (corpus.vocabulary.empty()) throw InputError(a->input, "has no vocabulary");
    const EmbeddingResult r = embed_cooccurrence(corpus.cooccurrence->view(), o);

    using json = nlohmann::ordered_json;
    ModelDirectoryWriter w(ModelOutput(a->output, a->overwrite), "word_embedding");
    w.write_matrix("vectors", r.vectors.data(), r.vectors.rows(), r.vectors.cols());
    w.write_lines("vocab.txt", corpus.vocabulary);
    json summary;
    summary["seconds"] = r.seconds;
    summary["words"] = r.vectors.rows();
    summary["cooccurrence_nnz"] = corpus.cooccurrence->nnz();
    summary["pmi_nnz"] = r.pmi_nnz;
    if (r.singular_values.size() > 0)
      summary["singular_values"] =
          std::vector<double>(r.singular_values.data(), r.singular_values.data() + r.singular_values.size());
    SimilarityEvaluation e;
    if (!judgements.empty()) {
      e = evaluate_similarity(r.vectors, corpus.vocabulary, judgements);
      summary["similarity"] = {{"file", a->similarity},
                               {"spearman", std::isnan(e.spearman) ? json(nullptr) : json(e.spearman)},
                               {"pairs_used", e.pairs_used},
                               {"pairs_total", e.pairs_total}};
    }
    w.write_metrics(summary.dump(), {});
    json params = {{"dim", o.dim},       {"window", corpus.window},          {"shift", o.pmi.shift},
                   {"smoothing", o.pmi.smoothing}, {"eig", o.eig},          {"context_vectors", o.add_context},
                   {"method", to_string(o.method)}, {"seed", o.seed},        {"threads", o.threads}};
    w.commit(params.dump(), json{{"input", a->input}, {"words_file", "vocab.txt"}}.dump());
    if (a->common.quiet) return;
    std::printf("%s: %lld words x %d dimensions (%s, window %d), %.3fs\n", a->output.c_str(),
                static_cast<long long>(r.vectors.rows()), o.dim, to_string(o.method).c_str(), corpus.window,
                r.seconds);
    if (!judgements.empty())
      std::printf("similarity: Spearman %.4f on %lld of %lld pairs\n", e.spearman,
                  static_cast<long long>(e.pairs_used), static_cast<long long>(e.pairs_total));
  });
}

}  // namespace strata::cli
