#include "strata/solvers/rank.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <tuple>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/assignment.hpp"
#include "strata/linalg/linkage.hpp"
#include "strata/solvers/coherence.hpp"
#include "strata/parallel/threads.hpp"

namespace strata {

// ---------------------------------------------------------------- names --

Perturbation parse_perturbation(const std::string& name) {
  if (name == "uniform") return Perturbation::Uniform;
  if (name == "poisson") return Perturbation::Poisson;
  throw ArgumentError("perturbation must be one of uniform, poisson (got '" + name + "')");
}
std::string to_string(Perturbation p) { return p == Perturbation::Uniform ? "uniform" : "poisson"; }

NmfkInit parse_nmfk_init(const std::string& name) {
  if (name == "shared") return NmfkInit::Shared;
  if (name == "random") return NmfkInit::Random;
  throw ArgumentError("init must be one of shared, random (got '" + name + "')");
}
std::string to_string(NmfkInit i) { return i == NmfkInit::Shared ? "shared" : "random"; }

NmfOptions converged_fits() {
  NmfOptions o;
  o.tol = 1e-6;
  o.max_iter = 1000;
  return o;
}

RankCriterion parse_rank_criterion(const std::string& name) {
  for (RankCriterion c : all_rank_criteria())
    if (to_string(c) == name) return c;
  throw ArgumentError(
      "criterion must be one of mean-silhouette, min-silhouette, cophenetic, cross-validation, coherence (got '" + name +
      "')");
}
std::string to_string(RankCriterion c) {
  switch (c) {
    case RankCriterion::MeanSilhouette: return "mean-silhouette";
    case RankCriterion::MinSilhouette: return "min-silhouette";
    case RankCriterion::Cophenetic: return "cophenetic";
    case RankCriterion::CrossValidation: return "cross-validation";
    case RankCriterion::Coherence: return "coherence";
  }
  return "?";
}
const std::vector<RankCriterion>& all_rank_criteria() {
  static const std::vector<RankCriterion> all{RankCriterion::MeanSilhouette, RankCriterion::MinSilhouette,
                                              RankCriterion::Cophenetic, RankCriterion::CrossValidation,
                                              RankCriterion::Coherence};
  return all;
}

std::string to_string(NmfkStatus s) {
  switch (s) {
    case NmfkStatus::Selected: return "selected";
    case NmfkStatus::BelowThreshold: return "below_threshold";
    case NmfkStatus::Interrupted: return "interrupted";
  }
  return "?";
}

void parse_k_range(const std::string& text, int& k_min, int& k_max, int& k_step) {
  std::vector<int> parts;
  std::size_t start = 0;
  bool ok = !text.empty();
  while (ok) {
    const std::size_t colon = text.find(':', start);
    const std::string piece = text.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    ok = !piece.empty() && piece.size() < 10 && std::all_of(piece.begin(), piece.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    if (ok) parts.push_back(std::stoi(piece));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (!ok || parts.empty() || parts.size() > 3)
    throw ArgumentError("--k must be K, A:B or A:B:STEP with nonnegative integers (got '" + text + "')");
  k_min = parts[0];
  k_max = parts.size() >= 2 ? parts[1] : parts[0];
  k_step = parts.size() == 3 ? parts[2] : 1;
}

// ------------------------------------------------------- building blocks --

DenseMatrix angular_distances(const DenseMatrix& points) {
  DenseMatrix unit = points;
  for (Index i = 0; i < unit.rows(); ++i) {
    const double norm = unit.row(i).norm();
    if (norm > 0) unit.row(i) /= norm;
  }
  DenseMatrix D = unit * unit.transpose();
  const double pi = std::acos(-1.0);
  for (Index i = 0; i < D.rows(); ++i)
    for (Index j = 0; j < D.cols(); ++j) D(i, j) = i == j ? 0.0 : std::acos(std::clamp(D(i, j), -1.0, 1.0)) / pi;
  return D;
}

std::vector<double> silhouette_samples(const DenseMatrix& D, const std::vector<int>& labels) {
  const Index n = static_cast<Index>(labels.size());
  require_argument(D.rows() == n && D.cols() == n, "distances", "a square matrix with one row per label",
                   std::to_string(D.rows()) + " x " + std::to_string(D.cols()) + " for " + std::to_string(n) + " labels");
  int clusters = 0;
  for (int l : labels) {
    require_argument(l >= 0, "labels", ">= 0", std::to_string(l));
    clusters = std::max(clusters, l + 1);
  }
  std::vector<Index> size(static_cast<size_t>(clusters), 0);
  for (int l : labels) ++size[static_cast<size_t>(l)];
  const int used = static_cast<int>(std::count_if(size.begin(), size.end(), [](Index s) { return s > 0; }));
  require_argument(used >= 2, "labels", "at least two distinct clusters", std::to_string(used));
  std::vector<double> s(static_cast<size_t>(n), 0.0), sums(static_cast<size_t>(clusters));
  for (Index i = 0; i < n; ++i) {
    std::fill(sums.begin(), sums.end(), 0.0);
    for (Index j = 0; j < n; ++j) sums[static_cast<size_t>(labels[j])] += D(i, j);  // D(i, i) = 0
    const int own = labels[i];
    if (size[own] < 2) continue;  // a one-point cluster scores 0, as in scikit-learn
    const double a = sums[own] / static_cast<double>(size[own] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (int c = 0; c < clusters; ++c)
      if (c != own && size[c] > 0) b = std::min(b, sums[c] / static_cast<double>(size[c]));
    const double denominator = std::max(a, b);
    s[i] = denominator > 0 ? (b - a) / denominator : 0.0;
  }
  return s;
}

ComponentClusters cluster_components(const std::vector<DenseMatrix>& sets, int max_rounds) {
  require_argument(!sets.empty(), "sets", "at least one set", "none");
  const Index k = sets[0].rows(), d = sets[0].cols();
  for (const DenseMatrix& s : sets)
    require_argument(s.rows() == k && s.cols() == d, "sets", "all " + std::to_string(k) + " x " + std::to_string(d),
                     std::to_string(s.rows()) + " x " + std::to_string(s.cols()));
  ComponentClusters out;
  out.centroids = sets[0];
  out.cluster.assign(sets.size(), std::vector<int>(static_cast<size_t>(k), -1));
  for (int round = 1; round <= std::max(max_rounds, 1); ++round) {
    bool changed = false;
    for (size_t r = 0; r < sets.size(); ++r) {
      const DenseMatrix similarity = sets[r] * out.centroids.transpose();
      std::vector<int> match = linear_sum_assignment(similarity, /*maximize=*/true);
      if (match != out.cluster[r]) {
        changed = true;
        out.cluster[r] = std::move(match);
      }
    }
    if (!changed) break;  // the centroids already belong to this assignment
    out.iterations = round;
    out.centroids.setZero(k, d);
    for (size_t r = 0; r < sets.size(); ++r)
      for (Index j = 0; j < k; ++j) out.centroids.row(out.cluster[r][j]) += sets[r].row(j);
    for (Index c = 0; c < k; ++c) {
      const double norm = out.centroids.row(c).norm();
      if (norm > 0) out.centroids.row(c) /= norm;
    }
  }
  return out;
}

SparseMatrix stack_rows(const SparseView& X, const SparseView& M, double beta) {
  require_argument(X.cols == M.cols, "co-occurrence columns", "equal to the matrix's (" + std::to_string(X.cols) + ")",
                   std::to_string(M.cols));
  SparseMatrix Y;
  Y.rows = X.rows + M.rows;
  Y.cols = X.cols;
  Y.indptr.assign(X.indptr, X.indptr + X.rows + 1);
  Y.indices.assign(X.indices, X.indices + X.nnz());
  Y.data.assign(X.data, X.data + X.nnz());
  const double scale = std::sqrt(beta);
  for (Index i = 0; i < M.rows; ++i) {
    for (Index p = M.indptr[i]; p < M.indptr[i + 1]; ++p) {
      Y.indices.push_back(M.indices[p]);
      Y.data.push_back(scale * M.data[p]);
    }
    Y.indptr.push_back(static_cast<Index>(Y.indices.size()));
  }
  return Y;
}

namespace {

/// NMFk's rule on one silhouette statistic: among the ranks where it reaches
/// the threshold, take them in increasing k and move to a larger one only if
/// its relative error is below (1 - min_error_gain) times the current one's;
/// none passing: the highest statistic (the smallest k on ties).
template <class Statistic>
int largest_stable_rank(const std::vector<RankPoint>& curve, Statistic statistic, double threshold,
                        double min_error_gain, bool* met) {
  int selected = 0;
  double selected_error = 0.0;
  for (const RankPoint& p : curve) {
    if (statistic(p) < threshold) continue;
    if (selected == 0 || p.relative_error < (1.0 - min_error_gain) * selected_error) {
      selected = p.k;
      selected_error = p.relative_error;
    }
  }
  if (met) *met = selected != 0;
  if (selected != 0 || curve.empty()) return selected;
  const RankPoint* best = &curve.front();
  for (const RankPoint& p : curve)
    if (statistic(p) > statistic(*best)) best = &p;
  return best->k;
}

}  // namespace

int select_rank(const std::vector<RankPoint>& curve, double threshold, double min_error_gain, bool* met) {
  return largest_stable_rank(curve, [](const RankPoint& p) { return p.silhouette_min_H; }, threshold, min_error_gain,
                             met);
}

int select_rank_by_mean(const std::vector<RankPoint>& curve, double threshold, double min_error_gain, bool* met,
                        double* rung_used) {
  auto mean = [](const RankPoint& p) { return p.silhouette_mean_H; };
  if (curve.empty()) {
    if (met) *met = false;
    return 0;
  }
  // The coarsest rank of the range is stable on almost any corpus (one broad
  // split): a rung counts only when a larger rank passes it.
  for (double rung : {threshold, threshold - 0.05, threshold - 0.10}) {
    bool passed = false;
    const int k = largest_stable_rank(curve, mean, rung, min_error_gain, &passed);
    if (passed && k > curve.front().k) {
      if (met) *met = true;
      if (rung_used) *rung_used = rung;
      return k;
    }
  }
  if (rung_used) *rung_used = threshold;
  return largest_stable_rank(curve, mean, threshold, min_error_gain, met);
}

namespace {

std::string format(const char* fmt, double a, double b = 0, double c = 0) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, fmt, a, b, c);
  return buffer;
}

/// The ranks of the curve ordered best first by `better` (a strict order),
/// without `chosen`; at most three.
template <class Better>
std::vector<int> runners_up(const std::vector<RankPoint>& curve, int chosen, Better better) {
  std::vector<const RankPoint*> order;
  for (const RankPoint& p : curve)
    if (p.k != chosen) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(), [&](const RankPoint* a, const RankPoint* b) { return better(*a, *b); });
  std::vector<int> out;
  for (size_t i = 0; i < order.size() && i < 3; ++i) out.push_back(order[i]->k);
  return out;
}

}  // namespace

RankSelection select_rank_by(const std::vector<RankPoint>& curve, RankCriterion criterion, const NmfkOptions& o) {
  const double threshold = o.threshold;
  RankSelection s;
  s.criterion = criterion;
  if (curve.empty()) return s;
  auto at = [&](int k) -> const RankPoint& {
    return *std::find_if(curve.begin(), curve.end(), [&](const RankPoint& p) { return p.k == k; });
  };
  switch (criterion) {
    case RankCriterion::MeanSilhouette: {
      double rung = o.mean_threshold;
      s.k = select_rank_by_mean(curve, o.mean_threshold, o.min_error_gain, &s.met, &rung);
      s.runners_up = runners_up(curve, s.k, [&](const RankPoint& a, const RankPoint& b) {
        const bool pa = a.silhouette_mean_H >= rung, pb = b.silhouette_mean_H >= rung;
        if (pa != pb) return pa;                           // the other passing ranks first,
        if (pa) return a.k > b.k;                          // largest first, as the rule takes them;
        return a.silhouette_mean_H > b.silhouette_mean_H;  // then the closest to passing
      });
      const RankPoint& p = at(s.k);
      s.reason = s.met ? format("k = %.0f is the largest rank whose topics have a mean silhouette of at least %.2f "
                                "(%.3f; ", s.k, rung, p.silhouette_mean_H) +
                             format("%.0f of %.0f topics individually stable)", p.stable_topics, s.k)
                       : format("no rank has a mean topic silhouette of %.2f; k = %.0f has the highest (%.3f)",
                                o.mean_threshold - 0.10, s.k, p.silhouette_mean_H);
      if (s.met && rung < o.mean_threshold)
        s.reason += format("; no rank above %.0f reached %.2f", curve.front().k, o.mean_threshold);
      break;
    }
    case RankCriterion::MinSilhouette: {
      s.k = select_rank(curve, threshold, o.min_error_gain, &s.met);
      s.runners_up = runners_up(curve, s.k, [](const RankPoint& a, const RankPoint& b) {
        return a.silhouette_min_H > b.silhouette_min_H;
      });
      s.reason = s.met ? format("k = %.0f is the largest rank whose least stable topic has a silhouette of at least "
                                "%.2f (%.3f)", s.k, threshold, at(s.k).silhouette_min_H)
                       : format("no rank has every topic at a silhouette of %.2f; k = %.0f has the highest minimum "
                                "(%.3f)", threshold, s.k, at(s.k).silhouette_min_H);
      break;
    }
    case RankCriterion::Cophenetic: {
      // The first rank after which the correlation falls (Brunet et al. 2004).
      size_t i = 0;
      while (i + 1 < curve.size() && curve[i + 1].cophenetic >= curve[i].cophenetic) ++i;
      s.k = curve[i].k;
      s.met = i + 1 < curve.size();
      s.runners_up = runners_up(curve, s.k, [](const RankPoint& a, const RankPoint& b) {
        return a.cophenetic > b.cophenetic;
      });
      s.reason = s.met ? format("the cophenetic correlation first falls after k = %.0f (%.4f, then %.4f)", s.k,
                                curve[i].cophenetic, curve[i + 1].cophenetic)
                       : format("the cophenetic correlation never falls in the range; the last k = %.0f (%.4f) is "
                                "a lower bound", s.k, curve[i].cophenetic);
      break;
    }
    case RankCriterion::CrossValidation: {
      auto better = [](const RankPoint& a, const RankPoint& b) {
        if (std::isnan(a.cv_error) != std::isnan(b.cv_error)) return !std::isnan(a.cv_error);
        return a.cv_error < b.cv_error;
      };
      const RankPoint* best = &curve.front();
      for (const RankPoint& p : curve)
        if (better(p, *best)) best = &p;
      s.k = best->k;
      s.met = !std::isnan(best->cv_error) && best != &curve.back();
      s.runners_up = runners_up(curve, s.k, better);
      s.reason = std::isnan(best->cv_error) ? std::string("the cross-validation error was not computed")
                 : s.met ? format("k = %.0f has the lowest bi-cross-validation error (%.5f)", s.k, best->cv_error)
                         : format("the bi-cross-validation error still falls at the end of the range (k = %.0f, "
                                  "%.5f): widen it", s.k, best->cv_error);
      break;
    }
    case RankCriterion::Coherence: {
      auto better = [](const RankPoint& a, const RankPoint& b) { return a.coherence > b.coherence; };
      const RankPoint* best = &curve.front();
      for (const RankPoint& p : curve)
        if (better(p, *best)) best = &p;
      s.k = best->k;
      s.runners_up = runners_up(curve, s.k, better);
      s.reason = format("k = %.0f has the most coherent topics (mean NPMI %.4f)", s.k, best->coherence);
      break;
    }
  }
  return s;
}

BicrossValidationSplit bicross_validation_split(Index rows, Index cols, std::uint64_t seed) {
  require_argument(rows >= 2 && cols >= 2, "matrix", "at least 2 rows and 2 columns",
                   std::to_string(rows) + " x " + std::to_string(cols));
  Random rng(seed);
  auto split = [&](Index n) {
    std::vector<Index> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), Index{0});
    rng.shuffle(order);
    std::vector<std::vector<Index>> folds(2);
    for (size_t i = 0; i < order.size(); ++i) folds[i % 2].push_back(order[i]);
    for (auto& f : folds) std::sort(f.begin(), f.end());
    return folds;
  };
  BicrossValidationSplit out;
  out.row_folds = split(rows);
  out.col_folds = split(cols);
  return out;
}

double bicross_validation_error(const SparseView& X, const NmfOptions& options, const BicrossValidationSplit& split) {
  const auto& row_folds = split.row_folds;
  const auto& col_folds = split.col_folds;
  require_argument(row_folds.size() == 2 && col_folds.size() == 2 &&
                       static_cast<Index>(row_folds[0].size() + row_folds[1].size()) == X.rows &&
                       static_cast<Index>(col_folds[0].size() + col_folds[1].size()) == X.cols,
                   "split", "two row folds and two column folds covering the matrix", "another split");
  // column_of for each column fold: positions increase with the column index.
  std::vector<std::vector<Index>> column_of(2, std::vector<Index>(static_cast<size_t>(X.cols), -1));
  for (int f = 0; f < 2; ++f)
    for (size_t p = 0; p < col_folds[f].size(); ++p) column_of[f][col_folds[f][p]] = static_cast<Index>(p);

  double held_out_error[4] = {0, 0, 0, 0};
  ExceptionCollector errors;
  const int team = std::min(resolve_threads(options.threads), 4);
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
  for (int block = 0; block < 4; ++block) {
    errors.run([&] {
      const int a = block / 2, b = block % 2;  // held-out row fold, column fold
      const auto& rows_in = row_folds[a];
      const auto& rows_out = row_folds[1 - a];
      const Index cols_in = static_cast<Index>(col_folds[b].size()), cols_out = static_cast<Index>(col_folds[1 - b].size());
      const SparseMatrix A = submatrix(X, rows_in, column_of[b], cols_in);
      const SparseMatrix B = submatrix(X, rows_in, column_of[1 - b], cols_out);
      const SparseMatrix C = submatrix(X, rows_out, column_of[b], cols_in);
      const SparseMatrix D = submatrix(X, rows_out, column_of[1 - b], cols_out);
      NmfOptions fit = options;
      fit.threads = 1;
      fit.progress = {};
      fit.k = static_cast<int>(std::min<Index>({options.k, D.rows, D.cols}));
      if (fit.init == NmfInit::Custom) fit.init = NmfInit::Nndsvda;
      const NmfResult d = nmf(D.view(), fit);
      const DenseMatrix W_A = nmf_transform(B.view(), d.H, fit);
      const SparseMatrix Ct = transpose(C.view());
      const DenseMatrix H_C = nmf_transform(Ct.view(), d.W.transpose(), fit).transpose();
      held_out_error[block] = 2.0 * nmf_loss(A.view(), W_A, H_C, NmfLoss::Frobenius, 1);
    });
  }
  errors.rethrow();
  const double total = squared_frobenius_norm(X);
  if (total == 0.0) return 0.0;
  return std::sqrt(std::max(0.0, held_out_error[0] + held_out_error[1] + held_out_error[2] + held_out_error[3]) / total);
}

// ----------------------------------------------------------------- NMFk --

namespace {

using Clock = std::chrono::steady_clock;

/// A well-mixed 64-bit seed for perturbation r of rank k (splitmix64 finalizer),
/// so every fit's randomness is fixed whatever thread runs it.
std::uint64_t fit_seed(std::uint64_t seed, int k, int r, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (1 + static_cast<std::uint64_t>(k)) +
                    0xbf58476d1ce4e5b9ULL * (1 + static_cast<std::uint64_t>(r)) + 0x94d049bb133111ebULL * stream;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void perturb(const SparseView& F, const NmfkOptions& o, std::uint64_t seed, std::vector<double>& data) {
  Random rng(seed);
  data.resize(static_cast<size_t>(F.nnz()));
  if (o.perturbation == Perturbation::Uniform) {
    for (Index p = 0; p < F.nnz(); ++p) data[p] = F.data[p] * (1.0 + o.epsilon * (2.0 * rng.uniform() - 1.0));
  } else {
    for (Index p = 0; p < F.nnz(); ++p) data[p] = static_cast<double>(rng.poisson(F.data[p]));
  }
}

/// Unit rows (zero rows stay zero).
void normalize_rows(DenseMatrix& A) {
  for (Index i = 0; i < A.rows(); ++i) {
    const double norm = A.row(i).norm();
    if (norm > 0) A.row(i) /= norm;
  }
}

struct SilhouetteSummary {
  double lowest = 0.0;  ///< minimum over clusters of the cluster's mean silhouette
  double mean = 0.0;    ///< mean over all points
  int stable = 0;       ///< clusters whose mean silhouette is at least the threshold
};

SilhouetteSummary silhouette_summary(const DenseMatrix& points, const std::vector<int>& labels, int k,
                                     double threshold) {
  const std::vector<double> s = silhouette_samples(angular_distances(points), labels);
  std::vector<double> sum(static_cast<size_t>(k), 0.0);
  std::vector<int> count(static_cast<size_t>(k), 0);
  for (size_t i = 0; i < s.size(); ++i) {
    sum[static_cast<size_t>(labels[i])] += s[i];
    ++count[static_cast<size_t>(labels[i])];
  }
  SilhouetteSummary out;
  out.lowest = std::numeric_limits<double>::infinity();
  for (int c = 0; c < k; ++c)
    if (count[c] > 0) {
      const double cluster_mean = sum[c] / count[c];
      out.lowest = std::min(out.lowest, cluster_mean);
      out.stable += cluster_mean >= threshold;
    }
  out.mean = std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
  return out;
}

/// Cophenetic correlation of the consensus matrix: the distance of two
/// documents is the fraction of fits that give them different dominant topics.
double consensus_cophenetic(const std::vector<std::vector<int>>& dominant) {
  const Index d = static_cast<Index>(dominant.front().size());
  const double runs = static_cast<double>(dominant.size());
  DenseMatrix distance = DenseMatrix::Zero(d, d);
  for (Index i = 0; i < d; ++i)
    for (Index j = i + 1; j < d; ++j) {
      int same = 0;
      for (const auto& labels : dominant) same += labels[i] >= 0 && labels[i] == labels[j];
      distance(i, j) = distance(j, i) = 1.0 - same / runs;
    }
  return cophenetic_correlation(distance);
}

struct PerturbedFit {
  DenseMatrix topics;    ///< k x terms, unit rows
  DenseMatrix loadings;  ///< k x documents: columns of W (document rows only), unit rows
  /// Per consensus document: the topic with the largest W_ij ||H_j|| (the
  /// largest share of the document's reconstruction), -1 for an empty row.
  std::vector<int> dominant;
  double relative_error = 0.0;
};

}  // namespace

void check_nmfk_selection(int perturbations, double epsilon, double threshold, double min_error_gain) {
  require_argument(perturbations >= 2, "perturbations", ">= 2", std::to_string(perturbations));
  require_argument(epsilon > 0 && epsilon < 1, "epsilon", "in (0, 1)", std::to_string(epsilon));
  require_argument(threshold >= -1 && threshold <= 1, "threshold", "in [-1, 1]", std::to_string(threshold));
  require_argument(min_error_gain >= 0 && min_error_gain < 1, "min_error_gain", "in [0, 1)",
                   std::to_string(min_error_gain));
}

namespace {

void check_options(const SparseView& X, const NmfkOptions& o, const SparseView* cooccurrence) {
  require_argument(o.nmf.loss != NmfLoss::Beta, "loss", "frobenius or kl for rank selection", "beta");
  const Index limit = std::min(X.rows, X.cols);
  require_argument(X.rows > 0 && X.cols > 0, "X", "a non-empty matrix",
                   std::to_string(X.rows) + " x " + std::to_string(X.cols));
  require_argument(o.k_min >= 2, "k_min", ">= 2 (a silhouette needs two clusters)", std::to_string(o.k_min));
  require_argument(o.k_max >= o.k_min && o.k_max <= limit, "k_max",
                   "in [k_min, min(rows, cols)] = [" + std::to_string(o.k_min) + ", " + std::to_string(limit) + "]",
                   std::to_string(o.k_max));
  require_argument(o.k_step >= 1, "k_step", ">= 1", std::to_string(o.k_step));
  require_argument(o.coherence_terms >= 2, "coherence_terms", ">= 2", std::to_string(o.coherence_terms));
  require_argument(o.consensus_documents >= 2, "consensus_documents", ">= 2", std::to_string(o.consensus_documents));
  check_nmfk_selection(o.perturbations, o.epsilon, o.threshold, o.min_error_gain);
  require_argument(o.mean_threshold >= -0.8 && o.mean_threshold <= 1, "mean_threshold", "in [-0.8, 1]",
                   std::to_string(o.mean_threshold));
  require_argument(o.semantic_weight > 0 && std::isfinite(o.semantic_weight), "semantic_weight", "> 0",
                   std::to_string(o.semantic_weight));
  if (o.semantic) {
    require_argument(cooccurrence != nullptr && cooccurrence->rows > 0, "co-occurrence",
                     "word-context counts for the semantic variant (vectorize with --window W)", "none");
    require_argument(cooccurrence->rows == X.cols && cooccurrence->cols == X.cols, "co-occurrence shape",
                     std::to_string(X.cols) + " x " + std::to_string(X.cols),
                     std::to_string(cooccurrence->rows) + " x " + std::to_string(cooccurrence->cols));
  }
}

}  // namespace

NmfkResult nmfk(const SparseView& X, const NmfkOptions& o, const SparseView* cooccurrence) {
  check_options(X, o, cooccurrence);
  require_nonnegative_finite(X, "<matrix>");
  const auto start = Clock::now();
  auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  const int threads = resolve_threads(o.threads);
  NmfkResult res;

  // The matrix every fit factors: X, or X stacked over the weighted SPPMI matrix.
  SparseMatrix stacked;
  SparseView F = X;
  if (o.semantic) {
    const SparseMatrix M = positive_pmi(*cooccurrence, o.pmi, threads);
    const double m2 = squared_frobenius_norm(M.view());
    if (m2 == 0.0) throw InputError("<co-occurrence>", "no positive PMI entry: the counts carry no word-context association");
    res.semantic_beta = o.semantic_weight * squared_frobenius_norm(X) / m2;
    stacked = stack_rows(X, M.view(), res.semantic_beta);
    F = stacked.view();
  }
  const Index documents = X.rows;

  std::vector<int> ks;
  for (int k = o.k_min; k <= o.k_max; k += o.k_step) ks.push_back(k);
  // One bi-cross-validation split for every k, so that the errors compare like with like.
  BicrossValidationSplit cv_split;
  if (o.cross_validation && X.rows >= 2 && X.cols >= 2)
    cv_split = bicross_validation_split(X.rows, X.cols, fit_seed(o.seed, 0, 0, 5));
  // The documents of the consensus matrix: all, or a seeded sample.
  std::vector<Index> consensus(static_cast<size_t>(documents));
  std::iota(consensus.begin(), consensus.end(), Index{0});
  if (documents > o.consensus_documents) {
    Random rng(fit_seed(o.seed, 0, 0, 3));
    rng.shuffle(consensus);
    consensus.resize(static_cast<size_t>(o.consensus_documents));
    std::sort(consensus.begin(), consensus.end());
  }
  std::vector<DenseMatrix> centroids_of;  // per k tried, for the selected model
  res.status = NmfkStatus::Selected;
  for (size_t step = 0; step < ks.size(); ++step) {
    const int k = ks[step];
    const auto k_start = Clock::now();
    NmfOptions inner = o.nmf;
    inner.k = k;
    inner.threads = 1;  // parallel over perturbations instead: no synchronization inside a fit
    inner.progress = {};
    DenseMatrix W0, H0;
    if (o.init == NmfkInit::Shared) {
      // One NNDSVDa of the unperturbed matrix starts every perturbed fit.
      NmfOptions start_options = inner;
      start_options.init = NmfInit::Nndsvda;
      start_options.max_iter = 0;
      start_options.seed = o.seed;
      start_options.threads = 1;  // the same start whatever the thread count
      NmfResult start_point = nmf(F, start_options);
      W0 = std::move(start_point.W);
      H0 = std::move(start_point.H);
      inner.init = NmfInit::Custom;
    } else {
      inner.init = NmfInit::Random;
    }

    std::vector<PerturbedFit> fits(static_cast<size_t>(o.perturbations));
    ExceptionCollector errors;
    const int team = std::min(threads, o.perturbations);
#pragma omp parallel num_threads(team)
    {
      std::vector<double> data;
#pragma omp for schedule(dynamic, 1)
      for (int r = 0; r < o.perturbations; ++r) {
        errors.run([&] {
          perturb(F, o, fit_seed(o.seed, k, r, 1), data);
          const SparseView Fr{F.rows, F.cols, F.indptr, F.indices, data.data()};
          NmfOptions fit_options = inner;
          fit_options.seed = fit_seed(o.seed, k, r, 2);
          const NmfResult fit = nmf(Fr, fit_options, W0.size() ? &W0 : nullptr, H0.size() ? &H0 : nullptr);
          PerturbedFit& out = fits[static_cast<size_t>(r)];
          out.topics = fit.H;
          normalize_rows(out.topics);
          out.loadings = fit.W.topRows(documents).transpose();
          normalize_rows(out.loadings);
          out.dominant.assign(consensus.size(), -1);
          for (size_t c = 0; c < consensus.size(); ++c) {
            double best = 0.0;
            for (int j = 0; j < k; ++j) {
              const double share = fit.W(consensus[c], j) * fit.H.row(j).norm();
              if (share > best) {
                best = share;
                out.dominant[c] = j;
              }
            }
          }
          out.relative_error = fit.relative_error;
        });
      }
    }
    errors.rethrow();

    std::vector<DenseMatrix> topic_sets;
    topic_sets.reserve(fits.size());
    for (PerturbedFit& f : fits) topic_sets.push_back(std::move(f.topics));
    const ComponentClusters clusters = cluster_components(topic_sets);

    // R k points labeled by cluster, for both factors.
    const Index points = static_cast<Index>(o.perturbations) * k;
    DenseMatrix topic_points(points, F.cols), loading_points(points, documents);
    std::vector<int> labels(static_cast<size_t>(points));
    double perturbed_error = 0.0;
    for (int r = 0; r < o.perturbations; ++r) {
      for (int j = 0; j < k; ++j) {
        const Index p = static_cast<Index>(r) * k + j;
        topic_points.row(p) = topic_sets[r].row(j);
        loading_points.row(p) = fits[r].loadings.row(j);
        labels[p] = clusters.cluster[r][j];
      }
      perturbed_error += fits[r].relative_error / o.perturbations;
    }
    RankPoint point;
    point.k = k;
    const SilhouetteSummary topic_silhouettes = silhouette_summary(topic_points, labels, k, o.threshold);
    const SilhouetteSummary loading_silhouettes = silhouette_summary(loading_points, labels, k, o.threshold);
    point.silhouette_min_H = topic_silhouettes.lowest;
    point.silhouette_mean_H = topic_silhouettes.mean;
    point.stable_topics = topic_silhouettes.stable;
    point.silhouette_min_W = loading_silhouettes.lowest;
    point.silhouette_mean_W = loading_silhouettes.mean;
    point.perturbed_error = perturbed_error;
    point.clustering_iterations = clusters.iterations;
    std::vector<std::vector<int>> dominant;
    for (PerturbedFit& f : fits) dominant.push_back(std::move(f.dominant));
    point.cophenetic = consensus_cophenetic(dominant);
    point.coherence = 0.0;
    for (double c : npmi_coherence(X, top_term_indices(clusters.centroids, o.coherence_terms), threads))
      point.coherence += c / k;
    point.cv_error = std::numeric_limits<double>::quiet_NaN();
    if (!cv_split.row_folds.empty()) {
      NmfOptions cv = inner;
      cv.init = NmfInit::Nndsvda;
      cv.threads = threads;
      cv.seed = fit_seed(o.seed, k, 0, 4);
      point.cv_error = bicross_validation_error(X, cv, cv_split);
    }

    // The centroid model on the unperturbed X: H = centroids, W by exact NNLS.
    NmfOptions fold = o.nmf;
    fold.threads = threads;
    const DenseMatrix Wc = nmf_transform(X, clusters.centroids, fold);
    point.relative_error = nmf_relative_error(X, Wc, clusters.centroids, threads);
    point.seconds = since(k_start);
    res.curve.push_back(point);
    centroids_of.push_back(clusters.centroids);

    if (o.progress) {
      ProgressEvent e;
      e.stage = "rank";
      e.done = static_cast<long long>(step + 1);
      e.total = static_cast<long long>(ks.size());
      e.loss = point.silhouette_min_H;
      e.has_loss = true;
      e.elapsed_seconds = since(start);
      if (!o.progress(e)) {
        res.status = NmfkStatus::Interrupted;
        break;
      }
    }
  }

  for (RankCriterion c : all_rank_criteria())
    res.by_criterion.push_back(select_rank_by(res.curve, c, o));
  res.selection = select_rank_by(res.curve, o.criterion, o);
  res.selected_k = res.selection.k;
  if (res.status != NmfkStatus::Interrupted)
    res.status = res.selection.met ? NmfkStatus::Selected : NmfkStatus::BelowThreshold;
  if (res.selected_k == 0) {
    res.seconds = since(start);
    return res;
  }
  const size_t chosen = static_cast<size_t>(
      std::find_if(res.curve.begin(), res.curve.end(), [&](const RankPoint& p) { return p.k == res.selected_k; }) -
      res.curve.begin());
  res.centroids = centroids_of[chosen];

  // The selected model: the centroid topics, W by NNLS on the fitted matrix,
  // then (fit_model) refined by an NMF of the unperturbed data from there.
  NmfOptions final_options = o.nmf;
  final_options.k = res.selected_k;
  final_options.threads = threads;
  final_options.seed = o.seed;
  DenseMatrix W_start = nmf_transform(F, res.centroids, final_options);
  if (o.fit_model) {
    final_options.init = NmfInit::Custom;
    res.model = nmf(F, final_options, &W_start, &res.centroids);
  } else {
    res.model.W = std::move(W_start);
    res.model.H = res.centroids;
    res.model.loss = nmf_loss(F, res.model.W, res.model.H, o.nmf.loss, threads);
    res.model.status = NmfStatus::Converged;
  }
  if (o.semantic) {
    const double scale = std::sqrt(res.semantic_beta);
    res.context_factor = res.model.W.bottomRows(F.rows - documents) / scale;
    res.model.W = res.model.W.topRows(documents).eval();
  }
  res.model.relative_error = nmf_relative_error(X, res.model.W, res.model.H, threads);
  res.seconds = since(start);
  return res;
}

NmfkResult nmfk_layer(const DenseMatrix& A, NmfkOptions o) {
  require_argument(A.allFinite() && (A.size() == 0 || A.minCoeff() >= 0), "coefficients", "finite and nonnegative",
                   "other values");
  o.k_max = std::min<Index>(o.k_max, A.cols() - 1);
  require_argument(o.k_max >= o.k_min, "coefficients columns",
                   "at least k_min + 1 = " + std::to_string(o.k_min + 1) + " (the layer must be smaller)",
                   std::to_string(A.cols()));
  std::vector<Triplet> t;
  for (Index i = 0; i < A.rows(); ++i)
    for (Index j = 0; j < A.cols(); ++j)
      if (A(i, j) != 0.0) t.push_back({i, static_cast<ColIndex>(j), A(i, j)});
  const SparseMatrix S = csr_from_triplets(A.rows(), A.cols(), std::move(t));
  o.semantic = false;
  return nmfk(S.view(), o);
}

}  // namespace strata
