// strata svd INPUT -k K [--center] -o DIR: truncated SVD (LSA) or PCA, written
// as a model directory.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "strata/core/error.hpp"
#include "strata/io/load.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/io/nmf_model.hpp"
#include "strata/parallel/threads.hpp"
#include "strata/solvers/svd.hpp"

namespace strata::cli {

void register_svd(CLI::App& app) {
  struct Args {
    bool overwrite = false;
    std::string input, output, method = "lanczos";
    SvdOptions svd;
    CommonOptions common;
    InputOptions reading;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("svd", "Truncated SVD (LSA) of X, or PCA with --center");
  cmd->add_option("INPUT", a->input, "Corpus file, matrix file, or text (with the reading options)")->required();
  cmd->add_option("-k,--components", a->svd.k, "Number of components")->required()->check(CLI::PositiveNumber);
  cmd->add_option("-o,--output", a->output, "Model directory to write")->required();
  add_overwrite_option(*cmd, a->overwrite);
  cmd->add_flag("--center", a->svd.center, "PCA: subtract the column means (implicitly; X stays sparse)");
  cmd->add_option("--method", a->method, "lanczos|randomized")->capture_default_str();
  cmd->add_option("--tol", a->svd.tol, "Lanczos tolerance on the Ritz residuals (0: 1e-12)")->capture_default_str();
  cmd->add_option("--max-iter", a->svd.max_iter, "Lanczos: maximum restarts")->capture_default_str();
  cmd->add_option("--ncv", a->svd.ncv, "Lanczos: basis size before a restart (0: automatic)")->capture_default_str();
  cmd->add_option("--block", a->svd.block, "Lanczos: vectors per pass over the matrix, 1-64")->capture_default_str();
  cmd->add_option("--oversample", a->svd.oversample, "Randomized: extra random directions")->capture_default_str();
  cmd->add_option("--power-iterations", a->svd.power_iterations, "Randomized: power iterations")
      ->capture_default_str();
  add_input_options(*cmd, a->reading);
  add_common_options(*cmd, a->common);
  cmd->callback([a] {
    check_model_output(ModelOutput(a->output, a->overwrite), "svd");  // refused before any work
    SvdOptions o = a->svd;
    o.method = parse_svd_method(a->method);
    o.seed = a->common.seed;
    o.threads = resolve_threads(a->common.threads);
    const InputMatrix input = open_input(a->input, a->reading.to_load_options(), make_progress(a->common));
    const SparseView X = input.matrix();
    const TruncatedSvdResult r = truncated_svd(X, o);

    using json = nlohmann::ordered_json;
    ModelDirectoryWriter w(ModelOutput(a->output, a->overwrite), o.center ? "pca" : "svd");
    const DenseMatrix components = r.V.transpose();  // k x m, row-major
    w.write_matrix("components", components.data(), components.rows(), components.cols());
    w.write_vector("singular_values", r.s.data(), r.s.size());
    const DenseMatrix docs = r.U * r.s.asDiagonal();  // n x k: scikit-learn's transform output
    w.write_matrix("document_vectors", docs.data(), docs.rows(), docs.cols());
    w.write_vector("explained_variance", r.explained_variance.data(), r.explained_variance.size());
    if (o.center) w.write_vector("mean", r.mean.data(), r.mean.size());
    const std::string text = save_text_metadata(w, input.corpus, a->reading.to_load_options().vectorizer);
    auto to_vec = [](const DenseVector& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
    json summary;
    summary["seconds"] = r.seconds;
    summary["singular_values"] = to_vec(r.s);
    summary["explained_variance"] = to_vec(r.explained_variance);
    summary["explained_variance_ratio"] = to_vec(r.explained_variance_ratio);
    summary["total_variance"] = r.total_variance;
    summary["iterations"] = r.iterations;
    summary["operations"] = r.operations;
    summary["status"] = to_string(r.status);
    w.write_metrics(summary.dump(), {});
    json params;
    params["k"] = o.k;
    params["method"] = to_string(o.method);
    params["center"] = o.center;
    params["tol"] = o.tol;
    params["max_iter"] = o.max_iter;
    params["ncv"] = o.ncv;
    params["block"] = o.block;
    params["oversample"] = o.oversample;
    params["power_iterations"] = o.power_iterations;
    params["seed"] = o.seed;
    params["threads"] = o.threads;
    json extra;
    extra["input"] = {{"path", a->input}, {"rows", X.rows}, {"cols", X.cols}, {"nnz", X.nnz()}};
    extra["text"] = json::parse(text);
    w.commit(params.dump(), extra.dump());
    if (a->common.quiet) return;
    double ratio = r.explained_variance_ratio.sum();
    std::printf("%s: k=%d (%s%s), %.3fs, %s, explained variance ratio %.6f\n", a->output.c_str(), o.k,
                to_string(o.method).c_str(), o.center ? ", centered" : "", r.seconds, to_string(r.status).c_str(),
                ratio);
    std::printf("singular values:");
    for (Index j = 0; j < r.s.size(); ++j) std::printf(" %.6g", r.s[j]);
    std::printf("\n");
  });
}

}  // namespace strata::cli
