#include "strata/solvers/ssnmf.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/nnls.hpp"
#include "strata/linalg/spmm.hpp"
#include "strata/parallel/threads.hpp"

namespace strata {

namespace {

using Clock = std::chrono::steady_clock;

// Floors that keep the logarithms and the multiplicative updates finite.
constexpr double kTiny = 1e-300;

double frobenius_inner(const DenseMatrix& A, const DenseMatrix& B) { return (A.array() * B.array()).sum(); }

/// The labeled documents: their rows and classes.
struct LabeledRows {
  std::vector<Index> rows;          ///< labeled row indices, ascending
  std::vector<std::int32_t> cls;    ///< cls[r]: class of rows[r]
  std::vector<Index> unlabeled;     ///< the other rows, ascending
};

LabeledRows split_rows(const LabelEncoding& labels) {
  LabeledRows s;
  for (Index i = 0; i < labels.n_documents(); ++i) {
    const std::int32_t c = labels.codes[static_cast<size_t>(i)];
    if (c >= 0) {
      s.rows.push_back(i);
      s.cls.push_back(c);
    } else {
      s.unlabeled.push_back(i);
    }
  }
  return s;
}

void gather_rows(const DenseMatrix& F, const std::vector<Index>& rows, DenseMatrix& out) {
  out.resize(static_cast<Index>(rows.size()), F.cols());
  for (size_t r = 0; r < rows.size(); ++r) out.row(static_cast<Index>(r)) = F.row(rows[r]);
}

void scatter_rows(const DenseMatrix& in, const std::vector<Index>& rows, DenseMatrix& F) {
  for (size_t r = 0; r < rows.size(); ++r) F.row(rows[r]) = in.row(static_cast<Index>(r));
}

/// ratio = X ./ (W H) at the nonzeros of X, and the generalized I-divergence
/// sum x log(x / wh) - x + sum_all(WH) (the last sum is a k-term formula).
double kl_data_ratio(const SparseView& X, const DenseMatrix& W, const DenseMatrix& Ht, std::vector<double>& ratio,
                     int threads) {
  const Index k = W.cols();
  ratio.resize(static_cast<size_t>(X.nnz()));
  threads = threads_for(threads, 2.0 * static_cast<double>(X.nnz()) * k);
  // Per-row sums added in row order: the value does not depend on the schedule.
  std::vector<double> row_sum(static_cast<size_t>(X.rows), 0.0);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 256)
  for (Index i = 0; i < X.rows; ++i) {
    double partial = 0.0;
    for (Index p = X.indptr[i]; p < X.indptr[i + 1]; ++p) {
      const double v = std::max(W.row(i).dot(Ht.row(X.indices[p])), kTiny);
      const double x = X.data[p];
      ratio[p] = x / v;
      if (x > 0) partial += x * std::log(x / v) - x;
    }
    row_sum[i] = partial;
  }
  double total = 0.0;
  for (double v : row_sum) total += v;
  return total + W.colwise().sum().dot(Ht.colwise().sum());
}

/// The label term without lambda, over the labeled rows (Y one-hot):
/// Frobenius 0.5 sum ||y_i - w_i B||^2; KL sum [ sum_c (w_i B)_c - 1 - log (w_i B)_{c_i} ].
double label_term(const LabeledRows& lab, const DenseMatrix& W, const DenseMatrix& Bt, NmfLoss label_loss) {
  double total = 0.0;
  Eigen::RowVectorXd v(Bt.rows());
  for (size_t r = 0; r < lab.rows.size(); ++r) {
    v.noalias() = W.row(lab.rows[r]) * Bt.transpose();
    const std::int32_t c = lab.cls[r];
    if (label_loss == NmfLoss::Frobenius) {
      v[c] -= 1.0;
      total += 0.5 * v.squaredNorm();
    } else {
      total += v.sum() - 1.0 - std::log(std::max(v[c], kTiny));
    }
  }
  return total;
}

int automatic_sweeps(const SparseView& X, int k, Index rows) {
  // As NMF (Gillis & Glineur): inner sweeps pay while one sparse product costs
  // more than a sweep over the rows.
  const double rho = (2.0 * static_cast<double>(X.nnz()) * k + static_cast<double>(rows) * k) /
                     (static_cast<double>(rows) * k * k + 1.0);
  return static_cast<int>(std::clamp(1.0 + 0.5 * rho, 2.0, 10.0));
}

std::string shape(Index r, Index c) { return std::to_string(r) + " x " + std::to_string(c); }

}  // namespace

double ssnmf_default_lambda(const SparseView& X, const LabelEncoding& labels, NmfLoss loss, NmfLoss label_loss) {
  const double n_labeled = static_cast<double>(labels.n_labeled());
  require_argument(n_labeled > 0, "labels", "at least one labeled document", "none");
  double data_scale = 0.0;
  if (loss == NmfLoss::Frobenius) {
    data_scale = 0.5 * squared_frobenius_norm(X);
  } else {
    for (Index p = 0; p < X.nnz(); ++p) data_scale += X.data[p];
  }
  const double label_scale = label_loss == NmfLoss::Frobenius ? 0.5 * n_labeled : n_labeled;
  // An all-zero X leaves nothing to balance: weigh the labels as one unit.
  return data_scale > 0 ? data_scale / label_scale : 1.0;
}

std::pair<double, double> ssnmf_objective_terms(const SparseView& X, const LabelEncoding& labels,
                                                const DenseMatrix& W, const DenseMatrix& H, const DenseMatrix& B,
                                                NmfLoss loss, NmfLoss label_loss, int threads) {
  require_argument(labels.n_documents() == X.rows, "labels", "one per row of X (" + std::to_string(X.rows) + ")",
                   std::to_string(labels.n_documents()));
  require_argument(W.rows() == X.rows && H.cols() == X.cols && W.cols() == H.rows() && B.rows() == W.cols() &&
                       B.cols() == labels.n_classes(),
                   "W, H, B shapes", "n x k, k x m, k x classes", shape(W.rows(), W.cols()) + ", " +
                       shape(H.rows(), H.cols()) + ", " + shape(B.rows(), B.cols()));
  const LabeledRows lab = split_rows(labels);
  const DenseMatrix Bt = B.transpose();
  return {nmf_loss(X, W, H, loss, threads), label_term(lab, W, Bt, label_loss)};
}

DenseMatrix ssnmf_scores(const DenseMatrix& W, const DenseMatrix& B) {
  DenseMatrix S = W * B;
  for (Index i = 0; i < S.rows(); ++i) {
    const double total = S.row(i).sum();
    if (total > 0) S.row(i) /= total;
    else S.row(i).setConstant(1.0 / static_cast<double>(std::max<Index>(S.cols(), 1)));
  }
  return S;
}

std::vector<std::int32_t> ssnmf_predict(const DenseMatrix& W, const DenseMatrix& B, std::int32_t fallback) {
  const DenseMatrix S = W * B;
  std::vector<std::int32_t> out(static_cast<size_t>(S.rows()), fallback);
  for (Index i = 0; i < S.rows(); ++i) {
    Index best = 0;
    for (Index c = 1; c < S.cols(); ++c)
      if (S(i, c) > S(i, best)) best = c;
    if (S.cols() > 0 && S(i, best) > 0) out[static_cast<size_t>(i)] = static_cast<std::int32_t>(best);
  }
  return out;
}

namespace {

/// One factorization at fixed k and lambda (o.k >= 1, o.lambda > 0 or automatic
/// balance): W, H, B_fit, the objective and history. No classification.
SsnmfResult fit_factorization(const SparseView& X, const LabelEncoding& labels, const SsnmfOptions& o,
                              const DenseMatrix* W0, const DenseMatrix* H0, const DenseMatrix* B0) {
  // ------------------------------------------------------------ checks --
  const Index limit = std::min(X.rows, X.cols);
  require_argument(X.rows > 0 && X.cols > 0, "X", "a non-empty matrix", shape(X.rows, X.cols));
  require_argument(o.k >= 1 && o.k <= limit, "k", "in [1, min(rows, cols)] = [1, " + std::to_string(limit) + "]",
                   std::to_string(o.k));
  require_argument(o.max_iter >= 0, "max_iter", ">= 0", std::to_string(o.max_iter));
  require_argument(o.tol >= 0, "tol", ">= 0", std::to_string(o.tol));
  require_argument(o.lambda >= 0 && std::isfinite(o.lambda), "lambda", ">= 0 and finite (0 = automatic)",
                   std::to_string(o.lambda));
  require_argument(o.inner_sweeps >= 0, "inner_sweeps", ">= 0 (0 = automatic)", std::to_string(o.inner_sweeps));
  require_argument(o.loss != NmfLoss::Beta && o.label_loss != NmfLoss::Beta, "loss", "frobenius or kl for SSNMF",
                   "beta");
  const bool data_kl = o.loss == NmfLoss::KullbackLeibler;
  const bool label_kl = o.label_loss == NmfLoss::KullbackLeibler;
  require_argument(!(o.solver == NmfSolver::Bpp && (data_kl || label_kl)), "solver",
                   "hals or mu when a loss is kl (bpp is Frobenius only)", "bpp");
  require_argument(labels.n_documents() == X.rows, "labels",
                   "one entry per document (" + std::to_string(X.rows) + ")", std::to_string(labels.n_documents()));
  const Index c = labels.n_classes();
  for (std::int32_t code : labels.codes)
    require_argument(code >= -1 && code < c, "label codes", "in [-1, " + std::to_string(c) + ")",
                     std::to_string(code));
  require_argument(labels.n_labeled() > 0, "labels", "at least one labeled document", "none labeled");
  require_nonnegative_finite(X, "<matrix>");

  const int threads = resolve_threads(o.threads);
  const int k = o.k;
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  const LabeledRows lab = split_rows(labels);
  const Index n_labeled = static_cast<Index>(lab.rows.size());

  SsnmfResult res;
  res.lambda = o.lambda > 0 ? o.lambda : ssnmf_default_lambda(X, labels, o.loss, o.label_loss);
  const double lambda = res.lambda;
  // Multiplicative updates cannot move an exact zero, and a KL term needs
  // positive products: those runs start from a positive point.
  const bool positive_start = o.solver == NmfSolver::Mu || data_kl || label_kl;

  // ---------------------------------------------------- initialization --
  DenseMatrix& W = res.W;
  DenseMatrix Ht, Bt;  // H^T (m x k) and B^T (c x k): every update is then a row kernel
  if (o.init == NmfInit::Custom) {
    require_argument(W0 && H0 && B0, "W0, H0 and B0", "given for init == custom", "missing");
    require_argument(W0->rows() == X.rows && W0->cols() == k, "W0 shape", shape(X.rows, k),
                     shape(W0->rows(), W0->cols()));
    require_argument(H0->rows() == k && H0->cols() == X.cols, "H0 shape", shape(k, X.cols),
                     shape(H0->rows(), H0->cols()));
    require_argument(B0->rows() == k && B0->cols() == c, "B0 shape", shape(k, c), shape(B0->rows(), B0->cols()));
    for (const DenseMatrix* F : {W0, H0, B0})
      require_argument(F->allFinite() && F->minCoeff() >= 0, "W0, H0 and B0", "finite and nonnegative",
                       "other values");
    W = *W0;
    Ht = H0->transpose();
    Bt = B0->transpose();
  } else {
    // The unsupervised NMF initialization (no iterations), then B fitted to it.
    NmfOptions init;
    init.k = k;
    init.init = o.init;
    init.solver = positive_start ? NmfSolver::Mu : NmfSolver::Hals;
    init.max_iter = 0;
    init.seed = o.seed;
    init.threads = threads;
    NmfResult start_point = nmf(X, init);
    W = std::move(start_point.W);
    Ht = start_point.H.transpose();
  }

  // Y_L^T (c x n_labeled, a 1 at (class, labeled row)) for KL coordinate descent on B.
  SparseMatrix Yt;
  if (label_kl) {
    std::vector<Triplet> t;
    for (Index r = 0; r < n_labeled; ++r) t.push_back({lab.cls[r], static_cast<ColIndex>(r), 1.0});
    Yt = csr_from_triplets(c, n_labeled, std::move(t));
  }
  // X^T (nnz(X) * 12 bytes) for KL coordinate descent on H.
  SparseMatrix Xt_storage;
  if (data_kl && o.solver == NmfSolver::Hals) Xt_storage = transpose(X);
  const SparseView Xt = Xt_storage.view();

  const int sweeps_W = o.inner_sweeps > 0 ? o.inner_sweeps : automatic_sweeps(X, k, X.rows);
  const int sweeps_H = o.inner_sweeps > 0 ? o.inner_sweeps : automatic_sweeps(X, k, X.cols);
  const bool early_stop = o.inner_sweeps == 0;

  DenseMatrix WL;  // the labeled rows of W
  DenseMatrix G, R;
  // Frobenius label term, exact: min_B ||Y_L - W_L B||^2 with Gram W_L^T W_L
  // and right-hand side Y_L^T W_L (per class, the sum of its documents' codes).
  auto fit_B_frobenius = [&] {
    gather_rows(W, lab.rows, WL);
    gram(WL, G, threads);
    R.setZero(c, k);
    for (Index r = 0; r < n_labeled; ++r) R.row(lab.cls[r]) += WL.row(r);
    nnls_bpp(Bt, R, G, 0.0, 0.0, threads);
  };
  // B-update: with W fixed, B^T's rows solve the label term alone (lambda cancels).
  auto update_B = [&](bool exact) {
    if (!label_kl && exact) return fit_B_frobenius();
    gather_rows(W, lab.rows, WL);
    if (!label_kl) {
      gram(WL, G, threads);
      R.setZero(c, k);
      for (Index r = 0; r < n_labeled; ++r) R.row(lab.cls[r]) += WL.row(r);
      mu_rows(Bt, R, G, 0.0, 0.0, threads);
      return;
    }
    const Eigen::RowVectorXd colsum = WL.colwise().sum();
    if (o.solver != NmfSolver::Mu) {
      kl_cd_rows(Yt.view(), Bt, WL, colsum, 3, 0.0, 0.0, threads);
      return;
    }
    // KL multiplicative update: B^T <- B^T .* ((Y_L ./ W_L B)^T W_L) ./ (1 colsum(W_L)).
    R.setZero(c, k);
    for (Index r = 0; r < n_labeled; ++r) {
      const std::int32_t cl = lab.cls[r];
      R.row(cl) += WL.row(r) / std::max(WL.row(r).dot(Bt.row(cl)), kTiny);
    }
    for (Index cl = 0; cl < c; ++cl)
      for (Index t = 0; t < k; ++t) Bt(cl, t) = colsum[t] > 0 ? Bt(cl, t) * R(cl, t) / colsum[t] : 0.0;
  };
  if (o.init != NmfInit::Custom) {
    Bt.setZero(c, k);
    fit_B_frobenius();
    if (positive_start) Bt = Bt.cwiseMax(1e-10 * std::max(Bt.maxCoeff(), 0.0) + 1e-12);
  }

  // ------------------------------------------------------------ loss --
  const double nx2 = squared_frobenius_norm(X);
  DenseMatrix HtH, WtW, XHt, XtW;
  std::vector<double> ratio;  // X ./ (W H) at the nonzeros (KL data term), kept current with W and H
  double data_loss = 0.0;
  auto data_loss_from_scratch = [&] {
    if (data_kl) return kl_data_ratio(X, W, Ht, ratio, threads);
    spmm_transpose(X, W, XtW, threads);
    gram(W, WtW, threads);
    gram(Ht, HtH, threads);
    return 0.5 * std::max(nx2 - 2.0 * frobenius_inner(XtW, Ht) + frobenius_inner(WtW, HtH), 0.0);
  };
  auto relative = [&](double frobenius_loss) {
    return nx2 > 0 ? std::sqrt(std::max(2.0 * frobenius_loss, 0.0) / nx2) : 0.0;
  };
  data_loss = data_loss_from_scratch();
  double label_loss = label_term(lab, W, Bt, o.label_loss);
  auto record = [&](long long it) {
    const double rel = data_kl ? std::numeric_limits<double>::quiet_NaN() : relative(data_loss);
    res.history.push_back(HistoryEntry{it, elapsed(), data_loss + lambda * label_loss, rel});
  };
  record(0);

  // ------------------------------------------------------------ loop --
  DenseMatrix Wg, Rg, N, D;
  res.status = NmfStatus::MaxIterations;
  for (int it = 1; it <= o.max_iter; ++it) {
    // W-update.
    if (!data_kl && !label_kl && o.solver != NmfSolver::Mu) {
      // Two NNLS row groups: labeled rows see H H^T + lambda B B^T and
      // x_i H^T + lambda B^T's row of their class; unlabeled rows the data part only.
      // H H^T is the one the objective was computed with (H has not moved since).
      spmm(X, Ht, XHt, threads);
      const DenseMatrix BBt = Bt.transpose() * Bt;
      G = HtH + lambda * BBt;
      gather_rows(W, lab.rows, Wg);
      gather_rows(XHt, lab.rows, Rg);
      for (Index r = 0; r < n_labeled; ++r) Rg.row(r) += lambda * Bt.row(lab.cls[r]);
      if (o.solver == NmfSolver::Bpp) nnls_bpp(Wg, Rg, G, 0.0, 0.0, threads);
      else hals_rows(Wg, Rg, G, sweeps_W, early_stop, 0.0, 0.0, threads);
      scatter_rows(Wg, lab.rows, W);
      if (!lab.unlabeled.empty()) {
        gather_rows(W, lab.unlabeled, Wg);
        gather_rows(XHt, lab.unlabeled, Rg);
        if (o.solver == NmfSolver::Bpp) nnls_bpp(Wg, Rg, HtH, 0.0, 0.0, threads);
        else hals_rows(Wg, Rg, HtH, sweeps_W, early_stop, 0.0, 0.0, threads);
        scatter_rows(Wg, lab.unlabeled, W);
      }
    } else {
      // Multiplicative update of the mixed objective (Lee et al. 2010; Haddock
      // et al. 2020): W <- W .* N ./ D with N and D the negative and positive
      // parts of the gradient, data part plus lambda times the label part.
      if (data_kl) {
        const SparseView Rx{X.rows, X.cols, X.indptr, X.indices, ratio.data()};
        spmm(Rx, Ht, N, threads);                                   // (X ./ WH) H^T
        D = Ht.colwise().sum().replicate(X.rows, 1);                // 1 H^T
      } else {
        gram(Ht, HtH, threads);
        spmm(X, Ht, N, threads);                                    // X H^T
        D.noalias() = W * HtH;                                      // W H H^T
      }
      const Eigen::RowVectorXd b_rowsum = Bt.colwise().sum();       // (B 1)^T
      const int t_lab = threads_for(threads, static_cast<double>(n_labeled) * k * c * 2);
#pragma omp parallel for num_threads(t_lab) schedule(static)
      for (Index r = 0; r < n_labeled; ++r) {
        const Index i = lab.rows[r];
        const auto b = Bt.row(lab.cls[r]);
        if (label_kl) {
          N.row(i) += lambda * b / std::max(W.row(i).dot(b), kTiny);
          D.row(i) += lambda * b_rowsum;
        } else {
          N.row(i) += lambda * b;
          D.row(i) += lambda * (W.row(i) * Bt.transpose()) * Bt;     // (w_i B) B^T
        }
      }
      const int t_all = threads_for(threads, static_cast<double>(W.size()) * 2);
#pragma omp parallel for num_threads(t_all) schedule(static)
      for (Index i = 0; i < W.rows(); ++i)
        for (Index t = 0; t < k; ++t) W(i, t) = D(i, t) > 0 ? W(i, t) * N(i, t) / D(i, t) : 0.0;
    }

    // H-update: the data term alone.
    if (!data_kl) {
      gram(W, WtW, threads);
      spmm_transpose(X, W, XtW, threads);
      if (o.solver == NmfSolver::Hals) hals_rows(Ht, XtW, WtW, sweeps_H, early_stop, 0.0, 0.0, threads);
      else if (o.solver == NmfSolver::Mu) mu_rows(Ht, XtW, WtW, 0.0, 0.0, threads);
      else nnls_bpp(Ht, XtW, WtW, 0.0, 0.0, threads);
    } else if (o.solver == NmfSolver::Mu) {
      kl_data_ratio(X, W, Ht, ratio, threads);
      const SparseView Rx{X.rows, X.cols, X.indptr, X.indices, ratio.data()};
      spmm_transpose(Rx, W, N, threads);                            // (X ./ WH)^T W
      const Eigen::RowVectorXd colsum = W.colwise().sum();
      const int t_all = threads_for(threads, static_cast<double>(Ht.size()) * 2);
#pragma omp parallel for num_threads(t_all) schedule(static)
      for (Index j = 0; j < Ht.rows(); ++j)
        for (Index t = 0; t < k; ++t) Ht(j, t) = colsum[t] > 0 ? Ht(j, t) * N(j, t) / colsum[t] : 0.0;
    } else {
      kl_cd_rows(Xt, Ht, W, W.colwise().sum(), 1, 0.0, 0.0, threads);
    }

    // B-update: the label term alone.
    update_B(o.solver != NmfSolver::Mu);

    // The objective, from products at hand where possible.
    if (data_kl) {
      data_loss = kl_data_ratio(X, W, Ht, ratio, threads);  // its ratios serve the next W-update
    } else {
      // ||X - WH||^2 = ||X||^2 - 2 <X^T W, H^T> + <W^T W, H H^T>; X^T W and W^T W are the H-update's.
      gram(Ht, HtH, threads);
      data_loss = 0.5 * std::max(nx2 - 2.0 * frobenius_inner(XtW, Ht) + frobenius_inner(WtW, HtH), 0.0);
    }
    label_loss = label_term(lab, W, Bt, o.label_loss);
    const double previous = res.history.back().loss;
    record(it);
    const double loss = res.history.back().loss;
    res.iterations = it;
    if (!report_iteration(o.progress, "ssnmf", it, o.max_iter, loss, elapsed())) {
      res.status = NmfStatus::Interrupted;
      break;
    }
    if (o.tol > 0 && std::abs(previous - loss) <= o.tol * std::max(previous, kTiny)) {
      res.status = NmfStatus::Converged;
      break;
    }
  }

  // ---------------------------------------------------------- results --
  res.H = Ht.transpose();
  res.B_fit = Bt.transpose();
  res.k = k;
  res.data_loss = data_loss;
  res.label_loss = label_loss;
  res.loss = data_loss + lambda * label_loss;
  res.relative_error = nmf_relative_error(X, W, res.H, threads);
  if (data_kl) res.history.back().relative_error = res.relative_error;
  res.seconds = elapsed();
  return res;
}

/// B for the label term alone with the codes fixed: rows of B^T solve
/// min D_label(Y_L, C_L B) over B >= 0, C_L the labeled rows of `codes`.
/// Frobenius: exact NNLS (Gram C_L^T C_L, right-hand side Y_L^T C_L);
/// KL: coordinate descent from the Frobenius solution (kept positive).
DenseMatrix fit_label_map(const DenseMatrix& codes, const LabeledRows& lab, Index c, NmfLoss label_loss,
                          int threads) {
  const Index k = codes.cols();
  const Index n_labeled = static_cast<Index>(lab.rows.size());
  DenseMatrix CL, G, R, Bt = DenseMatrix::Zero(c, k);
  gather_rows(codes, lab.rows, CL);
  gram(CL, G, threads);
  R.setZero(c, k);
  for (Index r = 0; r < n_labeled; ++r) R.row(lab.cls[r]) += CL.row(r);
  nnls_bpp(Bt, R, G, 0.0, 0.0, threads);
  if (label_loss == NmfLoss::KullbackLeibler) {
    std::vector<Triplet> t;
    for (Index r = 0; r < n_labeled; ++r) t.push_back({lab.cls[r], static_cast<ColIndex>(r), 1.0});
    const SparseMatrix Yt = csr_from_triplets(c, n_labeled, std::move(t));
    Bt = Bt.cwiseMax(1e-10 * std::max(Bt.maxCoeff(), 0.0) + 1e-12);
    kl_cd_rows(Yt.view(), Bt, CL, CL.colwise().sum(), 100, 0.0, 0.0, threads);
  }
  return Bt.transpose();
}

/// Sets B, predicted and training_accuracy of a fitted factorization
/// (SsnmfClassifier): FoldIn classifies every document from its fold-in
/// codes with B refit on the labeled ones; Joint from the fitted W and B_fit.
/// `scores`, when given, receives every document's class scores (ssnmf_scores
/// of the codes the rule classifies).
void classify(const SparseView& X, const LabelEncoding& labels, const SsnmfOptions& o, int threads,
              SsnmfResult& res, DenseMatrix* scores = nullptr) {
  const LabeledRows lab = split_rows(labels);
  const Index c = labels.n_classes();
  std::vector<Index> count(static_cast<size_t>(c), 0);
  for (std::int32_t cl : lab.cls) ++count[static_cast<size_t>(cl)];
  const auto majority = static_cast<std::int32_t>(std::max_element(count.begin(), count.end()) - count.begin());
  if (o.classifier == SsnmfClassifier::Joint) {
    res.B = res.B_fit;
    res.predicted = ssnmf_predict(res.W, res.B, majority);
    if (scores) *scores = ssnmf_scores(res.W, res.B);
  } else {
    NmfOptions fold;
    fold.k = res.k;
    fold.loss = o.loss;
    fold.max_iter = std::max(o.max_iter, 1);
    fold.threads = threads;
    const DenseMatrix codes = nmf_transform(X, res.H, fold);
    res.B = fit_label_map(codes, lab, c, o.label_loss, threads);
    res.predicted = ssnmf_predict(codes, res.B, majority);
    if (scores) *scores = ssnmf_scores(codes, res.B);
  }
  Index correct = 0;
  for (size_t r = 0; r < lab.rows.size(); ++r) correct += res.predicted[static_cast<size_t>(lab.rows[r])] == lab.cls[r];
  res.training_accuracy = lab.rows.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(lab.rows.size());
}

}  // namespace

SsnmfClassifier parse_ssnmf_classifier(const std::string& name) {
  if (name == "fold-in" || name == "foldin" || name == "fold_in") return SsnmfClassifier::FoldIn;
  if (name == "joint") return SsnmfClassifier::Joint;
  throw ArgumentError("classifier must be fold-in or joint, got '" + name + "'");
}

std::string to_string(SsnmfClassifier c) { return c == SsnmfClassifier::Joint ? "joint" : "fold-in"; }

std::vector<int> ssnmf_k_candidates(Index n_classes, Index rows, Index cols) {
  const Index cap = std::max<Index>(std::min(rows, cols) / 8, 1);
  std::vector<int> out;
  for (Index mult : {1, 4, 16}) {
    const Index k = std::clamp<Index>(std::max<Index>(n_classes, 1) * mult, std::min<Index>(2, cap), cap);
    // A clamped candidate within 1.5x of the previous one adds little: dropped.
    if (out.empty() || static_cast<double>(k) >= 1.5 * out.back()) out.push_back(static_cast<int>(k));
  }
  return out;
}

std::vector<Index> ssnmf_validation_split(const LabelEncoding& labels, double fraction, std::uint64_t seed) {
  require_argument(fraction >= 0 && fraction < 1, "validation", "in [0, 1)", std::to_string(fraction));
  std::vector<std::vector<Index>> by_class(static_cast<size_t>(labels.n_classes()));
  for (Index i = 0; i < labels.n_documents(); ++i) {
    const std::int32_t code = labels.codes[static_cast<size_t>(i)];
    if (code >= 0 && code < labels.n_classes()) by_class[static_cast<size_t>(code)].push_back(i);
  }
  Random rng(seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<Index> hidden;
  for (auto& docs : by_class) {
    rng.shuffle(docs);
    const auto count = static_cast<Index>(docs.size());
    const Index h = std::min<Index>(static_cast<Index>(std::llround(fraction * static_cast<double>(count))),
                                    std::max<Index>(count - 1, 0));
    hidden.insert(hidden.end(), docs.begin(), docs.begin() + h);
  }
  std::sort(hidden.begin(), hidden.end());
  return hidden;
}

std::vector<std::int32_t> ssnmf_cv_folds(const LabelEncoding& labels, int folds, std::uint64_t seed) {
  require_argument(folds >= 2, "folds", ">= 2", std::to_string(folds));
  std::vector<std::vector<Index>> by_class(static_cast<size_t>(labels.n_classes()));
  std::vector<std::int32_t> fold(static_cast<size_t>(labels.n_documents()), -1);
  for (Index i = 0; i < labels.n_documents(); ++i) {
    const std::int32_t code = labels.codes[static_cast<size_t>(i)];
    if (code >= 0 && code < labels.n_classes()) by_class[static_cast<size_t>(code)].push_back(i);
  }
  // Each class shuffled, then dealt round-robin with one counter running over
  // all classes: a class's documents spread over the folds (counts differing
  // by at most one), and so do the folds' sizes.
  Random rng(seed ^ 0x9e3779b97f4a7c15ULL);
  Index counter = 0;
  for (auto& docs : by_class) {
    rng.shuffle(docs);
    for (Index i : docs) fold[static_cast<size_t>(i)] = static_cast<std::int32_t>(counter++ % folds);
  }
  return fold;
}

SsnmfResult ssnmf(const SparseView& X, const LabelEncoding& labels, const SsnmfOptions& o, const DenseMatrix* W0,
                  const DenseMatrix* H0, const DenseMatrix* B0) {
  const Index limit = std::min(X.rows, X.cols);
  require_argument(X.rows > 0 && X.cols > 0, "X", "a non-empty matrix", shape(X.rows, X.cols));
  require_argument(o.k >= 0 && o.k <= limit, "k", "in [1, min(rows, cols)] = [1, " + std::to_string(limit) +
                   "], or 0 = automatic", std::to_string(o.k));
  require_argument(o.lambda >= 0 && std::isfinite(o.lambda), "lambda", ">= 0 and finite (0 = automatic)",
                   std::to_string(o.lambda));
  require_argument(o.validation >= 0 && o.validation < 1, "validation", "in [0, 1)", std::to_string(o.validation));
  require_argument(o.folds >= 1, "folds", ">= 1 (1 = one validation split)", std::to_string(o.folds));
  require_argument(labels.n_documents() == X.rows, "labels",
                   "one entry per document (" + std::to_string(X.rows) + ")", std::to_string(labels.n_documents()));
  require_argument(labels.n_labeled() > 0, "labels", "at least one labeled document", "none labeled");
  for (double m : o.lambda_multiples)
    require_argument(m > 0 && std::isfinite(m), "lambda_multiples", "> 0 and finite", std::to_string(m));
  for (int k : o.k_candidates)
    require_argument(k >= 1 && k <= limit, "k_candidates", "in [1, min(rows, cols)] = [1, " +
                     std::to_string(limit) + "]", std::to_string(k));
  require_argument(!(o.init == NmfInit::Custom && o.k == 0), "k", "given (>= 1) with init == custom", "0");
  const int threads = resolve_threads(o.threads);
  const auto start = Clock::now();

  const std::vector<int> ks = o.k > 0 ? std::vector<int>{o.k}
                              : !o.k_candidates.empty() ? o.k_candidates
                                                        : ssnmf_k_candidates(labels.n_classes(), X.rows, X.cols);
  const std::vector<double> multiples =
      o.lambda > 0 ? std::vector<double>{0.0}  // unused: the given lambda
                   : !o.lambda_multiples.empty() ? o.lambda_multiples : std::vector<double>{0.1, 1.0, 10.0};
  auto lambda_for = [&](const LabelEncoding& seen, double multiple) {
    return o.lambda > 0 ? o.lambda : multiple * ssnmf_default_lambda(X, seen, o.loss, o.label_loss);
  };

  int best_k = ks[std::min<size_t>(1, ks.size() - 1)];
  double best_multiple = multiples[multiples.size() / 2];
  double validation_accuracy = std::numeric_limits<double>::quiet_NaN();
  std::vector<SsnmfCandidate> selection;
  // The validation splits: each hides some labeled documents from one fit.
  // Cross-validation needs two labeled documents (a fold's fit keeps one).
  std::vector<std::vector<Index>> splits;
  if (o.validation > 0 && o.folds >= 2 && labels.n_labeled() >= 2) {
    const std::vector<std::int32_t> fold = ssnmf_cv_folds(labels, o.folds, o.seed);
    splits.resize(static_cast<size_t>(o.folds));
    for (Index i = 0; i < X.rows; ++i)
      if (fold[static_cast<size_t>(i)] >= 0) splits[static_cast<size_t>(fold[static_cast<size_t>(i)])].push_back(i);
    splits.erase(std::remove_if(splits.begin(), splits.end(), [](const auto& h) { return h.empty(); }), splits.end());
  } else if (o.validation > 0 && o.folds == 1) {
    std::vector<Index> hidden = ssnmf_validation_split(labels, o.validation, o.seed);
    if (!hidden.empty()) splits.push_back(std::move(hidden));
  }
  Index scored = 0;
  for (const auto& h : splits) scored += static_cast<Index>(h.size());
  if (!splits.empty()) {
    const double balance_all = ssnmf_default_lambda(X, labels, o.loss, o.label_loss);
    const SsnmfCandidate* best = nullptr;
    selection.reserve(ks.size() * multiples.size());
    for (int k : ks) {
      for (double multiple : multiples) {
        SsnmfCandidate cand;
        cand.k = k;
        cand.lambda = lambda_for(labels, multiple);
        cand.lambda_multiple = cand.lambda / balance_all;
        Index correct = 0;
        double log_loss = 0.0;
        for (const std::vector<Index>& hidden : splits) {
          LabelEncoding seen = labels;
          for (Index i : hidden) seen.codes[static_cast<size_t>(i)] = -1;
          SsnmfOptions f = o;
          f.k = k;
          f.lambda = lambda_for(seen, multiple);
          SsnmfResult r = fit_factorization(X, seen, f, W0, H0, B0);
          DenseMatrix scores;
          classify(X, seen, f, threads, r, &scores);
          Index fold_correct = 0;
          for (Index i : hidden) {
            const std::int32_t truth = labels.codes[static_cast<size_t>(i)];
            fold_correct += r.predicted[static_cast<size_t>(i)] == truth;
            log_loss -= std::log(std::max(scores(i, truth), kSsnmfMinScore));
          }
          correct += fold_correct;
          cand.fold_accuracy.push_back(static_cast<double>(fold_correct) / static_cast<double>(hidden.size()));
          cand.iterations += r.iterations;
          cand.seconds += r.seconds;
          if (r.status == NmfStatus::Interrupted) {  // the caller asked to stop: return what there is
            cand.accuracy = cand.fold_accuracy.back();
            selection.push_back(std::move(cand));
            r.selection = std::move(selection);
            r.validation_documents = static_cast<Index>(hidden.size());
            r.validation_accuracy = r.selection.back().accuracy;
            r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
            return r;
          }
        }
        cand.accuracy = static_cast<double>(correct) / static_cast<double>(scored);
        cand.log_loss = log_loss / static_cast<double>(scored);
        selection.push_back(std::move(cand));
      }
    }
    // The best accuracy; among equal accuracies the smaller log-loss, then the
    // first candidate (in order of k, then lambda).
    for (const SsnmfCandidate& cand : selection)
      if (!best || cand.accuracy > best->accuracy ||
          (cand.accuracy == best->accuracy && cand.log_loss < best->log_loss))
        best = &cand;
    best_k = best->k;
    best_multiple = multiples[static_cast<size_t>(best - selection.data()) % multiples.size()];
    validation_accuracy = best->accuracy;
  }

  SsnmfOptions f = o;
  f.k = best_k;
  f.lambda = lambda_for(labels, best_multiple);
  SsnmfResult res = fit_factorization(X, labels, f, W0, H0, B0);
  classify(X, labels, f, threads, res);
  res.validation_accuracy = validation_accuracy;
  res.validation_documents = scored;
  res.selection = std::move(selection);
  res.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return res;
}

}  // namespace strata
