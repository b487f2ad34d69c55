#include "strata/io/nmf_model.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <unordered_map>

#include "strata/core/error.hpp"
#include "strata/io/atomic_file.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/io/npy.hpp"
#include "strata/linalg/spmm.hpp"
#include "strata/text/document_reader.hpp"
#include "json_fields.hpp"

namespace strata {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

std::string norm_name(Norm n) {
  switch (n) {
    case Norm::L1: return "l1";
    case Norm::L2: return "l2";
    case Norm::None: return "none";
    default: return "default";
  }
}

json options_json(const NmfOptions& o) {
  json j;
  j["k"] = o.k;
  j["solver"] = to_string(o.solver);
  j["loss"] = to_string(o.loss);
  if (o.loss == NmfLoss::Beta) j["beta"] = o.beta;
  j["init"] = to_string(o.init);
  j["max_iter"] = o.max_iter;
  j["tol"] = o.tol;
  j["time_limit"] = o.time_limit;
  j["l1_W"] = o.l1_W;
  j["l2_W"] = o.l2_W;
  j["l1_H"] = o.l1_H;
  j["l2_H"] = o.l2_H;
  j["inner_sweeps"] = o.inner_sweeps;
  j["extrapolate"] = o.extrapolate;
  j["observed"] = o.observed == Observed::All ? "all" : o.observed == Observed::Stored ? "stored" : "mask";
  j["seed"] = o.seed;
  j["threads"] = o.threads;
  return j;
}

}  // namespace

void save_nmf_model(const ModelOutput& output, const NmfResult& r, const NmfOptions& o, const Corpus& corpus,
                    const SparseView& X, const std::string& input_path, const VectorizerOptions& v,
                    const std::string& extra_metrics_json) {
  ModelDirectoryWriter w(output, "nmf");
  save_nmf_model(w, r, o, corpus, X, input_path, v, extra_metrics_json);
}

void save_nmf_model(ModelDirectoryWriter& w, const NmfResult& r, const NmfOptions& o, const Corpus& corpus,
                    const SparseView& X, const std::string& input_path, const VectorizerOptions& v,
                    const std::string& extra_metrics_json) {
  w.write_matrix("W", r.W.data(), r.W.rows(), r.W.cols());
  w.write_matrix("H", r.H.data(), r.H.rows(), r.H.cols());
  const std::string text = save_text_metadata(w, corpus, v);
  json summary;
  summary["seconds"] = r.seconds;
  summary["iterations"] = r.iterations;
  summary["loss"] = r.loss;
  summary["relative_error"] = r.relative_error;
  summary["status"] = to_string(r.status);
  const json extra_metrics = json::parse(extra_metrics_json, nullptr, false);
  if (extra_metrics.is_discarded() || !extra_metrics.is_object())
    throw ArgumentError("extra_metrics_json must be a JSON object");
  for (const auto& [key, value] : extra_metrics.items()) summary[key] = value;
  w.write_metrics(summary.dump(), r.history);
  json extra;
  extra["input"] = {{"path", input_path}, {"rows", X.rows}, {"cols", X.cols}, {"nnz", X.nnz()}};
  extra["text"] = json::parse(text);
  w.commit(options_json(o).dump(), extra.dump());
}

std::string save_text_metadata(ModelDirectoryWriter& w, const Corpus& corpus, const VectorizerOptions& v) {
  if (!corpus.vocabulary.empty()) w.write_vocabulary(corpus.vocabulary);
  if (!corpus.idf.empty()) w.write_vector("idf", corpus.idf.data(), static_cast<Index>(corpus.idf.size()));
  if (!corpus.labels.empty()) w.write_lines("labels.txt", corpus.labels);
  const json text = {{"weighting", corpus.weighting},
                     {"sublinear_tf", v.sublinear_tf},
                     {"norm", norm_name(v.norm)},
                     {"idf", corpus.idf.empty() ? json(nullptr) : json("idf.npy")}};
  return text.dump();
}

DenseMatrix fold_in(const SparseView& X, const NmfModel& model, int threads) {
  if (!model.is_projection()) return nmf_transform(X, model.H, [&] {
      NmfOptions o = model.options;
      o.threads = threads;
      return o;
    }());
  // X V without densifying X: (V^T X^T)^T = spmm(X, H^T).
  const DenseMatrix V = model.H.transpose();
  DenseMatrix out;
  spmm(X, V, out, threads);
  if (model.mean.size() > 0) out.rowwise() -= (model.H * model.mean).transpose();
  return out;
}

NmfModel load_nmf_model(const std::string& dir) {
  const std::string model_path = (fs::path(dir) / "model.json").string();
  const json j = json::parse(read_model_json(dir), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw InputError(model_path, "not valid JSON");
  NmfModel m;
  m.kind = io_detail::json_string_or(j, "kind", model_path, "");
  // SSNMF directories add B to an NMF's; SVD and PCA ones hold components instead of H.
  const bool nmf_model = m.kind == "nmf" || m.kind == "ssnmf";
  if (!nmf_model && m.kind != "svd" && m.kind != "pca")
    throw InputError(model_path, "kind is '" + m.kind + "', expected a model written by strata nmf, ssnmf or svd");
  try {
    const json& p = io_detail::json_member(j, "parameters", model_path);
    m.options.k = io_detail::json_int(p, "k", model_path, 1);
    if (nmf_model) {
      m.options.loss = parse_nmf_loss(io_detail::json_string(p, "loss", model_path));
      if (m.options.loss == NmfLoss::Beta) {
        const json& beta = io_detail::json_member(p, "beta", model_path);
        if (!beta.is_number() || !std::isfinite(beta.get<double>()))
          throw InputError(model_path, "field 'beta' must be a finite number (got " + io_detail::shown_json(beta) + ")");
        m.options.beta = beta.get<double>();
      }
      m.options.solver = parse_nmf_solver(io_detail::json_string(p, "solver", model_path));
    }
    if (j.contains("text") && j["text"].is_object()) {
      const json& t = j["text"];
      m.weighting = io_detail::json_string_or(t, "weighting", model_path, "unknown");
      m.vectorizer.sublinear_tf = io_detail::json_bool_or(t, "sublinear_tf", model_path, false);
      m.vectorizer.norm = parse_norm(io_detail::json_string_or(t, "norm", model_path, "default"));
      if (t.contains("idf") && t["idf"].is_string()) {
        const NpyArray idf = read_npy((fs::path(dir) / t["idf"].get<std::string>()).string());
        m.idf = idf.values;
      }
    }
  } catch (const json::exception& e) {
    throw InputError(model_path, std::string("malformed: ") + e.what());
  } catch (const ArgumentError& e) {
    throw InputError(model_path, std::string("malformed: ") + e.what());
  }
  const std::string h_path = (fs::path(dir) / (nmf_model ? "H.npy" : "components.npy")).string();
  const NpyArray H = read_npy(h_path);
  if (H.shape.size() != 2 || H.rows() != m.options.k)
    throw InputError(h_path, "expected a " + std::to_string(m.options.k) + " x terms matrix");
  m.H = Eigen::Map<const DenseMatrix>(H.values.data(), H.rows(), H.cols());
  if (m.kind == "pca") {
    const std::string mean_path = (fs::path(dir) / "mean.npy").string();
    const NpyArray mean = read_npy(mean_path);
    if (static_cast<Index>(mean.values.size()) != m.H.cols())
      throw InputError(mean_path, "length differs from the number of terms");
    m.mean = Eigen::Map<const DenseVector>(mean.values.data(), static_cast<Index>(mean.values.size()));
  }
  if (j.contains("vocabulary") && j["vocabulary"].is_string()) {
    const std::string vocab_path = (fs::path(dir) / j["vocabulary"].get<std::string>()).string();
    for_each_line(vocab_path, [&](std::string_view line, long long) { m.vocabulary.emplace_back(line); });
    if (static_cast<Index>(m.vocabulary.size()) != m.H.cols())
      throw InputError(vocab_path, "has " + std::to_string(m.vocabulary.size()) + " terms but H has " +
                                       std::to_string(m.H.cols()) + " columns");
  }
  if (!m.idf.empty() && static_cast<Index>(m.idf.size()) != m.H.cols())
    throw InputError((fs::path(dir) / "idf.npy").string(), "length differs from the number of terms");
  return m;
}

SparseMatrix align_to_model(const Corpus& corpus, const NmfModel& model, const std::string& source) {
  const Index terms = model.H.cols();
  if (corpus.vocabulary.empty() || model.vocabulary.empty()) {
    if (corpus.matrix.cols != terms)
      throw InputError(source, "has " + std::to_string(corpus.matrix.cols) + " columns but the model has " +
                                   std::to_string(terms) + " terms");
    return corpus.matrix;
  }
  std::unordered_map<std::string, ColIndex> where;
  for (Index j = 0; j < terms; ++j) where.emplace(model.vocabulary[j], static_cast<ColIndex>(j));
  std::vector<ColIndex> to(static_cast<size_t>(corpus.matrix.cols), -1);
  for (Index j = 0; j < corpus.matrix.cols; ++j) {
    auto it = where.find(corpus.vocabulary[j]);
    if (it != where.end()) to[j] = it->second;
  }
  std::vector<Triplet> t;
  const SparseMatrix& x = corpus.matrix;
  for (Index i = 0; i < x.rows; ++i)
    for (Index p = x.indptr[i]; p < x.indptr[i + 1]; ++p)
      if (to[x.indices[p]] >= 0) t.push_back({i, to[x.indices[p]], x.data[p]});
  return csr_from_triplets(x.rows, terms, std::move(t));
}

std::vector<TopicTerms> top_terms(const DenseMatrix& H, const std::vector<std::string>& vocabulary, int top) {
  std::vector<TopicTerms> out(static_cast<size_t>(H.rows()));
  std::vector<Index> order(static_cast<size_t>(H.cols()));
  for (Index t = 0; t < H.rows(); ++t) {
    std::iota(order.begin(), order.end(), 0);
    const size_t n = std::min<size_t>(static_cast<size_t>(std::max(top, 0)), order.size());
    std::partial_sort(order.begin(), order.begin() + n, order.end(),
                      [&](Index a, Index b) { return H(t, a) != H(t, b) ? H(t, a) > H(t, b) : a < b; });
    for (size_t r = 0; r < n; ++r) {
      const Index j = order[r];
      out[t].terms.emplace_back(vocabulary.empty() ? std::to_string(j) : vocabulary[j], H(t, j));
    }
  }
  return out;
}

}  // namespace strata
