#pragma once
/// @file How many topics: NMFk and SeNMFk rank selection (SPEC 3.5,
/// docs/rank.md).
///
/// NMFk (Alexandrov & Vesselinov 2014, "Blind source separation for
/// groundwater pressure analysis based on nonnegative matrix factorization";
/// LANL's pyDNMFk and T-ELF): for every candidate rank k,
///  1. fit an NMF to each of R perturbed copies of X (multiplicative uniform
///     noise in (1 - eps, 1 + eps) on the nonzeros, or Poisson resampling);
///  2. normalize each fit's topics (rows of H; the papers' columns of W, see
///     docs/orientation.md) to unit length and cluster the R k topics into k
///     clusters, one topic of every fit per cluster: each fit's topics are
///     matched to the k centroids by exact assignment (linalg/assignment.hpp)
///     on cosine similarity, the centroids are recomputed, until the matching
///     no longer changes;
///  3. score the clusters by silhouettes with the angular distance, for the
///     topics (rows of H) and, with the same labels, for the document
///     loadings (columns of W);
///  4. refit the centroid topics to the unperturbed X (W by exact NNLS with H
///     fixed to the centroids) and record its relative error.
/// A stable rank gives the same topics whatever the perturbation (minimum
/// silhouette near 1); one rank too many splits or invents a topic that each
/// fit places differently (minimum silhouette drops). Beside the
/// silhouettes every k gets the consensus cophenetic correlation, the
/// bi-cross-validation error and the NPMI coherence of its topics; the
/// criterion in NmfkOptions chooses (select_rank_by below; by default the
/// mean-silhouette rule, docs/rank.md "Selection rule").
///
/// SeNMFk (Vangara et al. 2021, "Finding the number of latent topics with
/// semantic non-negative matrix factorization", IEEE Access 9; the
/// superconductivity study of seed 003) factors the documents jointly with the term-term shifted
/// PPMI matrix M, sharing the topic-term factor:
///     [X; sqrt(beta) M] ~ [W; sqrt(beta) C] H
/// (rows stacked: both have the terms as columns). beta = semantic_weight *
/// ||X||_F^2 / ||M||_F^2, so with the default weight both blocks count equally.
///
/// Cost per k: R NMF fits (run in parallel, one thread each, from independent
/// random starts), O(rounds R k^3) for the assignments, and two (R k) x (R k)
/// distance matrices.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/progress.hpp"
#include "strata/core/sparse.hpp"
#include "strata/linalg/dense.hpp"
#include "strata/solvers/embeddings.hpp"
#include "strata/solvers/nmf.hpp"

namespace strata {

enum class Perturbation {
  Uniform,  ///< X_ij (1 + e), e ~ Uniform(-eps, eps), on the stored entries
  Poisson,  ///< X_ij ~ Poisson(X_ij) on the stored entries (meant for counts)
};
Perturbation parse_perturbation(const std::string& name);  ///< uniform|poisson
std::string to_string(Perturbation p);

/// Parses "A:B" or "A:B:STEP" (or a single "K") into k_min, k_max, k_step.
/// Throws ArgumentError naming `--k` on anything else.
void parse_k_range(const std::string& text, int& k_min, int& k_max, int& k_step);

/// How the inner fits start.
enum class NmfkInit {
  Random,  ///< an independent random start per perturbation (seeded); the default
  /// One NNDSVDa of the unperturbed X per k, shared by every perturbation (a
  /// warm start: faster, but with small uniform noise the fits stay so close
  /// that one rank too many still looks stable; see docs/rank.md).
  Shared,
};
NmfkInit parse_nmfk_init(const std::string& name);  ///< shared|random
std::string to_string(NmfkInit i);

/// The inner fits' defaults for rank selection: NmfOptions with tol 1e-6
/// and max_iter 1000.
NmfOptions converged_fits();

/// Which criterion chooses k (docs/rank.md, "Selection rule"). Every
/// criterion is computed and reported whichever one selects.
enum class RankCriterion {
  /// The default: NMFk's rule on the mean topic silhouette, the largest rank
  /// whose mean silhouette over all its topics is at least mean_threshold
  /// (with min_error_gain as the tie-breaker), where only a rank above the
  /// smallest of the range counts; when none does, the same at
  /// mean_threshold - 0.05, then - 0.10 (select_rank_by_mean).
  MeanSilhouette,
  /// NMFk's original rule: the largest rank whose least stable topic passes
  /// the threshold (select_rank below).
  MinSilhouette,
  /// Brunet et al. 2004: the last rank before the cophenetic correlation of
  /// the document consensus matrix first falls.
  Cophenetic,
  /// The rank with the lowest bi-cross-validation error.
  CrossValidation,
  /// The rank whose centroid topics have the highest mean NPMI coherence.
  Coherence,
};
/// mean-silhouette|min-silhouette|cophenetic|cross-validation|coherence
RankCriterion parse_rank_criterion(const std::string& name);
std::string to_string(RankCriterion c);
/// Every criterion, in the order they are reported.
const std::vector<RankCriterion>& all_rank_criteria();

struct NmfkOptions {
  int k_min = 2;                 ///< smallest rank tried, >= 2 (a silhouette needs two clusters)
  int k_max = 10;                ///< largest rank tried, k_min <= k_max <= min(rows, cols)
  int k_step = 1;                ///< step between ranks, >= 1
  int perturbations = 20;        ///< R perturbed fits per k, >= 2
  double epsilon = 0.015;        ///< uniform noise amplitude, in (0, 1) (T-ELF's default)
  Perturbation perturbation = Perturbation::Uniform;
  NmfkInit init = NmfkInit::Random;  ///< how the perturbed fits start
  RankCriterion criterion = RankCriterion::MeanSilhouette;  ///< which criterion selects k
  /// Mean topic silhouette a rank needs under the mean-silhouette rule (its
  /// first rung), in [-0.8, 1]. On real text the least stable topic is an
  /// outlier at almost every rank, while the mean tracks how reproducible the
  /// model is as a whole (docs/rank.md, "Selection rule").
  double mean_threshold = 0.9;
  /// A topic is stable when its cluster's mean silhouette reaches this; the
  /// min-silhouette rule asks it of every topic. In [-1, 1].
  double threshold = 0.8;
  int coherence_terms = 10;      ///< top terms per topic for the NPMI coherence, >= 2
  /// Documents in the consensus matrix (a seeded sample when there are more):
  /// its linkage costs O(d^2) memory and time. >= 2.
  Index consensus_documents = 2000;
  bool cross_validation = true;  ///< compute the bi-cross-validation error (4 extra quarter-size fits per k)
  /// Tie-breaker on the error curve: a larger passing rank replaces a smaller
  /// one only if it lowers the centroid model's relative error by more than
  /// this fraction (0 = any decrease). In [0, 1).
  double min_error_gain = 0.0;
  bool semantic = false;         ///< SeNMFk: factor [X; sqrt(beta) M] (needs co-occurrence counts)
  double semantic_weight = 1.0;  ///< > 0: beta = weight ||X||^2 / ||M||^2
  PmiOptions pmi;                ///< SeNMFk: how counts become M (shifted PPMI)
  /// Inner fits (solver, loss, max_iter, tol, penalties); its k, init, seed,
  /// threads and progress are set by nmfk(). Run to convergence by default
  /// (tol 1e-6, at most 1000 iterations): fits stopped at tol 1e-4 differ
  /// from one another more than the topics do (docs/rank.md, "Why real text
  /// looked unstable").
  NmfOptions nmf = converged_fits();
  bool fit_model = true;         ///< refine the selected rank's centroid model on X (the result's model)
  std::uint64_t seed = 0;        ///< perturbations and random starts
  int threads = 0;               ///< 0 = all cores; the perturbations of one k run in parallel
  ProgressCallback progress;     ///< called after each k (stage "rank")
};

/// One rank of the curve. Silhouettes with the angular distance; "H" are the
/// topics (rows of H, the clustered points), "W" the document loadings
/// (columns of W) labeled by their topic's cluster.
struct RankPoint {
  int k = 0;
  double silhouette_min_H = 0.0;   ///< minimum over clusters of the cluster's mean silhouette
  double silhouette_mean_H = 0.0;  ///< mean silhouette over all R k topics (scikit-learn's silhouette_score)
  double silhouette_min_W = 0.0;
  double silhouette_mean_W = 0.0;
  double relative_error = 0.0;     ///< ||X - W_c H_c||_F / ||X||_F of the centroid model (W_c by NNLS)
  double perturbed_error = 0.0;    ///< mean relative error of the R perturbed fits on their own data
  int stable_topics = 0;           ///< clusters whose mean topic silhouette is at least the threshold (reported)
  /// Cophenetic correlation of the document consensus matrix (the fraction
  /// of fits that give two documents the same dominant topic), average linkage.
  double cophenetic = 0.0;
  /// Bi-cross-validation (Owen & Perry 2009): sqrt(sum of ||A - W_A H_C||^2
  /// over the 2 x 2 held-out blocks / ||X||^2); NaN when not computed.
  double cv_error = 0.0;
  double coherence = 0.0;          ///< mean NPMI coherence of the centroid topics' top terms (coherence.hpp)
  int clustering_iterations = 0;   ///< matching rounds until the assignment stopped changing
  double seconds = 0.0;            ///< wall time for this k
};

enum class NmfkStatus { Selected, BelowThreshold, Interrupted };
std::string to_string(NmfkStatus s);

/// What a criterion chose and why.
struct RankSelection {
  RankCriterion criterion = RankCriterion::MeanSilhouette;
  int k = 0;                    ///< 0 only for an empty curve
  bool met = true;              ///< false when the criterion's condition held nowhere (a fallback chose)
  std::string reason;           ///< one sentence with the figures behind the choice
  std::vector<int> runners_up;  ///< the next best ranks by the same criterion, best first (at most 3)
};

struct NmfkResult {
  std::vector<RankPoint> curve;  ///< one entry per k tried, in increasing k
  int selected_k = 0;            ///< the chosen rank (0 only if interrupted before any k)
  /// Selected: the criterion's condition held (selection.met); BelowThreshold:
  /// it held nowhere and its fallback chose (for the silhouette rules, the
  /// highest silhouette); Interrupted: stopped by the progress callback
  /// (selection over the ks done).
  NmfkStatus status = NmfkStatus::Selected;
  RankSelection selection;                 ///< the choice of options.criterion, with its reason
  std::vector<RankSelection> by_criterion; ///< what every criterion would choose (all_rank_criteria order)
  /// The selected rank's model: W (documents x k) and H (k x terms). The
  /// centroid topics refined by an NMF on X when fit_model, else the centroid
  /// model itself (H = centroids scaled, W by NNLS).
  NmfResult model;
  DenseMatrix centroids;         ///< selected k's unit-norm centroid topics, k x terms
  DenseMatrix context_factor;    ///< SeNMFk: C (terms x k) of the selected model; else empty
  double semantic_beta = 0.0;    ///< SeNMFk: the beta used; else 0
  double seconds = 0.0;
};

/// NMFk (or SeNMFk when options.semantic; then `cooccurrence` must be the
/// terms x terms counts). Throws ArgumentError for options out of range or a
/// missing/mis-shaped co-occurrence matrix, InputError for negative or
/// non-finite entries. Deterministic for a seed and thread count; the perturbed
/// fits are single-threaded and seeded per (k, perturbation), so the
/// silhouettes do not even depend on the thread count (the errors and the
/// selected model's refinement use threaded sums).
NmfkResult nmfk(const SparseView& X, const NmfkOptions& options, const SparseView* cooccurrence = nullptr);

/// The selection rule (docs/rank.md): among the ranks whose silhouette_min_H
/// is at least `threshold`, take them in increasing k and move to a larger
/// one only if its relative error is below (1 - min_error_gain) times the
/// current one's; the last rank reached is selected. When no rank passes,
/// the rank with the highest silhouette_min_H (the smallest on ties) and
/// `met` = false. Returns 0 for an empty curve.
int select_rank(const std::vector<RankPoint>& curve, double threshold, double min_error_gain, bool* met = nullptr);

/// The mean-silhouette criterion: select_rank's rule on the mean topic
/// silhouette, on a ladder of thresholds (threshold, threshold - 0.05,
/// threshold - 0.10). A rung decides when a rank larger than the smallest of
/// the range passes it; `rung_used` tells which. When no rung does, the
/// smallest rank if it passes `threshold`, else the highest mean silhouette
/// (`met` false).
int select_rank_by_mean(const std::vector<RankPoint>& curve, double threshold, double min_error_gain,
                        bool* met = nullptr, double* rung_used = nullptr);

/// The choice of one criterion over a curve (docs/rank.md, "Selection rule").
RankSelection select_rank_by(const std::vector<RankPoint>& curve, RankCriterion criterion, const NmfkOptions& options);

/// The random halves of the rows and of the columns for bi-cross-validation
/// (each fold sorted).
struct BicrossValidationSplit {
  std::vector<std::vector<Index>> row_folds, col_folds;  ///< two each
};
BicrossValidationSplit bicross_validation_split(Index rows, Index cols, std::uint64_t seed);

/// Bi-cross-validation error of a rank-k NMF (Owen & Perry 2009, "Bi-cross-
/// validation of the SVD and the nonnegative matrix factorization", Ann. Appl.
/// Stat. 3): for every held-out block A = X[I, J] of the split (B = X[I, J'],
/// C = X[I', J], D = X[I', J'] the rest), D ~ W_D H_D by NMF,
/// W_A = argmin ||B - W H_D||, H_C = argmin ||C - W_D H|| (exact NNLS, >= 0),
/// and A is predicted as W_A H_C. Returns sqrt(sum ||A - W_A H_C||_F^2 /
/// ||X||_F^2) over the four blocks: every entry counts, zeros included. A rank
/// too large fits D's noise, which does not carry over to A, so the error
/// rises again. `options` gives k and the fits' settings; the four blocks run
/// in parallel over `options.threads`, each fit single-threaded.
double bicross_validation_error(const SparseView& X, const NmfOptions& options, const BicrossValidationSplit& split);

/// Checks the stability and selection settings every NMFk run shares
/// (perturbations >= 2, epsilon in (0, 1), threshold in [-1, 1],
/// min_error_gain in [0, 1)): ArgumentError naming the first one out of range.
void check_nmfk_selection(int perturbations, double epsilon, double threshold, double min_error_gain);

/// Rank selection for a layer of a hierarchy (SPEC 3.4, "ranks auto"): NMFk
/// on the previous layer's coefficients A (documents x k_prev, nonnegative),
/// with k_max clamped to k_prev - 1 so that the layer is strictly smaller.
/// Throws ArgumentError when k_prev - 1 < options.k_min.
NmfkResult nmfk_layer(const DenseMatrix& coefficients, NmfkOptions options);

// ----------------------------------------------------------- building blocks

/// Angular distances between the rows of `points`: arccos(cos(a, b)) / pi, in
/// [0, 1] (a metric; zero rows are at distance 0.5 from everything).
DenseMatrix angular_distances(const DenseMatrix& points);

/// Silhouette of each point from a precomputed distance matrix, as
/// sklearn.metrics.silhouette_samples(D, labels, metric="precomputed"):
/// s = (b - a) / max(a, b), a = mean distance to the rest of its cluster,
/// b = smallest mean distance to another cluster; 0 in a one-point cluster.
/// Labels in [0, number of clusters); needs at least two clusters.
std::vector<double> silhouette_samples(const DenseMatrix& distances, const std::vector<int>& labels);

/// Matching of R sets of k unit vectors (each k x d, rows) into k clusters,
/// one vector of each set per cluster.
struct ComponentClusters {
  /// cluster[r][j]: the cluster of row j of set r (a permutation of 0..k-1).
  std::vector<std::vector<int>> cluster;
  DenseMatrix centroids;  ///< k x d, unit rows: normalized means of the members
  int iterations = 0;     ///< matching rounds
};

/// Centroids start as set 0; each round matches every set to the centroids by
/// maximal total cosine similarity (exact assignment) and recomputes them;
/// stops when no assignment changes (at most max_rounds rounds).
ComponentClusters cluster_components(const std::vector<DenseMatrix>& sets, int max_rounds = 100);

/// Stacks [X; sqrt(beta) M] (rows of X, then rows of M); both need the same columns.
SparseMatrix stack_rows(const SparseView& X, const SparseView& M, double beta);

}  // namespace strata
