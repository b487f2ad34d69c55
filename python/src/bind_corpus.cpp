// Corpus layer: vectorizing text, loading and writing corpus and matrix files.
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "strata/core/error.hpp"
#include "strata/io/corpus_file.hpp"
#include "strata/io/load.hpp"

namespace strata::python {

SparseView csr_view(const py::array_t<Index, py::array::c_style>& indptr,
                    const py::array_t<ColIndex, py::array::c_style>& indices,
                    const py::array_t<double, py::array::c_style>& data, Index rows, Index cols) {
  if (indptr.ndim() != 1 || indptr.shape(0) != rows + 1)
    throw InputError("<array>", "indptr must have rows + 1 = " + std::to_string(rows + 1) + " entries");
  if (indices.ndim() != 1 || data.ndim() != 1 || indices.shape(0) != data.shape(0))
    throw InputError("<array>", "indices and data must be 1-D arrays of equal length");
  SparseView v{rows, cols, indptr.data(), indices.data(), data.data()};
  if (v.nnz() > indices.shape(0)) throw InputError("<array>", "indptr[-1] exceeds the number of stored entries");
  validate_csr(v, "<array>");
  return v;
}

namespace {

py::dict corpus_to_python(Corpus&& c) {
  py::dict d;
  d["matrix"] = csr_to_python(std::move(c.matrix));
  d["vocabulary"] = py::cast(c.vocabulary);
  d["labels"] = c.labels.empty() ? py::object(py::none()) : py::cast(c.labels);
  d["doc_ids"] = c.doc_ids.empty() ? py::object(py::none()) : py::cast(c.doc_ids);
  d["cooccurrence"] = c.cooccurrence ? py::object(csr_to_python(std::move(*c.cooccurrence))) : py::object(py::none());
  d["window"] = c.window;
  d["weighting"] = c.weighting;
  d["provenance"] = c.provenance_json;
  d["idf"] = c.idf.empty() ? py::object(py::none()) : py::object(to_numpy(std::move(c.idf)));
  return d;
}

VectorizerOptions make_vectorizer_options(const std::string& stop_words, const std::string& min_df,
                                          const std::string& max_df, long long max_features,
                                          const std::string& weighting, bool sublinear_tf, const std::string& norm,
                                          bool smooth_idf, int window) {
  VectorizerOptions o;
  o.stop_words = stop_words;
  o.min_df = DocumentFrequency::parse(min_df, "min_df");
  o.max_df = DocumentFrequency::parse(max_df, "max_df");
  o.max_features = max_features;
  o.weighting = parse_weighting(weighting);
  o.sublinear_tf = sublinear_tf;
  o.norm = parse_norm(norm);
  o.smooth_idf = smooth_idf;
  o.window = window;
  return o;
}

}  // namespace

void bind_corpus(py::module_& m) {
  py::register_exception<InputError>(m, "InputError", PyExc_ValueError);

  m.def(
      "vectorize",
      [](const std::vector<std::string>& documents, const std::vector<std::string>& labels,
         const std::string& stop_words, const std::string& min_df, const std::string& max_df,
         long long max_features, const std::string& weighting, bool sublinear_tf, const std::string& norm,
         bool smooth_idf, int window) {
        if (!labels.empty() && labels.size() != documents.size())
          throw ArgumentError("labels must have one entry per document");
        Vectorizer v(make_vectorizer_options(stop_words, min_df, max_df, max_features, weighting, sublinear_tf, norm,
                                             smooth_idf, window));
        Corpus c;
        {
          py::gil_scoped_release release;
          for (std::size_t i = 0; i < documents.size(); ++i) v.add(documents[i], labels.empty() ? "" : labels[i]);
          c = v.finish();
        }
        return corpus_to_python(std::move(c));
      },
      py::arg("documents"), py::arg("labels") = std::vector<std::string>{}, py::arg("stop_words") = "none",
      py::arg("min_df") = "1", py::arg("max_df") = "1.0", py::arg("max_features") = 0,
      py::arg("weighting") = "tfidf", py::arg("sublinear_tf") = false, py::arg("norm") = "default",
      py::arg("smooth_idf") = true, py::arg("window") = 0);

  m.def(
      "transform_documents",
      [](const std::vector<std::string>& documents, const std::vector<std::string>& vocabulary,
         const std::vector<double>& idf, const std::string& weighting, bool sublinear_tf, const std::string& norm) {
        Corpus fitted;
        fitted.vocabulary = vocabulary;
        fitted.idf = idf;
        fitted.weighting = weighting;
        VectorizerOptions o;
        o.sublinear_tf = sublinear_tf;
        o.norm = parse_norm(norm);
        Corpus c;
        {
          py::gil_scoped_release release;
          c = transform_documents(documents, fitted, o);
        }
        return corpus_to_python(std::move(c));
      },
      py::arg("documents"), py::arg("vocabulary"), py::arg("idf"), py::arg("weighting"),
      py::arg("sublinear_tf") = false, py::arg("norm") = "default");

  m.def(
      "load_corpus",
      [](const std::string& path, const std::string& format, int text_column, int label_column, int id_column,
         bool header, const std::string& stop_words, const std::string& min_df, const std::string& max_df,
         long long max_features, const std::string& weighting, bool sublinear_tf, const std::string& norm,
         bool smooth_idf, int window) {
        LoadOptions o;
        TextFormat text_format = TextFormat::Auto;
        o.format = parse_input_format(format, text_format);
        o.text.format = text_format;
        o.text.text_column = text_column;
        o.text.label_column = label_column;
        o.text.id_column = id_column;
        o.text.header = header;
        o.vectorizer = make_vectorizer_options(stop_words, min_df, max_df, max_features, weighting, sublinear_tf,
                                               norm, smooth_idf, window);
        Corpus c;
        {
          py::gil_scoped_release release;
          c = load_corpus(path, o);
        }
        return corpus_to_python(std::move(c));
      },
      py::arg("path"), py::arg("format") = "auto", py::arg("text_column") = 0, py::arg("label_column") = 0,
      py::arg("id_column") = 0, py::arg("header") = false, py::arg("stop_words") = "none", py::arg("min_df") = "1",
      py::arg("max_df") = "1.0", py::arg("max_features") = 0, py::arg("weighting") = "tfidf",
      py::arg("sublinear_tf") = false, py::arg("norm") = "default", py::arg("smooth_idf") = true,
      py::arg("window") = 0);

  m.def(
      "write_corpus",
      [](const std::string& path, const py::array_t<Index, py::array::c_style>& indptr,
         const py::array_t<ColIndex, py::array::c_style>& indices, const py::array_t<double, py::array::c_style>& data,
         Index rows, Index cols, const std::vector<std::string>& vocabulary, const std::vector<std::string>& labels,
         const std::vector<std::string>& doc_ids, const std::string& weighting) {
        Corpus c;
        c.matrix = to_owning(csr_view(indptr, indices, data, rows, cols));
        c.vocabulary = vocabulary;
        c.labels = labels;
        c.doc_ids = doc_ids;
        c.weighting = weighting;
        py::gil_scoped_release release;
        write_corpus_file(path, c);
      },
      py::arg("path"), py::arg("indptr"), py::arg("indices"), py::arg("data"), py::arg("rows"), py::arg("cols"),
      py::arg("vocabulary") = std::vector<std::string>{}, py::arg("labels") = std::vector<std::string>{},
      py::arg("doc_ids") = std::vector<std::string>{}, py::arg("weighting") = "unknown");
}

}  // namespace strata::python
