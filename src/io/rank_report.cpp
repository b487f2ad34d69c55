#include "strata/io/rank_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "strata/io/atomic_file.hpp"
#include "strata/io/model_dir.hpp"
#include "strata/io/nmf_model.hpp"

namespace strata {
using json = nlohmann::ordered_json;

namespace {

json curve_array(const NmfkResult& r) {
  json curve = json::array();
  for (const RankPoint& p : r.curve) {
    json e;
    e["k"] = p.k;
    e["silhouette_min"] = {{"H", p.silhouette_min_H}, {"W", p.silhouette_min_W}};
    e["silhouette_mean"] = {{"H", p.silhouette_mean_H}, {"W", p.silhouette_mean_W}};
    e["relative_error"] = p.relative_error;
    e["perturbed_error"] = p.perturbed_error;
    e["stable_topics"] = p.stable_topics;
    e["cophenetic"] = p.cophenetic;
    e["cv_error"] = p.cv_error;  // null when not computed
    e["coherence"] = p.coherence;
    e["clustering_iterations"] = p.clustering_iterations;
    e["seconds"] = p.seconds;
    curve.push_back(e);
  }
  return curve;
}

std::string number(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// A range [lo, hi] rounded outwards to multiples of `step`, never empty.
std::pair<double, double> rounded_range(double lo, double hi, double step) {
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  if (hi - lo < step) hi = lo + step;
  return {lo, hi};
}

/// 1, 2 or 5 times a power of ten: the smallest giving at most `ticks` intervals over `span`.
double nice_step(double span, int ticks) {
  const double raw = span / ticks, power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

}  // namespace

std::string rank_curve_svg(const NmfkResult& r, const NmfkOptions& o, int width, int height) {
  const double left = 64, right = 72, top = 126, bottom = 56;  // top: five legend rows
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << ' ' << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  const std::string title = o.semantic ? "SeNMFk rank selection" : "NMFk rank selection";
  svg << "<text x=\"" << left << "\" y=\"20\" font-size=\"15\" font-weight=\"bold\">" << title << " ("
      << o.perturbations << " perturbations, " << to_string(o.perturbation) << ")</text>\n";
  if (r.curve.empty()) {
    svg << "<text x=\"" << left << "\" y=\"" << top + 20 << "\">no rank was evaluated</text>\n</svg>\n";
    return svg.str();
  }

  // Scales: k on x; silhouettes on the left axis, the relative error on the right.
  const double k_lo = r.curve.front().k, k_hi = std::max<double>(r.curve.back().k, k_lo + 1);
  double s_lo = std::min({0.0, o.threshold, o.mean_threshold}), e_lo = 1e300, e_hi = -1e300;
  for (const RankPoint& p : r.curve) {
    s_lo = std::min({s_lo, p.silhouette_min_H, p.silhouette_min_W, p.silhouette_mean_H, p.silhouette_mean_W,
                     p.cophenetic, p.coherence});
    e_lo = std::min(e_lo, p.relative_error);
    e_hi = std::max(e_hi, p.relative_error);
    if (std::isfinite(p.cv_error)) {
      e_lo = std::min(e_lo, p.cv_error);
      e_hi = std::max(e_hi, p.cv_error);
    }
  }
  const auto [sil_lo, sil_hi] = rounded_range(s_lo, 1.0, 0.2);
  const double e_step = nice_step(std::max(e_hi - e_lo, 1e-3), 6);
  const auto [err_lo, err_hi] = rounded_range(e_lo, e_hi, e_step);
  auto x = [&](double k) { return left + (k - k_lo) / (k_hi - k_lo) * plot_w; };
  auto y_sil = [&, lo = sil_lo, hi = sil_hi](double s) { return top + (hi - s) / (hi - lo) * plot_h; };
  auto y_err = [&, lo = err_lo, hi = err_hi](double e) { return top + (hi - e) / (hi - lo) * plot_h; };

  // Frame, grid and axes.
  svg << "<g stroke=\"#dddddd\">\n";
  const int sil_ticks = static_cast<int>(std::lround((sil_hi - sil_lo) / 0.2));
  for (int i = 0; i <= sil_ticks; ++i) {
    const double v = sil_lo + 0.2 * i, yy = y_sil(v);
    svg << "<line x1=\"" << left << "\" y1=\"" << yy << "\" x2=\"" << left + plot_w << "\" y2=\"" << yy << "\"/>\n";
  }
  svg << "</g>\n<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << plot_w << "\" height=\"" << plot_h
      << "\" fill=\"none\" stroke=\"#444444\"/>\n";
  svg << "<g text-anchor=\"end\">\n";
  for (int i = 0; i <= sil_ticks; ++i) {
    const double v = sil_lo + 0.2 * i;
    svg << "<text x=\"" << left - 6 << "\" y=\"" << y_sil(v) + 4 << "\">" << number(v, 1) << "</text>\n";
  }
  svg << "</g>\n<g text-anchor=\"start\" fill=\"#555555\">\n";
  const int err_ticks = static_cast<int>(std::lround((err_hi - err_lo) / e_step));
  const int err_decimals = std::max(0, static_cast<int>(-std::floor(std::log10(e_step) + 1e-9)));
  for (int i = 0; i <= err_ticks; ++i) {
    const double v = err_lo + e_step * i;
    svg << "<text x=\"" << left + plot_w + 6 << "\" y=\"" << y_err(v) + 4 << "\">" << number(v, err_decimals)
        << "</text>\n";
  }
  svg << "</g>\n<g text-anchor=\"middle\">\n";
  const int every = std::max<int>(1, static_cast<int>(std::ceil(r.curve.size() / 20.0)));
  for (size_t i = 0; i < r.curve.size(); i += every)
    svg << "<text x=\"" << x(r.curve[i].k) << "\" y=\"" << top + plot_h + 18 << "\">" << r.curve[i].k << "</text>\n";
  svg << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << height - 12 << "\">number of topics k</text>\n</g>\n";
  svg << "<text transform=\"translate(16," << top + plot_h / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
      << "silhouette, share of stable topics, cophenetic, NPMI</text>\n";
  svg << "<text transform=\"translate(" << width - 12 << ',' << top + plot_h / 2
      << ") rotate(90)\" text-anchor=\"middle\" fill=\"#555555\">relative error: centroid model, cross-validation</text>\n";

  // The threshold of the silhouette rule that chose (mean or minimum) and the selected k.
  const bool by_mean = o.criterion == RankCriterion::MeanSilhouette;
  const double line_at = by_mean ? o.mean_threshold : o.threshold;
  svg << "<line x1=\"" << left << "\" y1=\"" << y_sil(line_at) << "\" x2=\"" << left + plot_w << "\" y2=\""
      << y_sil(line_at) << "\" stroke=\"#d62728\" stroke-dasharray=\"6 4\"/>\n"
      << "<text x=\"" << left + 4 << "\" y=\"" << y_sil(line_at) - 4 << "\" fill=\"#d62728\">"
      << (by_mean ? "mean threshold " : "threshold ") << number(line_at, 2) << "</text>\n";
  if (r.selected_k > 0) {
    const double xs = x(r.selected_k);
    svg << "<line x1=\"" << xs << "\" y1=\"" << top << "\" x2=\"" << xs << "\" y2=\"" << top + plot_h
        << "\" stroke=\"#2ca02c\" stroke-width=\"2\"/>\n"
        << "<text x=\"" << xs + 4 << "\" y=\"" << top + 14 << "\" fill=\"#2ca02c\" font-weight=\"bold\">selected k = "
        << r.selected_k << " (" << to_string(r.selection.criterion) << ")</text>\n";
  }

  // The series.
  struct Series {
    const char* name;
    const char* color;
    bool dashed;
    bool error_axis;
    std::function<double(const RankPoint&)> value;
  };
  const std::vector<Series> series{
      {"topics (H): min silhouette", "#1f77b4", false, false, [](const RankPoint& p) { return p.silhouette_min_H; }},
      {"topics (H): mean silhouette", "#1f77b4", true, false, [](const RankPoint& p) { return p.silhouette_mean_H; }},
      {"documents (W): min silhouette", "#ff7f0e", false, false, [](const RankPoint& p) { return p.silhouette_min_W; }},
      {"documents (W): mean silhouette", "#ff7f0e", true, false, [](const RankPoint& p) { return p.silhouette_mean_W; }},
      {"share of stable topics", "#2ca02c", false, false,
       [](const RankPoint& p) { return static_cast<double>(p.stable_topics) / p.k; }},
      {"cophenetic correlation (documents)", "#9467bd", false, false, [](const RankPoint& p) { return p.cophenetic; }},
      {"NPMI coherence", "#8c564b", false, false, [](const RankPoint& p) { return p.coherence; }},
      {"relative error (right axis)", "#7f7f7f", false, true, [](const RankPoint& p) { return p.relative_error; }},
      {"cross-validation error (right axis)", "#7f7f7f", true, true, [](const RankPoint& p) { return p.cv_error; }},
  };
  for (size_t s = 0; s < series.size(); ++s) {
    const Series& line = series[s];
    auto y = [&](const RankPoint& p) { return line.error_axis ? y_err(line.value(p)) : y_sil(line.value(p)); };
    svg << "<polyline fill=\"none\" stroke=\"" << line.color << "\" stroke-width=\"2\""
        << (line.dashed ? " stroke-dasharray=\"5 3\"" : "") << " points=\"";
    for (const RankPoint& p : r.curve)
      if (std::isfinite(line.value(p))) svg << number(x(p.k), 1) << ',' << number(y(p), 1) << ' ';
    svg << "\"/>\n";
    if (!line.dashed)
      for (const RankPoint& p : r.curve)
        if (std::isfinite(line.value(p)))
        svg << "<circle cx=\"" << number(x(p.k), 1) << "\" cy=\"" << number(y(p), 1) << "\" r=\"3\" fill=\""
            << line.color << "\"/>\n";
    // Legend: two columns above the plot.
    const double lx = left + (s % 2) * (plot_w / 2), ly = 38 + (s / 2) * 16;
    svg << "<line x1=\"" << lx << "\" y1=\"" << ly - 4 << "\" x2=\"" << lx + 22 << "\" y2=\"" << ly - 4
        << "\" stroke=\"" << line.color << "\" stroke-width=\"2\"" << (line.dashed ? " stroke-dasharray=\"5 3\"" : "")
        << "/>\n<text x=\"" << lx + 28 << "\" y=\"" << ly << "\">" << line.name << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

void save_rank_model(const ModelOutput& output, const NmfkResult& r, const NmfkOptions& o, const Corpus& corpus,
                     const SparseView& X, const std::string& input_path, const VectorizerOptions& vectorizer) {
  // One writer for the curve and the model: the directory is replaced as a whole.
  ModelDirectoryWriter w(output, "nmf");
  {
    const std::string svg = rank_curve_svg(r, o);
    write_file_atomically(w.path("curve.svg"), [&](std::ostream& out) { out << svg; });
    if (r.context_factor.size() > 0)
      w.write_matrix("C", r.context_factor.data(), r.context_factor.rows(), r.context_factor.cols());
  }
  json extra;
  extra["selected_k"] = r.selected_k;
  extra["selection_status"] = to_string(r.status);
  auto selection_json = [](const RankSelection& s) {
    json e;
    e["criterion"] = to_string(s.criterion);
    e["k"] = s.k;
    e["met"] = s.met;
    e["reason"] = s.reason;
    e["runners_up"] = s.runners_up;
    return e;
  };
  extra["criterion"] = to_string(o.criterion);
  extra["selection"] = selection_json(r.selection);
  extra["by_criterion"] = json::array();
  for (const RankSelection& s : r.by_criterion) extra["by_criterion"].push_back(selection_json(s));
  extra["threshold"] = o.threshold;
  extra["coherence_terms"] = o.coherence_terms;
  extra["consensus_documents"] = o.consensus_documents;
  extra["min_error_gain"] = o.min_error_gain;
  extra["perturbations"] = o.perturbations;
  extra["perturbation"] = to_string(o.perturbation);
  extra["epsilon"] = o.epsilon;
  extra["init"] = to_string(o.init);
  extra["semantic"] = o.semantic;
  if (o.semantic) extra["semantic_beta"] = r.semantic_beta;
  extra["total_seconds"] = r.seconds;
  extra["curve"] = curve_array(r);
  NmfOptions model_options = o.nmf;
  model_options.k = r.selected_k;
  model_options.seed = o.seed;
  model_options.threads = o.threads;
  model_options.init = o.fit_model ? NmfInit::Custom : model_options.init;
  save_nmf_model(w, r.model, model_options, corpus, X, input_path, vectorizer, extra.dump());
}

}  // namespace strata
