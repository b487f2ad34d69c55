// strata embed-graph EDGES --dim K -o DIR: node vectors from truncated random
// walks and PMI factorization (DeepWalk / NetMF).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/parallel/threads.hpp"
#include "strata/solvers/graph_embedding.hpp"

namespace strata::cli {

void register_embed_graph(CLI::App& app) {
  struct Args {
    bool overwrite = false;
    std::string edges, output, method = "svd", labels;
    bool directed = false, no_context = false;
    GraphEmbeddingOptions options;
    CommonOptions common;
  };
  auto a = std::make_shared<Args>();
  a->options.embedding.dim = 128;
  auto* cmd = app.add_subcommand("embed-graph", "Node vectors from random walks and PMI factorization (DeepWalk/NetMF)");
  cmd->add_option("EDGES", a->edges, "Edge list: one 'a b [weight]' per line")->required();
  cmd->add_option("-o,--output", a->output, "Directory to write (vectors.npy, nodes.txt)")->required();
  add_overwrite_option(*cmd, a->overwrite);
  auto& e = a->options.embedding;
  auto& w = a->options.walk;
  cmd->add_option("--dim", e.dim, "Embedding dimension")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--walks", w.walks, "Walks started from every node")->capture_default_str();
  cmd->add_option("--walk-length", w.walk_length, "Nodes per walk")->capture_default_str();
  cmd->add_option("--window", w.window, "Context window along a walk")->capture_default_str();
  cmd->add_option("--shift", e.pmi.shift, "Shifted PPMI: subtract log(S) (negative samples)")->capture_default_str();
  cmd->add_option("--smoothing", e.pmi.smoothing, "Context-distribution smoothing exponent in (0, 1]")
      ->capture_default_str();
  cmd->add_option("--eig", e.eig, "Singular-value exponent p: vectors U S^p")->capture_default_str();
  cmd->add_flag("--no-context", a->no_context, "Node vectors only (default adds the context vectors)");
  cmd->add_option("--method", a->method, "svd|nmf")->capture_default_str();
  cmd->add_flag("--directed", a->directed, "Edges are directed (default: undirected)");
  cmd->add_option("--labels", a->labels, "'node label' lines: report node-classification accuracy");
  add_common_options(*cmd, a->common);
  cmd->callback([a] {
    check_model_output(ModelOutput(a->output, a->overwrite), "graph_embedding");  // refused before any work
    GraphEmbeddingOptions o = a->options;
    o.embedding.method = parse_embedding_method(a->method);
    o.embedding.add_context = !a->no_context;
    o.embedding.seed = a->common.seed;
    o.embedding.threads = resolve_threads(a->common.threads);
    const Graph graph = read_edge_list(a->edges, a->directed);
    std::vector<std::string> labels;
    if (!a->labels.empty()) labels = read_node_labels(a->labels, graph);
    const EmbeddingResult r = embed_graph(graph, o);

    using json = nlohmann::ordered_json;
    ModelDirectoryWriter writer(ModelOutput(a->output, a->overwrite), "graph_embedding");
    writer.write_matrix("vectors", r.vectors.data(), r.vectors.rows(), r.vectors.cols());
    writer.write_lines("nodes.txt", graph.nodes);
    json summary = {{"seconds", r.seconds},
                    {"nodes", graph.n_nodes()},
                    {"edges", graph.adjacency.nnz()},
                    {"pmi_nnz", r.pmi_nnz}};
    NodeClassification c;
    if (!labels.empty()) {
      c = evaluate_node_classification(r.vectors, graph, labels, a->common.seed);
      summary["classification"] = {{"accuracy", c.accuracy},
                                   {"majority_accuracy", c.majority_accuracy},
                                   {"neighbor_vote_accuracy", c.neighbor_vote_accuracy},
                                   {"train", c.train},
                                   {"test", c.test},
                                   {"classes", c.classes}};
    }
    writer.write_metrics(summary.dump(), {});
    json params = {{"dim", o.embedding.dim},         {"walks", o.walk.walks},
                   {"walk_length", o.walk.walk_length}, {"window", o.walk.window},
                   {"shift", o.embedding.pmi.shift}, {"smoothing", o.embedding.pmi.smoothing},
                   {"eig", o.embedding.eig},         {"context_vectors", o.embedding.add_context},
                   {"method", to_string(o.embedding.method)}, {"directed", a->directed},
                   {"seed", o.embedding.seed},       {"threads", o.embedding.threads}};
    writer.commit(params.dump(), json{{"input", a->edges}, {"words_file", "nodes.txt"}}.dump());
    if (a->common.quiet) return;
    std::printf("%s: %lld nodes x %d dimensions, %.3fs\n", a->output.c_str(),
                static_cast<long long>(graph.n_nodes()), o.embedding.dim, r.seconds);
    if (!labels.empty())
      std::printf("node classification (%lld train, %lld test, %lld classes): accuracy %.4f, "
                  "neighbour vote %.4f, majority %.4f\n",
                  static_cast<long long>(c.train), static_cast<long long>(c.test),
                  static_cast<long long>(c.classes), c.accuracy, c.neighbor_vote_accuracy, c.majority_accuracy);
  });
}

}  // namespace strata::cli
