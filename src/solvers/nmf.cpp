#include "strata/solvers/nmf.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/nnls.hpp"
#include "strata/linalg/randomized_svd.hpp"
#include "strata/linalg/spmm.hpp"
#include "strata/parallel/threads.hpp"

namespace strata {

// ---------------------------------------------------------------- names --

NmfSolver parse_nmf_solver(const std::string& name) {
  if (name == "hals" || name == "cd") return NmfSolver::Hals;
  if (name == "mu") return NmfSolver::Mu;
  if (name == "bpp" || name == "anls") return NmfSolver::Bpp;
  throw ArgumentError("solver must be one of hals, mu, bpp (got '" + name + "')");
}
NmfLoss parse_nmf_loss(const std::string& name) {
  if (name == "frobenius") return NmfLoss::Frobenius;
  if (name == "kl" || name == "kullback-leibler") return NmfLoss::KullbackLeibler;
  if (name == "beta") return NmfLoss::Beta;
  throw ArgumentError("loss must be one of frobenius, kl, beta (got '" + name + "')");
}
NmfInit parse_nmf_init(const std::string& name) {
  if (name == "random") return NmfInit::Random;
  if (name == "nndsvd") return NmfInit::Nndsvd;
  if (name == "nndsvda") return NmfInit::Nndsvda;
  if (name == "nndsvdar") return NmfInit::Nndsvdar;
  if (name == "custom") return NmfInit::Custom;
  throw ArgumentError("init must be one of random, nndsvd, nndsvda, nndsvdar, custom (got '" + name + "')");
}
std::string to_string(NmfSolver s) {
  switch (s) {
    case NmfSolver::Hals: return "hals";
    case NmfSolver::Mu: return "mu";
    case NmfSolver::Bpp: return "bpp";
  }
  return "?";
}
std::string to_string(NmfLoss l) {
  switch (l) {
    case NmfLoss::Frobenius: return "frobenius";
    case NmfLoss::KullbackLeibler: return "kl";
    case NmfLoss::Beta: return "beta";
  }
  return "?";
}
std::string to_string(NmfInit i) {
  switch (i) {
    case NmfInit::Random: return "random";
    case NmfInit::Nndsvd: return "nndsvd";
    case NmfInit::Nndsvda: return "nndsvda";
    case NmfInit::Nndsvdar: return "nndsvdar";
    case NmfInit::Custom: return "custom";
  }
  return "?";
}
std::string to_string(NmfStatus s) {
  switch (s) {
    case NmfStatus::Converged: return "converged";
    case NmfStatus::MaxIterations: return "max_iterations";
    case NmfStatus::TimeLimit: return "time_limit";
    case NmfStatus::Interrupted: return "interrupted";
  }
  return "?";
}

namespace {

using Clock = std::chrono::steady_clock;

double frobenius_inner(const ConstDenseRef& A, const ConstDenseRef& B) { return (A.array() * B.array()).sum(); }

// ------------------------------------------------------- initialization --

/// Boutsidis & Gallopoulos (2008), as scikit-learn's _initialize_nmf.
void init_nndsvd(const SparseView& X, const NmfOptions& o, int threads, DenseMatrix& W, DenseMatrix& Ht) {
  const int k = o.k;
  RandomizedSvdOptions so;
  so.k = k;
  so.seed = o.seed;
  so.threads = threads;
  SvdResult svd = randomized_svd(X, so);
  // Each column of W (of H^T) depends only on the same column of U (of V):
  // transform the singular vectors in place instead of holding both, by rows
  // (the matrices are row-major: a pass per column would read all of them k
  // times).
  W = std::move(svd.U);
  Ht = std::move(svd.V);
  // Per column j >= 1: the norms of the positive and negative parts of u and v.
  Eigen::ArrayXd nup = Eigen::ArrayXd::Zero(k), nun = nup, nvp = nup, nvn = nup;
  auto part_norms = [k](const DenseMatrix& F, Eigen::ArrayXd& pos, Eigen::ArrayXd& neg) {
    for (Index i = 0; i < F.rows(); ++i)
      for (int j = 1; j < k; ++j) {
        const double x = F(i, j);
        (x > 0 ? pos[j] : neg[j]) += x * x;
      }
    pos = pos.sqrt(), neg = neg.sqrt();
  };
  part_norms(W, nup, nun);
  part_norms(Ht, nvp, nvn);
  // Column j keeps its dominant sign pattern, (u+, v+) or (u-, v-),
  // normalized and scaled: f_j <- lambda_j max(sign_j f_j, 0) / norm_j. The
  // leading singular vectors of a nonnegative matrix have one sign: |f_0|
  // sqrt(s_0). Values below 1e-6 are then set to zero, as scikit-learn does.
  Eigen::ArrayXd sign(k), lambda(k), norm_u(k), norm_v(k);
  for (int j = 1; j < k; ++j) {
    const double mp = nup[j] * nvp[j], mn = nun[j] * nvn[j];
    sign[j] = mp > mn ? 1.0 : -1.0;
    lambda[j] = std::sqrt(svd.s[j] * std::max(mp, mn));
    norm_u[j] = std::max(mp > mn ? nup[j] : nun[j], 1e-300);
    norm_v[j] = std::max(mp > mn ? nvp[j] : nvn[j], 1e-300);
  }
  const double scale0 = std::sqrt(svd.s[0]);
  auto transform = [&](DenseMatrix& F, const Eigen::ArrayXd& norm) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (Index i = 0; i < F.rows(); ++i) {
      double* f = F.row(i).data();
      f[0] = scale0 * std::abs(f[0]);
      for (int j = 1; j < k; ++j) f[j] = lambda[j] * std::max(sign[j] * f[j], 0.0) / norm[j];
      for (int j = 0; j < k; ++j) f[j] = f[j] < 1e-6 ? 0.0 : f[j];
    }
  };
  transform(W, norm_u);
  transform(Ht, norm_v);
  if (o.init == NmfInit::Nndsvd) return;
  const double mean = X.nnz() > 0 ? [&] {
    double s = 0;
    for (Index p = 0; p < X.nnz(); ++p) s += X.data[p];
    return s / (static_cast<double>(X.rows) * static_cast<double>(X.cols));
  }() : 0.0;
  if (o.init == NmfInit::Nndsvda) {
    W = (W.array() == 0.0).select(mean, W);
    Ht = (Ht.array() == 0.0).select(mean, Ht);
    return;
  }
  Random rng(o.seed ^ 0x9e3779b97f4a7c15ULL);
  const double avg = mean;
  for (Index i = 0; i < W.size(); ++i)
    if (W.data()[i] == 0.0) W.data()[i] = std::abs(avg * rng.normal() / 100.0);
  for (Index i = 0; i < Ht.size(); ++i)
    if (Ht.data()[i] == 0.0) Ht.data()[i] = std::abs(avg * rng.normal() / 100.0);
}

void init_random(const SparseView& X, const NmfOptions& o, DenseMatrix& W, DenseMatrix& Ht) {
  double sum = 0;
  for (Index p = 0; p < X.nnz(); ++p) sum += X.data[p];
  // The mean of the entries that count: all of X, or only the observed ones under a mask.
  const double count = o.observed == Observed::All ? static_cast<double>(X.rows) * X.cols
                                                   : static_cast<double>(X.nnz());
  const double mean = count > 0 ? sum / count : 0.0;
  const double avg = std::sqrt(mean / o.k);  // scikit-learn's scale: E[WH] matches mean(X)
  Random rng(o.seed);
  W.resize(X.rows, o.k);
  Ht.resize(X.cols, o.k);
  for (Index i = 0; i < Ht.size(); ++i) Ht.data()[i] = avg * std::abs(rng.normal());
  for (Index i = 0; i < W.size(); ++i) W.data()[i] = avg * std::abs(rng.normal());
}

// ------------------------------------------------------ Kullback-Leibler --

/// R = X ./ (W H) at the nonzeros of X (same structure), and the divergence
/// sum x log(x / wh) - x + sum_all(WH) as a by-product (+infinity where
/// W H = 0 at a nonzero of X: the true value, not a clipped one).
double kl_ratio(const SparseView& X, const DenseMatrix& W, const DenseMatrix& Ht, std::vector<double>& ratio,
                int threads) {
  const Index k = W.cols();
  ratio.resize(static_cast<size_t>(X.nnz()));
  threads = threads_for(threads, 2.0 * static_cast<double>(X.nnz()) * k);
  // Per-row sums added in row order: the loss does not depend on the schedule.
  std::vector<double> row_sum(static_cast<size_t>(X.rows), 0.0);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 256)
  for (Index i = 0; i < X.rows; ++i) {
    double partial = 0.0;
    const double* w = W.row(i).data();
    for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) {
      const double* h = Ht.row(X.indices[p]).data();
      double v = 0.0;
#pragma omp simd reduction(+ : v)
      for (Index t = 0; t < k; ++t) v += w[t] * h[t];
      const double x = X.data[p];
      // W H = 0 where x > 0: the divergence is infinite, and is reported so
      // (the ratio, for the MU step, stays finite).
      if (x > 0 && !(v > 0)) partial = std::numeric_limits<double>::infinity();
      v = std::max(v, 1e-300);
      ratio[p] = x / v;
      if (x > 0) partial += x * std::log(x / v) - x;
    }
    row_sum[i] = partial;
  }
  double partial = 0.0;
  for (double v : row_sum) partial += v;
  // sum over all entries of WH = sum_t (column sum of W)_t (column sum of H^T)_t
  const double total = W.colwise().sum().dot(Ht.colwise().sum());
  return partial + total;
}

/// One KL multiplicative update of the rows of F (n x k) with the other factor
/// O (m x k): F <- F .* (R O) / (1^T O + l1 + l2 F), R = X ./ (F O^T).
void kl_mu_update(const SparseView& X, DenseMatrix& F, const DenseMatrix& O, const std::vector<double>& ratio,
                  double l1, double l2, int threads, bool transpose) {
  const SparseView R{X.rows, X.cols, X.indptr, X.indices, ratio.data()};
  DenseMatrix num;
  if (transpose) spmm_transpose(R, O, num, threads);
  else spmm(R, O, num, threads);
  const Eigen::RowVectorXd colsum = O.colwise().sum();
  threads = threads_for(threads, static_cast<double>(F.size()) * 4);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (Index i = 0; i < F.rows(); ++i)
    for (Index t = 0; t < F.cols(); ++t) {
      const double den = colsum[t] + l1 + l2 * F(i, t);
      F(i, t) = den > 0 ? F(i, t) * num(i, t) / den : 0.0;
    }
}

// ---------------------------------------------- beta-divergence (MU) --
//
// d_beta(x | y) = (x^b + (b - 1) y^b - b x y^(b-1)) / (b (b - 1)), and
// x / y - log(x / y) - 1 for b = 0 (Itakura-Saito). Multiplicative updates
// with the exponent gamma(b) of Fevotte & Idier (2011), written as
// scikit-learn's, zero guards included, so the iterates are its iterates.
// The denominators need y at every entry, zeros of X included: each update
// costs a dense pass, O(n m k), as scikit-learn's.

/// scikit-learn's EPSILON (float32's machine epsilon): its guard for zeros of W H.
constexpr double kSklearnEpsilon = 1.1920928955078125e-07;

double beta_mu_exponent(double beta) { return beta < 1 ? 1.0 / (2.0 - beta) : beta > 2 ? 1.0 / (beta - 1.0) : 1.0; }

/// One update of the rows of F (n x k) against O (m x k), X n x m:
/// f_t <- f_t (sum_j x_j y_j^(b-2) o_jt / (sum_j y_j^(b-1) o_jt + l1 + l2 f_t))^gamma, y = O f.
void beta_mu_update(const SparseView& X, DenseMatrix& F, const DenseMatrix& O, double beta, double l1, double l2,
                    int threads) {
  const Index k = F.cols(), m = O.rows();
  const double gamma = beta_mu_exponent(beta);
  threads = threads_for(threads, 2.0 * static_cast<double>(F.rows()) * static_cast<double>(m) * k);
#pragma omp parallel num_threads(threads)
  {
    Eigen::VectorXd y(m), num(k), den(k);
#pragma omp for schedule(dynamic, 16)
    for (Index i = 0; i < F.rows(); ++i) {
      y.noalias() = O * F.row(i).transpose();
      num.setZero();
      for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) {
        const Index j = X.indices[p];
        double v = y[j];
        if (v == 0.0 && beta < 2) v = kSklearnEpsilon;
        const double inverse = 1.0 / v;
        const double weight = beta == 0 ? X.data[p] * inverse * inverse : X.data[p] * std::pow(v, beta - 2);
        num.noalias() += weight * O.row(j).transpose();
      }
      for (Index j = 0; j < m; ++j) {
        double v = y[j];
        if (v == 0.0 && beta < 1) v = kSklearnEpsilon;
        y[j] = std::pow(v, beta - 1);
      }
      den.noalias() = O.transpose() * y;
      double* f = F.row(i).data();
      for (Index t = 0; t < k; ++t) {
        double d = den[t];
        if (l1 > 0) d += l1;
        if (l2 > 0) d += l2 * f[t];
        if (d == 0.0) d = kSklearnEpsilon;
        const double ratio = num[t] / d;
        f[t] *= gamma == 1.0 ? ratio : std::pow(ratio, gamma);
      }
    }
  }
}

/// scikit-learn's stopping rule for its 'mu', so the same iterates stop at the
/// same iteration: every 10 iterations, stop when sqrt(2 loss) fell by less
/// than tol times its value at the start.
struct SklearnMuStop {
  double tol, initial, previous;
  SklearnMuStop(double tol, double initial_loss)
      : tol(tol), initial(std::sqrt(2.0 * std::max(initial_loss, 0.0))), previous(initial) {}
  /// True when iteration `it` (1-based) ends the run; `loss()` is called only on checked iterations.
  template <class Loss>
  bool stop(int it, Loss&& loss) {
    if (!(tol > 0) || it % 10 != 0) return false;
    const double error = std::sqrt(2.0 * std::max(loss(), 0.0));
    if (previous - error <= tol * initial) return true;
    previous = error;
    return false;
  }
};

/// scikit-learn's thresholding after an update (below double's epsilon -> 0), which
/// keeps the updates for b < 1 from dragging tiny entries along.
void zero_below_epsilon(DenseMatrix& F) {
  F = (F.array() < std::numeric_limits<double>::epsilon()).select(0.0, F);
}

/// The beta-divergence of X from W H (b not 1 or 2) as scikit-learn computes it:
/// sums over the entries of X above EPSILON, with W H's zeros there raised to EPSILON.
double beta_divergence(const SparseView& X, const DenseMatrix& W, const DenseMatrix& Ht, double beta, int threads) {
  const Index m = Ht.rows();
  threads = threads_for(threads, 2.0 * static_cast<double>(X.rows) * static_cast<double>(m) * W.cols());
  std::vector<double> row_sum(static_cast<size_t>(X.rows), 0.0);
#pragma omp parallel num_threads(threads)
  {
    Eigen::VectorXd y(m);
#pragma omp for schedule(dynamic, 16)
    for (Index i = 0; i < X.rows; ++i) {
      y.noalias() = Ht * W.row(i).transpose();
      double sum = 0.0;
      if (beta != 0)  // (b - 1) sum over every entry of y^b
        for (Index j = 0; j < m; ++j) sum += (beta - 1) * std::pow(y[j], beta);
      for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) {
        const double x = X.data[p];
        if (!(x > kSklearnEpsilon)) continue;
        const double v = y[X.indices[p]] == 0.0 ? kSklearnEpsilon : y[X.indices[p]];
        if (beta == 0) sum += x / v - std::log(x / v);
        else sum += std::pow(x, beta) - beta * x * std::pow(v, beta - 1);
      }
      row_sum[static_cast<size_t>(i)] = sum;
    }
  }
  double total = 0.0;
  for (double v : row_sum) total += v;
  if (beta == 0) return total - static_cast<double>(X.rows) * static_cast<double>(X.cols);
  return total / (beta * (beta - 1));
}

// ------------------------------------------------------------ masked --

/// Frobenius loss on the stored entries of X only: 0.5 sum (x - w.h)^2.
double masked_loss(const SparseView& X, const DenseMatrix& W, const DenseMatrix& Ht, int threads) {
  const Index k = W.cols();
  threads = threads_for(threads, 2.0 * static_cast<double>(X.nnz()) * k);
  std::vector<double> row_sum(static_cast<size_t>(X.rows), 0.0);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 256)
  for (Index i = 0; i < X.rows; ++i)
    for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) {
      const double r = X.data[p] - W.row(i).dot(Ht.row(X.indices[p]));
      row_sum[i] += r * r;
    }
  double s = 0.0;
  for (double v : row_sum) s += v;
  return 0.5 * s;
}

/// Updates every row f_i of F against the stored entries of row i of X:
/// G_i = sum_j o_j o_j^T, b_i = sum_j x_ij o_j over the stored j.
void masked_update(const SparseView& X, DenseMatrix& F, const DenseMatrix& O, NmfSolver solver, int sweeps,
                   double l1, double l2, int threads) {
  const Index k = F.cols();
  threads = threads_for(threads, static_cast<double>(X.nnz()) * k * k);
#pragma omp parallel num_threads(threads)
  {
    DenseMatrix G(k, k), B(1, k), f(1, k);
#pragma omp for schedule(dynamic, 64)
    for (Index i = 0; i < X.rows; ++i) {
      G.setZero();
      B.setZero();
      for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) {
        const auto o = O.row(X.indices[p]);
        G.selfadjointView<Eigen::Upper>().rankUpdate(o.transpose());
        B += X.data[p] * o;
      }
      G.triangularView<Eigen::StrictlyLower>() = G.transpose();
      f = F.row(i);
      if (solver == NmfSolver::Bpp) nnls_bpp_row(f.data(), B.data(), G, l1, l2);
      else if (solver == NmfSolver::Mu) mu_rows(f, B, G, l1, l2, 1);
      else hals_rows(f, B, G, sweeps, sweeps > 1, l1, l2, 1);
      F.row(i) = f;
    }
  }
}

/// Restricts X to the positions of `mask` (X's value there, 0 where X stores
/// nothing): the observed matrix of masked NMF.
SparseMatrix observed_values(const SparseView& X, const SparseView& mask) {
  SparseMatrix out;
  out.rows = X.rows;
  out.cols = X.cols;
  out.indptr.assign(static_cast<size_t>(X.rows) + 1, 0);
  out.indices.reserve(static_cast<size_t>(mask.nnz()));
  out.data.reserve(static_cast<size_t>(mask.nnz()));
  for (Index i = 0; i < X.rows; ++i) {
    Index p = X.indptr[i];
    for (Index q = mask.indptr[i]; q < mask.indptr[i + 1]; ++q) {
      const ColIndex j = mask.indices[q];
      while (p < X.indptr[i + 1] && X.indices[p] < j) ++p;
      out.indices.push_back(j);
      out.data.push_back(p < X.indptr[i + 1] && X.indices[p] == j ? X.data[p] : 0.0);
    }
    out.indptr[i + 1] = static_cast<Index>(out.indices.size());
  }
  return out;
}

/// l1 sum(F) + (l2/2) ||F||^2 (F >= 0).
double penalties(const DenseMatrix& F, double l1, double l2) {
  return (l1 > 0 ? l1 * F.sum() : 0.0) + (l2 > 0 ? 0.5 * l2 * F.squaredNorm() : 0.0);
}

/// Extrapolation between the two block updates (Ang & Gillis 2019, "HER"):
/// after a factor's update F_n, the next update of the other factor sees
/// max(0, F_n + beta (F_n - F_{n-1})). beta grows while the loss falls and is
/// cut (and H's extrapolation skipped once) when it rises.
struct Extrapolation {
  // The paper's parameters: initial beta, its cut on a rise, its growth on a
  // fall, and the growth of its ceiling.
  static constexpr double kBeta0 = 0.5, kEta = 1.5, kGamma = 1.01, kGammaCeiling = 1.005;
  double beta = kBeta0, ceiling = 1.0;
  bool extrapolate_H = false;  // false on the first iteration and after a rise
  double objective;            // the last iteration's loss plus penalties
  // The previous plain iterates, in float32: they only give a direction.
  using FloatMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  FloatMatrix W_prev, H_prev;

  Extrapolation(const DenseMatrix& W, const DenseMatrix& Ht, double initial_objective)
      : objective(initial_objective), W_prev(W.cast<float>()), H_prev(Ht.cast<float>()) {}

  /// F <- max(0, F + step (F - prev)), prev <- F (before the step). A
  /// component the projection would wipe out keeps its plain value: a zero
  /// column of W (row of H) stays zero for good, so the step must not kill one.
  static void step(DenseMatrix& F, FloatMatrix& prev, double step, int threads) {
    const Index n = F.rows(), k = F.cols();
    std::vector<char> alive_before(static_cast<size_t>(k), 0), alive_after(static_cast<size_t>(k), 0);
#pragma omp parallel num_threads(threads)
    {
      std::vector<char> before(static_cast<size_t>(k), 0), after(static_cast<size_t>(k), 0);
#pragma omp for schedule(static)
      for (Index i = 0; i < n; ++i) {
        double* f = F.row(i).data();
        float* q = prev.row(i).data();
        for (Index t = 0; t < k; ++t) {
          const double now = f[t];
          f[t] = std::max(0.0, now + step * (now - static_cast<double>(q[t])));
          q[t] = static_cast<float>(now);
          before[t] |= now > 0.0;
          after[t] |= f[t] > 0.0;
        }
      }
#pragma omp critical
      for (Index t = 0; t < k; ++t) alive_before[t] |= before[t], alive_after[t] |= after[t];
    }
    for (Index t = 0; t < k; ++t)
      if (alive_before[t] && !alive_after[t]) F.col(t) = prev.col(t).cast<double>();
  }

  /// After an iteration whose objective (loss plus penalties) is `after`.
  void adapt(double after) {
    const double before = objective;
    objective = after;
    if (after > before) {
      ceiling = beta;
      beta /= kEta;
      extrapolate_H = false;
    } else {
      beta = std::min(ceiling, kGamma * beta);
      ceiling = std::min(1.0, kGammaCeiling * ceiling);
      extrapolate_H = true;
    }
  }
};

/// W H is unchanged when component t is scaled as w_t s, h_t / s, but the
/// updates leave the scales drifting (rows of H near 1000 where
/// scikit-learn's stay near 3, with extrapolation), which misleads anything
/// downstream that is not scale-invariant. Each component gets the scale
/// that minimizes the penalties, l1_W s a + l1_H b / s + (l2_W / 2) s^2 A +
/// (l2_H / 2) B / s^2 (a, b the sums, A, B the squared norms): convex in
/// log s, so its derivative has one root, found by bisection. Without
/// penalties the objective does not depend on s and the norms are made
/// equal, ||w_t|| = ||h_t||. A penalty on one factor only has no minimizer
/// (s -> 0 or infinity): the scales are then left as fitted.
void balance_components(DenseMatrix& W, DenseMatrix& Ht, const NmfOptions& o) {
  const bool penalized_W = o.l1_W > 0 || o.l2_W > 0, penalized_H = o.l1_H > 0 || o.l2_H > 0;
  if (penalized_W != penalized_H) return;
  for (Index t = 0; t < W.cols(); ++t) {
    const double A = W.col(t).squaredNorm(), B = Ht.col(t).squaredNorm();
    if (!(A > 0) || !(B > 0)) continue;  // a dead component: nothing to balance
    double log_s = 0.25 * std::log(B / A);  // equal norms
    if (penalized_W) {
      const double a = W.col(t).sum(), b = Ht.col(t).sum();
      auto slope = [&](double u) {  // d/du of the penalties at s = e^u
        return o.l1_W * a * std::exp(u) - o.l1_H * b * std::exp(-u) + o.l2_W * A * std::exp(2 * u) -
               o.l2_H * B * std::exp(-2 * u);
      };
      double lo = log_s - 40, hi = log_s + 40;  // scales of e^{+-40} ~ 1e17 bracket any sane root
      if (!(slope(lo) < 0 && slope(hi) > 0)) continue;
      for (int i = 0; i < 100; ++i) (slope(0.5 * (lo + hi)) < 0 ? lo : hi) = 0.5 * (lo + hi);
      log_s = 0.5 * (lo + hi);
    }
    const double s = std::exp(log_s);
    W.col(t) *= s;
    Ht.col(t) /= s;
  }
}

/// X^T W reaches the H-update in this many blocks per thread: two halve the
/// product's buffer (to m k / 2 doubles in all) for about the speed of one
/// (each block reads the rows of W it needs again).
constexpr int kTransposeBlocksPerThread = 2;

int automatic_sweeps(const SparseView& X, int k, Index rows) {
  // Gillis & Glineur: inner sweeps pay while one product (2 nnz k flops)
  // costs more than a sweep (rows k^2); rho is that ratio.
  const double rho = (2.0 * static_cast<double>(X.nnz()) * k + static_cast<double>(rows) * k) /
                     (static_cast<double>(rows) * k * k + 1.0);
  return static_cast<int>(std::clamp(1.0 + 0.5 * rho, 2.0, 10.0));
}

/// A beta-divergence with b = 2 or 1 is the Frobenius or KL loss, with their own solvers.
NmfOptions with_named_loss(NmfOptions o) {
  if (o.loss == NmfLoss::Beta && o.beta == 2.0) o.loss = NmfLoss::Frobenius;
  if (o.loss == NmfLoss::Beta && o.beta == 1.0) o.loss = NmfLoss::KullbackLeibler;
  return o;
}

}  // namespace

double nmf_relative_error(const SparseView& X, const DenseMatrix& W, const DenseMatrix& H, int threads) {
  threads = resolve_threads(threads);
  const double nx2 = squared_frobenius_norm(X);
  if (nx2 == 0.0) return W.squaredNorm() * H.squaredNorm() == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  const DenseMatrix Ht = H.transpose();
  DenseMatrix XtW, WtW, HHt;
  spmm_transpose(X, W, XtW, threads);
  gram(W, WtW, threads);
  gram(Ht, HHt, threads);
  const double r2 = nx2 - 2.0 * frobenius_inner(XtW, Ht) + frobenius_inner(WtW, HHt);
  return std::sqrt(std::max(r2, 0.0) / nx2);
}

double nmf_loss(const SparseView& X, const DenseMatrix& W, const DenseMatrix& H, NmfLoss loss, int threads,
                double beta) {
  threads = resolve_threads(threads);
  if (loss == NmfLoss::Beta && beta == 2.0) loss = NmfLoss::Frobenius;
  if (loss == NmfLoss::Beta && beta == 1.0) loss = NmfLoss::KullbackLeibler;
  if (loss == NmfLoss::Beta) return beta_divergence(X, W, H.transpose(), beta, threads);
  if (loss == NmfLoss::Frobenius) {
    const double e = nmf_relative_error(X, W, H, threads);
    return 0.5 * e * e * squared_frobenius_norm(X);
  }
  std::vector<double> ratio;
  const DenseMatrix Ht = H.transpose();
  return kl_ratio(X, W, Ht, ratio, threads);
}

NmfResult nmf(const SparseView& X, const NmfOptions& options, const DenseMatrix* W0, const DenseMatrix* H0) {
  const NmfOptions o = with_named_loss(options);
  const Index limit = std::min(X.rows, X.cols);
  require_argument(X.rows > 0 && X.cols > 0, "X", "a non-empty matrix", std::to_string(X.rows) + " x " + std::to_string(X.cols));
  // NNDSVD starts from k singular triplets; random and custom starts take any k
  // (scikit-learn fits more components than min(n, m), for instance its default on wide text).
  const bool svd_start = o.init != NmfInit::Random && o.init != NmfInit::Custom;
  require_argument(o.k >= 1 && (!svd_start || o.k <= limit), "k",
                   svd_start ? "in [1, min(rows, cols)] = [1, " + std::to_string(limit) + "] for init " +
                                   to_string(o.init) + " (random or custom init take more)"
                             : std::string(">= 1"),
                   std::to_string(o.k));
  require_argument(o.max_iter >= 0, "max_iter", ">= 0", std::to_string(o.max_iter));
  require_argument(o.tol >= 0, "tol", ">= 0", std::to_string(o.tol));
  require_argument(o.time_limit >= 0, "time_limit", ">= 0 seconds", std::to_string(o.time_limit));
  for (auto [name, v] : {std::pair{"l1_W", o.l1_W}, {"l2_W", o.l2_W}, {"l1_H", o.l1_H}, {"l2_H", o.l2_H}})
    require_argument(v >= 0 && std::isfinite(v), name, ">= 0", std::to_string(v));
  require_argument(o.inner_sweeps >= 0, "inner_sweeps", ">= 0 (0 = automatic)", std::to_string(o.inner_sweeps));
  const bool kl = o.loss == NmfLoss::KullbackLeibler;
  const bool beta_mu = o.loss == NmfLoss::Beta;
  require_argument(!(kl && o.solver == NmfSolver::Bpp), "solver", "hals or mu for the KL loss", "bpp");
  require_argument(!beta_mu || o.solver == NmfSolver::Mu, "solver", "mu for a beta-divergence other than 1 or 2",
                   to_string(o.solver));
  require_argument(!beta_mu || std::isfinite(o.beta), "beta", "finite", std::to_string(o.beta));
  require_argument(!(beta_mu && o.observed != Observed::All), "observed",
                   "'all' for a beta-divergence (masks are Frobenius only)", "a mask");
  require_argument(!(kl && o.observed != Observed::All), "observed", "'all' for the KL loss (masks are Frobenius only)",
                   "a mask");
  if (o.observed == Observed::Mask) {
    require_argument(o.mask != nullptr, "mask", "given when observed == Mask", "none");
    require_argument(o.mask->rows == X.rows && o.mask->cols == X.cols, "mask shape",
                     std::to_string(X.rows) + " x " + std::to_string(X.cols),
                     std::to_string(o.mask->rows) + " x " + std::to_string(o.mask->cols));
  }
  require_nonnegative_finite(X, "<matrix>");
  const int threads = resolve_threads(o.threads);
  const int k = o.k;
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };

  // The matrix the loss is measured on: X itself, or its observed entries.
  SparseMatrix observed_storage;
  SparseView Xf = X;
  const bool masked = o.observed != Observed::All;
  if (o.observed == Observed::Mask) {
    observed_storage = observed_values(X, *o.mask);
    Xf = observed_storage.view();
  }
  // Column access (X^T as CSR) for the H-update of the masked and the KL
  // coordinate-descent solvers: nnz(X) * 12 extra bytes.
  const bool kl_cd = kl && o.solver == NmfSolver::Hals;
  SparseMatrix Xt_storage;
  if (masked || kl_cd || beta_mu) Xt_storage = transpose(Xf);
  const SparseView Xt = Xt_storage.view();

  NmfResult res;
  DenseMatrix& W = res.W;
  DenseMatrix Ht;  // H^T, m x k: the H-update is then the same row kernel as the W-update
  switch (o.init) {
    case NmfInit::Custom:
      require_argument(W0 && H0, "W0 and H0", "given for init == custom", "missing");
      require_argument(W0->rows() == X.rows && W0->cols() == k, "W0 shape", std::to_string(X.rows) + " x " + std::to_string(k),
                       std::to_string(W0->rows()) + " x " + std::to_string(W0->cols()));
      require_argument(H0->rows() == k && H0->cols() == X.cols, "H0 shape", std::to_string(k) + " x " + std::to_string(X.cols),
                       std::to_string(H0->rows()) + " x " + std::to_string(H0->cols()));
      require_argument(W0->allFinite() && H0->allFinite() && W0->minCoeff() >= 0 && H0->minCoeff() >= 0, "W0 and H0",
                       "finite and nonnegative", "other values");
      W = *W0;
      Ht = H0->transpose();
      break;
    case NmfInit::Random: init_random(Xf, o, W, Ht); break;
    default: init_nndsvd(Xf, o, threads, W, Ht); break;
  }
  if (o.solver == NmfSolver::Mu) {
    // Multiplicative updates cannot move an exact zero: start from a positive point.
    const double floor = 1e-10 * std::max(W.maxCoeff(), Ht.maxCoeff()) + 1e-300;
    W = W.cwiseMax(floor);
    Ht = Ht.cwiseMax(floor);
  }

  const double nx2 = squared_frobenius_norm(Xf);
  const int sweeps_W = o.inner_sweeps > 0 ? o.inner_sweeps : automatic_sweeps(Xf, k, X.rows);
  const int sweeps_H = o.inner_sweeps > 0 ? o.inner_sweeps : automatic_sweeps(Xf, k, X.cols);
  const bool early_stop = o.inner_sweeps == 0;

  DenseMatrix HtH, WtW;
  // The products are never held whole (peak memory): X H^T reaches the
  // W-update in blocks of rows and X^T W the H-update in blocks of columns,
  // each block updated as soon as it is computed, while it is in cache.
  const bool fused = !kl && !masked && !beta_mu;
  const int product_threads = threads_for(threads, 2.0 * static_cast<double>(Xf.nnz()) * k);
  const Index row_block = std::max<Index>(64, (Index{1} << 15) / k / 64 * 64);  // 256 KiB of X H^T
  TransposePlan plan;
  if (fused) plan = plan_spmm_transpose(Xf, product_threads, kTransposeBlocksPerThread);
  // Returns HALS's sum of f . (G f - b) over the block (0 for the others).
  auto update_block = [&](DenseRef F, const ConstDenseRef& B, const DenseMatrix& G, int sweeps, double l1,
                          double l2) {
    if (o.solver == NmfSolver::Hals) return hals_rows(F, B, G, sweeps, early_stop, l1, l2, 1);
    if (o.solver == NmfSolver::Mu) mu_rows(F, B, G, l1, l2, 1);
    else nnls_bpp(F, B, G, l1, l2, 1);
    return 0.0;
  };
  auto update_W = [&] {
    spmm_row_blocks(Xf, Ht, row_block, product_threads, [&](Index i0, DenseRef B) {
      update_block(W.middleRows(i0, B.rows()), B, HtH, sweeps_W, o.l1_W, o.l2_W);
    });
  };
  // <X^T W, H^T>, by blocks; with `update`, each block of H^T is updated
  // first and the inner product is with the new H, and `f_dot_g` gets the
  // update's sum of h . (W^T W h - b). Per-thread sums, added in thread
  // order: deterministic for a thread count.
  std::vector<double> inner_parts(static_cast<size_t>(plan.threads)), fg_parts(inner_parts.size());
  auto xtw_inner = [&](bool update, double* f_dot_g = nullptr) {
    std::fill(inner_parts.begin(), inner_parts.end(), 0.0);
    std::fill(fg_parts.begin(), fg_parts.end(), 0.0);
    spmm_transpose_blocks(Xf, W, plan, [&](Index j0, DenseRef B) {
      auto Hb = Ht.middleRows(j0, B.rows());
      const auto thread = static_cast<size_t>(omp_get_thread_num());
      if (update) fg_parts[thread] += update_block(Hb, B, WtW, sweeps_H, o.l1_H, o.l2_H);
      inner_parts[thread] += frobenius_inner(B, Hb);
    });
    if (f_dot_g) *f_dot_g = std::accumulate(fg_parts.begin(), fg_parts.end(), 0.0);
    return std::accumulate(inner_parts.begin(), inner_parts.end(), 0.0);
  };
  std::vector<double> ratio;
  auto relative = [&](double loss) { return nx2 > 0 ? std::sqrt(std::max(2.0 * loss, 0.0) / nx2) : 0.0; };
  auto frobenius_loss_now = [&] {
    if (masked) return masked_loss(Xf, W, Ht, threads);
    gram(W, WtW, threads);
    gram(Ht, HtH, threads);
    return 0.5 * std::max(nx2 - 2.0 * xtw_inner(false) + frobenius_inner(WtW, HtH), 0.0);
  };
  double loss = beta_mu ? beta_divergence(Xf, W, Ht, o.beta, threads)
                 : kl     ? kl_ratio(Xf, W, Ht, ratio, threads)
                          : frobenius_loss_now();
  auto record = [&](int it, double l) {
    const double rel = kl || beta_mu ? std::numeric_limits<double>::quiet_NaN() : relative(l);
    res.history.push_back(HistoryEntry{it, elapsed(), l, rel});
  };
  record(0, loss);

  // Extrapolation needs updates that can leave zero (not MU) and the
  // plain Frobenius loop. It ends before the last iteration and once the
  // loss settles, so the returned factors come from plain updates (each the
  // exact or HALS solution given the other, as without extrapolation).
  bool extrapolating = o.extrapolate && !kl && !masked && o.solver != NmfSolver::Mu;
  std::optional<Extrapolation> ex;
  if (extrapolating) ex.emplace(W, Ht, loss + penalties(W, o.l1_W, o.l2_W) + penalties(Ht, o.l1_H, o.l2_H));

  res.status = NmfStatus::MaxIterations;
  SklearnMuStop mu_stop(o.tol, loss);
  for (int it = 1; it <= o.max_iter; ++it) {
    if (beta_mu) {
      beta_mu_update(Xf, W, Ht, o.beta, o.l1_W, o.l2_W, threads);
      if (o.beta < 1) zero_below_epsilon(W);
      beta_mu_update(Xt, Ht, W, o.beta, o.l1_H, o.l2_H, threads);
      if (o.beta <= 1) zero_below_epsilon(Ht);
      loss = beta_divergence(Xf, W, Ht, o.beta, threads);
    } else if (kl_cd) {
      kl_cd_rows(Xf, W, Ht, Ht.colwise().sum(), 1, o.l1_W, o.l2_W, threads);
      kl_cd_rows(Xt, Ht, W, W.colwise().sum(), 1, o.l1_H, o.l2_H, threads);
      loss = kl_ratio(Xf, W, Ht, ratio, threads);
    } else if (kl) {
      kl_mu_update(Xf, W, Ht, ratio, o.l1_W, o.l2_W, threads, false);
      kl_ratio(Xf, W, Ht, ratio, threads);
      kl_mu_update(Xf, Ht, W, ratio, o.l1_H, o.l2_H, threads, true);
      // The divergence of the new factors; its ratios serve the next W-update.
      loss = kl_ratio(Xf, W, Ht, ratio, threads);
    } else if (masked) {
      masked_update(Xf, W, Ht, o.solver, sweeps_W, o.l1_W, o.l2_W, threads);
      masked_update(Xt, Ht, W, o.solver, sweeps_H, o.l1_H, o.l2_H, threads);
      loss = masked_loss(Xf, W, Ht, threads);
    } else {
      if (extrapolating && it == o.max_iter) extrapolating = false;
      if (extrapolating) {
        // Ht holds H_{n-1} exactly; the W-update sees its extrapolation.
        Extrapolation::step(Ht, ex->H_prev, ex->extrapolate_H ? ex->beta : 0.0, threads);
        if (ex->extrapolate_H) gram(Ht, HtH, threads);
      }
      if (HtH.rows() != k) gram(Ht, HtH, threads);
      update_W();
      if (extrapolating) {
        // W_n -> its extrapolation, which the H-update and the loss see (so
        // the reported loss is of the returned pair). The H-update starts
        // from H_{n-1}, not from its extrapolation. Not on the first
        // iteration: the step from the initialization is no direction.
        Extrapolation::step(W, ex->W_prev, it > 1 ? ex->beta : 0.0, threads);
        if (ex->extrapolate_H) Ht = ex->H_prev.cast<double>();
      }
      gram(W, WtW, threads);
      double f_dot_g = 0.0;
      const double inner = xtw_inner(true, &f_dot_g);
      // ||X - WH||^2 = ||X||^2 - 2 <X^T W, H^T> + <W^T W, H H^T>, from products already at hand.
      double quadratic;
      if (o.solver == NmfSolver::Hals) {
        // HALS's gradients give <W^T W, H H^T> = sum_j h_j . (W^T W h_j - b_j) + <B, H^T>
        // (B = X^T W): no Gram of H here. The next W-update makes one when it
        // needs it, of H as it then is (extrapolated or not).
        quadratic = f_dot_g + inner;
        HtH.resize(0, 0);
      } else {
        gram(Ht, HtH, threads);
        quadratic = frobenius_inner(WtW, HtH);
      }
      loss = 0.5 * std::max(nx2 - 2.0 * inner + quadratic, 0.0);
      if (extrapolating) ex->adapt(loss + penalties(W, o.l1_W, o.l2_W) + penalties(Ht, o.l1_H, o.l2_H));
    }
    const double previous = res.history.back().loss;
    record(it, loss);
    res.iterations = it;
    if (!report_iteration(o.progress, "nmf", it, o.max_iter, loss, elapsed())) {
      res.status = NmfStatus::Interrupted;
      break;
    }
    if (o.solver == NmfSolver::Mu) {
      if (mu_stop.stop(it, [&] { return loss; })) {
        res.status = NmfStatus::Converged;
        break;
      }
    } else if (o.tol > 0 && std::abs(previous - loss) <= o.tol * std::max(previous, 1e-300)) {
      if (!extrapolating) {
        res.status = NmfStatus::Converged;
        break;
      }
      extrapolating = false;  // settle with plain updates, then test again
    }
    if (o.time_limit > 0 && elapsed() >= o.time_limit) {
      res.status = NmfStatus::TimeLimit;
      break;
    }
  }
  ex.reset();  // peak memory: H is about to be written out beside H^T
  // Multiplicative updates keep scikit-learn's iterates (and so its scales) exactly.
  if (o.balance && o.solver != NmfSolver::Mu) balance_components(W, Ht, o);
  res.loss = loss;
  if (masked) res.relative_error = relative(masked_loss(Xf, W, Ht, threads));
  else if (!kl && nx2 > 0) res.relative_error = relative(loss);  // the last loss is of the final factors
  res.H = Ht.transpose();
  Ht.resize(0, 0);
  if (!masked && (kl || beta_mu || nx2 == 0)) res.relative_error = nmf_relative_error(Xf, W, res.H, threads);
  res.seconds = elapsed();
  if (kl || beta_mu) {
    // The history reports ||X - WH||_F / ||X||_F for every loss; for KL it is computed once here, at the end.
    res.history.back().relative_error = res.relative_error;
  }
  return res;
}

DenseMatrix nmf_transform(const SparseView& X, const DenseMatrix& H, const NmfOptions& options) {
  const NmfOptions o = with_named_loss(options);
  require_argument(H.cols() == X.cols, "X columns", "equal to H's (" + std::to_string(H.cols()) + ")",
                   std::to_string(X.cols));
  require_nonnegative_finite(X, "<matrix>");
  const int threads = resolve_threads(o.threads);
  const Index k = H.rows();
  const DenseMatrix Ht = H.transpose();
  DenseMatrix W;
  if (o.loss == NmfLoss::Beta) {
    // Multiplicative updates of W alone, from scikit-learn's start for them
    // (every entry sqrt(mean(X) / k)) and with its stopping rule.
    double sum = 0.0;
    for (Index p = 0; p < X.nnz(); ++p) sum += X.data[p];
    const double mean = X.rows > 0 ? sum / (static_cast<double>(X.rows) * static_cast<double>(X.cols)) : 0.0;
    W.setConstant(X.rows, k, std::sqrt(mean / static_cast<double>(k)));
    auto divergence = [&] { return beta_divergence(X, W, Ht, o.beta, threads); };
    SklearnMuStop stop(o.tol, divergence());
    for (int it = 1; it <= std::max(o.max_iter, 1); ++it) {
      beta_mu_update(X, W, Ht, o.beta, o.l1_W, o.l2_W, threads);
      if (o.beta < 1) zero_below_epsilon(W);
      if (stop.stop(it, divergence)) break;
    }
    return W;
  }
  if (o.loss == NmfLoss::KullbackLeibler) {
    // Rows are independent: coordinate descent on each until it settles.
    W.setConstant(X.rows, k, 1.0);
    kl_cd_rows(X, W, Ht, Ht.colwise().sum(), std::max(o.max_iter, 1), o.l1_W, o.l2_W, threads);
    return W;
  }
  DenseMatrix G, B;
  gram(Ht, G, threads);
  spmm(X, Ht, B, threads);
  W.setZero(X.rows, k);
  nnls_bpp(W, B, G, o.l1_W, o.l2_W, threads);
  return W;
}

}  // namespace strata
