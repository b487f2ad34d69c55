// Word and node embeddings (strata/solvers/embeddings.hpp, graph_embedding.hpp)
// over CSR arrays mapped without copying. strata.WordEmbedding and
// strata.GraphEmbedding (python/strata/embeddings.py) are the intended callers.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "strata/solvers/embeddings.hpp"
#include "strata/solvers/graph_embedding.hpp"

namespace strata::python {

namespace {

using IndptrArray = py::array_t<Index, py::array::c_style>;
using IndicesArray = py::array_t<ColIndex, py::array::c_style>;
using DataArray = py::array_t<double, py::array::c_style>;

EmbeddingOptions embedding_options(int dim, double shift, double smoothing, double eig, bool context_vectors,
                                   const std::string& method, std::uint64_t seed, int threads) {
  EmbeddingOptions o;
  o.dim = dim;
  o.pmi = {smoothing, shift};
  o.eig = eig;
  o.add_context = context_vectors;
  o.method = parse_embedding_method(method);
  o.seed = seed;
  o.threads = threads;
  return o;
}

py::dict embedding_to_python(EmbeddingResult&& r) {
  py::dict d;
  d["vectors"] = py::cast(std::move(r.vectors));
  d["singular_values"] = py::cast(std::move(r.singular_values));
  d["pmi_nnz"] = r.pmi_nnz;
  d["seconds"] = r.seconds;
  return d;
}

}  // namespace

void bind_embeddings(py::module_& m) {
  m.def(
      "positive_pmi",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols,
         double shift, double smoothing, int threads) {
        const SparseView C = csr_view(indptr, indices, data, rows, cols);
        SparseMatrix P;
        {
          py::gil_scoped_release release;
          P = positive_pmi(C, {smoothing, shift}, threads);
        }
        return csr_to_python(std::move(P));
      },
      "Positive (shifted) PMI of a count matrix with context-distribution smoothing (strata::positive_pmi).",
      py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"),
      py::arg("shift") = 1.0, py::arg("smoothing") = 0.75, py::arg("threads") = 0);
  m.def(
      "embed_cooccurrence",
      [](const IndptrArray& indptr, const IndicesArray& indices, const DataArray& data, Index rows, Index cols,
         int dim, double shift, double smoothing, double eig, bool context_vectors, const std::string& method,
         std::uint64_t seed, int threads) {
        const SparseView C = csr_view(indptr, indices, data, rows, cols);
        const EmbeddingOptions o = embedding_options(dim, shift, smoothing, eig, context_vectors, method, seed, threads);
        EmbeddingResult r;
        {
          py::gil_scoped_release release;
          r = embed_cooccurrence(C, o);
        }
        return embedding_to_python(std::move(r));
      },
      "Embeds the rows of a co-occurrence count matrix (strata::embed_cooccurrence); returns a dict with vectors, "
      "singular_values, pmi_nnz, seconds.",
      py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"), py::arg("dim"),
      py::arg("shift") = 1.0, py::arg("smoothing") = 0.75, py::arg("eig") = 0.5, py::arg("context_vectors") = true,
      py::arg("method") = "svd", py::arg("seed") = 0, py::arg("threads") = 0);
  m.def(
      "embed_graph",
      [](const std::vector<std::string>& nodes, const IndptrArray& indptr, const IndicesArray& indices,
         const DataArray& data, bool directed, int walks, int walk_length, int window, int dim, double shift,
         double smoothing, double eig, bool context_vectors, const std::string& method, std::uint64_t seed,
         int threads) {
        const Index n = static_cast<Index>(nodes.size());
        const SparseView A = csr_view(indptr, indices, data, n, n);
        Graph g;
        g.nodes = nodes;
        g.directed = directed;
        g.adjacency.rows = g.adjacency.cols = n;
        g.adjacency.indptr.assign(A.indptr, A.indptr + n + 1);
        g.adjacency.indices.assign(A.indices, A.indices + A.nnz());
        g.adjacency.data.assign(A.data, A.data + A.nnz());
        GraphEmbeddingOptions o;
        o.walk.walks = walks;
        o.walk.walk_length = walk_length;
        o.walk.window = window;
        o.embedding = embedding_options(dim, shift, smoothing, eig, context_vectors, method, seed, threads);
        EmbeddingResult r;
        {
          py::gil_scoped_release release;
          r = embed_graph(g, o);
        }
        return embedding_to_python(std::move(r));
      },
      "Node vectors by random walks and PMI factorization (strata::embed_graph) of the graph with the given "
      "adjacency (CSR, nodes x nodes).",
      py::arg("nodes"), py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("directed") = false,
      py::arg("walks") = 10, py::arg("walk_length") = 40, py::arg("window") = 5, py::arg("dim") = 128,
      py::arg("shift") = 1.0, py::arg("smoothing") = 0.75, py::arg("eig") = 0.5, py::arg("context_vectors") = true,
      py::arg("method") = "svd", py::arg("seed") = 0, py::arg("threads") = 0);
  m.def(
      "read_edge_list",
      [](const std::string& path, bool directed) {
        Graph g = read_edge_list(path, directed);
        return py::make_tuple(g.nodes, csr_to_python(std::move(g.adjacency)));
      },
      "Reads an edge list file ('a b [weight]' lines); returns (nodes, CSR adjacency parts).", py::arg("path"),
      py::arg("directed") = false);
  m.def("spearman_correlation", &spearman_correlation, "Spearman's rank correlation (average ranks for ties).",
        py::arg("x"), py::arg("y"));
}

}  // namespace strata::python
