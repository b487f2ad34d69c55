#include "strata/io/ssnmf_model.hpp"

#include <nlohmann/json.hpp>

#include "strata/io/model_dir.hpp"

namespace strata {
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

/// The parameters; k, solver and loss are read back by load_nmf_model.
json options_json(const SsnmfOptions& o, const SsnmfResult& r) {
  const double lambda = r.lambda;
  json j;
  j["k"] = r.k;
  j["k_option"] = o.k > 0 ? json(o.k) : json("auto");
  j["solver"] = to_string(o.solver);
  j["loss"] = to_string(o.loss);
  j["label_loss"] = to_string(o.label_loss);
  j["lambda"] = lambda;
  j["lambda_option"] = o.lambda > 0 ? json(o.lambda) : json("auto");
  j["classifier"] = to_string(o.classifier);
  j["validation"] = o.validation;
  j["folds"] = o.folds;
  j["init"] = to_string(o.init);
  j["max_iter"] = o.max_iter;
  j["tol"] = o.tol;
  j["inner_sweeps"] = o.inner_sweeps;
  j["seed"] = o.seed;
  j["threads"] = o.threads;
  return j;
}

}  // namespace

void save_ssnmf_model(const ModelOutput& output, const SsnmfResult& r, const SsnmfOptions& o,
                      const LabelEncoding& labels, const Corpus& corpus, const SparseView& X,
                      const std::string& input_path, const VectorizerOptions& v,
                      const std::optional<HeldOutAccuracy>& held_out) {
  ModelDirectoryWriter w(output, "ssnmf");
  w.write_matrix("W", r.W.data(), r.W.rows(), r.W.cols());
  w.write_matrix("H", r.H.data(), r.H.rows(), r.H.cols());
  w.write_matrix("B", r.B.data(), r.B.rows(), r.B.cols());
  w.write_matrix("B_fit", r.B_fit.data(), r.B_fit.rows(), r.B_fit.cols());
  if (!corpus.vocabulary.empty()) w.write_vocabulary(corpus.vocabulary);
  if (!corpus.idf.empty()) w.write_vector("idf", corpus.idf.data(), static_cast<Index>(corpus.idf.size()));
  w.write_lines("classes.txt", labels.classes);
  std::vector<std::string> given, predicted;
  given.reserve(labels.codes.size());
  predicted.reserve(r.predicted.size());
  for (std::int32_t code : labels.codes) given.push_back(labels.name(code));
  for (std::int32_t code : r.predicted) predicted.push_back(labels.name(code));
  w.write_lines("labels.txt", given);
  w.write_lines("predicted_labels.txt", predicted);

  json summary;
  summary["seconds"] = r.seconds;
  summary["iterations"] = r.iterations;
  summary["status"] = to_string(r.status);
  summary["loss"] = r.loss;
  summary["data_loss"] = r.data_loss;
  summary["label_loss"] = r.label_loss;
  summary["lambda"] = r.lambda;
  summary["relative_error"] = r.relative_error;
  summary["classes"] = labels.classes;
  summary["labeled_documents"] = labels.n_labeled();
  // The headline: accuracy on labeled documents whose labels the scoring fit did not see.
  if (r.validation_documents > 0) summary["validation_accuracy"] = r.validation_accuracy;
  else summary["validation_accuracy"] = nullptr;
  summary["validation_documents"] = r.validation_documents;
  json selection = json::array();
  for (const SsnmfCandidate& c : r.selection)
    selection.push_back({{"k", c.k}, {"lambda", c.lambda}, {"lambda_multiple", c.lambda_multiple},
                         {"accuracy", c.accuracy}, {"log_loss", c.log_loss}, {"fold_accuracy", c.fold_accuracy},
                         {"iterations", c.iterations}, {"seconds", c.seconds}});
  summary["selection"] = selection;
  summary["k"] = r.k;
  // On the documents whose labels the final fit saw (optimistic; not a test accuracy).
  summary["training_accuracy"] = r.training_accuracy;
  if (held_out) {
    summary["held_out_documents"] = held_out->documents;
    summary["held_out_accuracy"] = held_out->accuracy;
  }
  w.write_metrics(summary.dump(), r.history);

  json extra;
  extra["input"] = {{"path", input_path}, {"rows", X.rows}, {"cols", X.cols}, {"nnz", X.nnz()}};
  extra["text"] = {{"weighting", corpus.weighting},
                   {"sublinear_tf", v.sublinear_tf},
                   {"norm", norm_name(v.norm)},
                   {"idf", corpus.idf.empty() ? json(nullptr) : json("idf.npy")}};
  extra["classes"] = "classes.txt";
  extra["predicted_labels"] = "predicted_labels.txt";
  w.commit(options_json(o, r).dump(), extra.dump());
}

}  // namespace strata
