// Synthetic data generators (strata/synth/generators.hpp). Each returns a dict
// of numpy arrays and CSR parts; strata.datasets turns them into scipy objects.
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "strata/core/error.hpp"
#include "strata/synth/generators.hpp"

namespace strata::python {
namespace {

/// Hands a dense row-major matrix over to numpy as a 2-D array (no copy).
py::array_t<double> dense_to_numpy(synth::DenseMatrix&& m) {
  const auto rows = static_cast<py::ssize_t>(m.rows), cols = static_cast<py::ssize_t>(m.cols);
  auto* owner = new std::vector<double>(std::move(m.values));
  py::capsule free_when_done(owner, [](void* p) { delete static_cast<std::vector<double>*>(p); });
  return py::array_t<double>({rows, cols}, {static_cast<py::ssize_t>(cols * sizeof(double)),
                                            static_cast<py::ssize_t>(sizeof(double))},
                             owner->data(), free_when_done);
}

py::list dense_list(std::vector<synth::DenseMatrix>&& ms) {
  py::list out;
  for (auto& m : ms) out.append(dense_to_numpy(std::move(m)));
  return out;
}

synth::ZipfOptions zipf_options(Index n_documents, std::int64_t target_bytes, Index vocabulary_size, double exponent,
                                double doc_length, double length_cv, int n_topics, double topic_weight,
                                double topic_alpha, const std::string& word_style, std::uint64_t seed) {
  synth::ZipfOptions o;
  o.n_documents = n_documents;
  o.target_bytes = target_bytes;
  o.vocabulary_size = vocabulary_size;
  o.exponent = exponent;
  o.doc_length = doc_length;
  o.length_cv = length_cv;
  o.n_topics = n_topics;
  o.topic_weight = topic_weight;
  o.topic_alpha = topic_alpha;
  o.word_style = synth::parse_word_style(word_style);
  o.seed = seed;
  return o;
}

}  // namespace

void bind_synth(py::module_& m) {
  m.def(
      "make_topics",
      [](Index n_documents, Index n_terms, int n_topics, double overlap, double alpha, double term_concentration,
         double shared_concentration, double doc_length, double length_cv, const std::string& noise,
         std::uint64_t seed) {
        synth::TopicsOptions o;
        o.n_documents = n_documents;
        o.n_terms = n_terms;
        o.n_topics = n_topics;
        o.overlap = overlap;
        o.alpha = alpha;
        o.term_concentration = term_concentration;
        o.shared_concentration = shared_concentration;
        o.doc_length = doc_length;
        o.length_cv = length_cv;
        o.noise = synth::parse_noise(noise);
        o.seed = seed;
        synth::TopicsResult r;
        {
          py::gil_scoped_release release;
          r = synth::make_topics(o);
        }
        py::dict d;
        d["X"] = csr_to_python(std::move(r.X));
        d["W"] = dense_to_numpy(std::move(r.W));
        d["H"] = dense_to_numpy(std::move(r.H));
        d["labels"] = to_numpy(std::move(r.labels));
        d["doc_lengths"] = to_numpy(std::move(r.doc_lengths));
        d["vocabulary"] = py::cast(r.vocabulary);
        d["anchor_begin"] = to_numpy(std::move(r.anchor_begin));
        return d;
      },
      py::arg("n_documents"), py::arg("n_terms"), py::arg("n_topics"), py::arg("overlap"), py::arg("alpha"),
      py::arg("term_concentration"), py::arg("shared_concentration"), py::arg("doc_length"), py::arg("length_cv"),
      py::arg("noise"), py::arg("seed"));

  m.def(
      "make_hierarchy",
      [](Index n_documents, Index n_terms, const std::vector<int>& ranks, const std::vector<std::vector<int>>& parents,
         double alpha, double decay, double term_sharing, double term_concentration, double doc_length,
         double length_cv, const std::string& noise, std::uint64_t seed) {
        synth::HierarchyOptions o;
        o.n_documents = n_documents;
        o.n_terms = n_terms;
        o.ranks = ranks;
        o.parents = parents;
        o.alpha = alpha;
        o.decay = decay;
        o.term_sharing = term_sharing;
        o.term_concentration = term_concentration;
        o.doc_length = doc_length;
        o.length_cv = length_cv;
        o.noise = synth::parse_noise(noise);
        o.seed = seed;
        synth::HierarchyResult r;
        {
          py::gil_scoped_release release;
          r = synth::make_hierarchy(o);
        }
        py::dict d;
        d["X"] = csr_to_python(std::move(r.X));
        d["ranks"] = py::cast(r.ranks);
        d["parents"] = py::cast(r.parents);
        d["W"] = dense_list(std::move(r.W));
        d["H"] = dense_list(std::move(r.H));
        py::list mixing;
        for (std::size_t l = 0; l < r.mixing.size(); ++l)
          mixing.append(l == 0 ? py::object(py::none()) : py::object(dense_to_numpy(std::move(r.mixing[l]))));
        d["mixing"] = mixing;
        py::list labels;
        for (auto& l : r.labels) labels.append(to_numpy(std::move(l)));
        d["labels"] = labels;
        d["doc_lengths"] = to_numpy(std::move(r.doc_lengths));
        d["vocabulary"] = py::cast(r.vocabulary);
        py::list blocks;
        for (auto& b : r.block_begin) blocks.append(to_numpy(std::move(b)));
        d["block_begin"] = blocks;
        return d;
      },
      py::arg("n_documents"), py::arg("n_terms"), py::arg("ranks"), py::arg("parents"), py::arg("alpha"),
      py::arg("decay"), py::arg("term_sharing"), py::arg("term_concentration"), py::arg("doc_length"),
      py::arg("length_cv"), py::arg("noise"), py::arg("seed"));

  m.def(
      "make_lowrank",
      [](Index n_rows, Index n_cols, int rank, double observed, double noise_sigma, double scale, double factor_density,
         double held_out, std::uint64_t seed) {
        synth::LowRankOptions o;
        o.n_rows = n_rows;
        o.n_cols = n_cols;
        o.rank = rank;
        o.observed = observed;
        o.noise_sigma = noise_sigma;
        o.scale = scale;
        o.factor_density = factor_density;
        o.held_out = held_out;
        o.seed = seed;
        synth::LowRankResult r;
        std::vector<Index> rows;
        std::vector<ColIndex> cols;
        std::vector<double> values;
        {
          py::gil_scoped_release release;
          r = synth::make_lowrank(o);
          rows.reserve(r.held_out.size());
          cols.reserve(r.held_out.size());
          values.reserve(r.held_out.size());
          for (const Triplet& t : r.held_out) {
            rows.push_back(t.row);
            cols.push_back(t.col);
            values.push_back(t.value);
          }
          r.held_out = {};
        }
        py::dict d;
        d["X"] = csr_to_python(std::move(r.X));
        d["mask"] = csr_to_python(std::move(r.mask));
        d["W"] = dense_to_numpy(std::move(r.W));
        d["H"] = dense_to_numpy(std::move(r.H));
        d["held_out_rows"] = to_numpy(std::move(rows));
        d["held_out_cols"] = to_numpy(std::move(cols));
        d["held_out_values"] = to_numpy(std::move(values));
        return d;
      },
      py::arg("n_rows"), py::arg("n_cols"), py::arg("rank"), py::arg("observed"), py::arg("noise_sigma"),
      py::arg("scale"), py::arg("factor_density"), py::arg("held_out"), py::arg("seed"));

  m.def(
      "make_zipf_corpus",
      [](Index n_documents, std::int64_t target_bytes, Index vocabulary_size, double exponent, double doc_length,
         double length_cv, int n_topics, double topic_weight, double topic_alpha, const std::string& word_style,
         std::uint64_t seed) {
        const synth::ZipfOptions o = zipf_options(n_documents, target_bytes, vocabulary_size, exponent, doc_length,
                                                  length_cv, n_topics, topic_weight, topic_alpha, word_style, seed);
        synth::ZipfCorpus c;
        {
          py::gil_scoped_release release;
          c = synth::make_zipf_corpus(o);
        }
        py::dict d;
        d["documents"] = py::cast(c.documents);
        d["labels"] = py::cast(c.labels);
        d["topics"] = to_numpy(std::move(c.topics));
        d["vocabulary"] = py::cast(c.vocabulary);
        return d;
      },
      py::arg("n_documents"), py::arg("target_bytes"), py::arg("vocabulary_size"), py::arg("exponent"),
      py::arg("doc_length"), py::arg("length_cv"), py::arg("n_topics"), py::arg("topic_weight"),
      py::arg("topic_alpha"), py::arg("word_style"), py::arg("seed"));

  m.def(
      "write_zipf_corpus",
      [](const std::string& path, const std::string& format, Index n_documents, std::int64_t target_bytes,
         Index vocabulary_size, double exponent, double doc_length, double length_cv, int n_topics,
         double topic_weight, double topic_alpha, const std::string& word_style, std::uint64_t seed) {
        const synth::ZipfOptions o = zipf_options(n_documents, target_bytes, vocabulary_size, exponent, doc_length,
                                                  length_cv, n_topics, topic_weight, topic_alpha, word_style, seed);
        synth::ZipfFileFormat f;
        if (format == "auto")
          f = synth::zipf_format_for_path(path);
        else if (format == "lines")
          f = synth::ZipfFileFormat::Lines;
        else if (format == "tsv")
          f = synth::ZipfFileFormat::Tsv;
        else
          throw ArgumentError("format must be one of auto|lines|tsv (got " + format + ")");
        synth::ZipfWriteSummary s;
        {
          py::gil_scoped_release release;
          s = synth::write_zipf_corpus(path, o, f);
        }
        py::dict d;
        d["documents"] = s.documents;
        d["bytes"] = s.bytes;
        d["tokens"] = s.tokens;
        return d;
      },
      py::arg("path"), py::arg("format"), py::arg("n_documents"), py::arg("target_bytes"),
      py::arg("vocabulary_size"), py::arg("exponent"), py::arg("doc_length"), py::arg("length_cv"),
      py::arg("n_topics"), py::arg("topic_weight"), py::arg("topic_alpha"), py::arg("word_style"), py::arg("seed"));
}

}  // namespace strata::python
