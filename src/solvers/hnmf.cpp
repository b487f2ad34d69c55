#include "strata/solvers/hnmf.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "strata/core/error.hpp"
#include "strata/linalg/nnls.hpp"
#include "strata/linalg/spmm.hpp"
#include "strata/parallel/threads.hpp"
#include "strata/solvers/nmf.hpp"

namespace strata {

// ---------------------------------------------------------------- names --

HnmfMethod parse_hnmf_method(const std::string& name) {
  if (name == "sequential") return HnmfMethod::Sequential;
  if (name == "deep") return HnmfMethod::Deep;
  if (name == "neural") return HnmfMethod::Neural;
  throw ArgumentError("method must be one of sequential, deep, neural (got '" + name + "')");
}
HnmfLoss parse_hnmf_loss(const std::string& name) {
  if (name == "energy") return HnmfLoss::Energy;
  if (name == "reconstruction") return HnmfLoss::Reconstruction;
  throw ArgumentError("loss must be one of energy, reconstruction (got '" + name + "')");
}
HnmfOptimizer parse_hnmf_optimizer(const std::string& name) {
  if (name == "pgd") return HnmfOptimizer::Pgd;
  if (name == "adam") return HnmfOptimizer::Adam;
  throw ArgumentError("optimizer must be one of pgd, adam (got '" + name + "')");
}
std::string to_string(HnmfMethod m) {
  switch (m) {
    case HnmfMethod::Sequential: return "sequential";
    case HnmfMethod::Deep: return "deep";
    case HnmfMethod::Neural: return "neural";
  }
  return "?";
}
std::string to_string(HnmfLoss l) { return l == HnmfLoss::Energy ? "energy" : "reconstruction"; }
std::string to_string(HnmfOptimizer o) { return o == HnmfOptimizer::Pgd ? "pgd" : "adam"; }
std::string to_string(HnmfStatus s) {
  switch (s) {
    case HnmfStatus::Converged: return "converged";
    case HnmfStatus::MaxEpochs: return "max_epochs";
    case HnmfStatus::Interrupted: return "interrupted";
  }
  return "?";
}

SelectionCoefficients parse_selection_coefficients(const std::string& name) {
  if (name == "proportions") return SelectionCoefficients::Proportions;
  if (name == "raw") return SelectionCoefficients::Raw;
  throw ArgumentError("selection coefficients must be one of proportions, raw (got '" + name + "')");
}
std::string to_string(SelectionCoefficients c) {
  return c == SelectionCoefficients::Proportions ? "proportions" : "raw";
}
std::string to_string(HnmfSelectionStop s) {
  switch (s) {
    case HnmfSelectionStop::MaxLayers: return "max_layers";
    case HnmfSelectionStop::MinRank: return "min_rank";
    case HnmfSelectionStop::BelowThreshold: return "below_threshold";
    case HnmfSelectionStop::Interrupted: return "interrupted";
  }
  return "?";
}

namespace {

using Clock = std::chrono::steady_clock;

/// The NMF of layer l in the sequential fit (and in the rank selection, which
/// must see the same coefficients the fit will use).
NmfOptions layer_nmf_options(const HnmfOptions& o, size_t l, int k, int threads) {
  NmfOptions no;
  no.k = k;
  no.solver = NmfSolver::Hals;
  no.init = NmfInit::Nndsvda;
  no.max_iter = o.layer_iter;
  no.tol = o.tol;
  no.seed = o.seed + l;
  no.threads = threads;
  return no;
}

double inner(const DenseMatrix& A, const DenseMatrix& B) { return (A.array() * B.array()).sum(); }

/// F F^T for a factor F (k x cols): the Gram of q(., F).
DenseMatrix outer_gram(const DenseMatrix& F, int threads) {
  const DenseMatrix Ft = F.transpose();
  DenseMatrix G;
  gram(Ft, G, threads);
  return G;
}

/// X^T A transposed: A^T X (k x m) for sparse X.
DenseMatrix at_x(const SparseView& X, const DenseMatrix& A, int threads) {
  DenseMatrix XtA;
  spmm_transpose(X, A, XtA, threads);
  return XtA.transpose();
}

/// A dense coefficient matrix as CSR (exact zeros dropped), the input of the
/// next layer's NMF.
SparseMatrix to_csr(const DenseMatrix& D) {
  std::vector<Triplet> t;
  for (Index i = 0; i < D.rows(); ++i)
    for (Index j = 0; j < D.cols(); ++j)
      if (D(i, j) != 0.0) t.push_back({i, static_cast<ColIndex>(j), D(i, j)});
  return csr_from_triplets(D.rows(), D.cols(), std::move(t));
}

/// The supervised term's data: one-hot Y (n x classes, zero rows when
/// unlabeled) and the labeled rows.
struct Supervision {
  DenseMatrix Y;
  std::vector<Index> labeled, unlabeled;
  double lambda = 0.0;
};

Supervision make_supervision(const LabelEncoding& labels, double lambda) {
  Supervision s;
  s.Y.setZero(labels.n_documents(), labels.n_classes());
  for (Index i = 0; i < labels.n_documents(); ++i) {
    if (labels.codes[i] >= 0) {
      s.Y(i, labels.codes[i]) = 1.0;
      s.labeled.push_back(i);
    } else {
      s.unlabeled.push_back(i);
    }
  }
  s.lambda = lambda;
  return s;
}

DenseMatrix take_rows(const DenseMatrix& A, const std::vector<Index>& rows) {
  DenseMatrix out(static_cast<Index>(rows.size()), A.cols());
  for (size_t a = 0; a < rows.size(); ++a) out.row(static_cast<Index>(a)) = A.row(rows[a]);
  return out;
}

void put_rows(DenseMatrix& A, const std::vector<Index>& rows, const DenseMatrix& part) {
  for (size_t a = 0; a < rows.size(); ++a) A.row(rows[a]) = part.row(static_cast<Index>(a));
}

/// 0.5 lambda ||L o (Y - W B)||^2.
double supervised_cost(const Supervision& s, const DenseMatrix& W, const DenseMatrix& B) {
  double c = 0.0;
  for (Index i : s.labeled) c += (s.Y.row(i) - W.row(i) * B).squaredNorm();
  return 0.5 * s.lambda * c;
}

/// B = argmin_{B >= 0} ||L o (Y - W B)||^2, exactly (one NNLS per class).
void update_classifier(const Supervision& s, const DenseMatrix& W, DenseMatrix& B, int threads) {
  const DenseMatrix Wl = take_rows(W, s.labeled), Yl = take_rows(s.Y, s.labeled);
  DenseMatrix G;
  gram(Wl, G, threads);
  const DenseMatrix rhs = (Wl.transpose() * Yl).transpose();  // classes x k
  DenseMatrix Bt = B.transpose();
  nnls_bpp(Bt, rhs, G, 0.0, 0.0, threads);
  B = Bt.transpose();
}

/// W = argmin_{W >= 0} 0.5||D - W F||^2 (+ the supervised term when `s` is
/// given), exactly per row; `DFt` = D F^T. Labeled and unlabeled rows have
/// different Grams, so they are solved as two batches.
void update_coefficients(DenseMatrix& W, const DenseMatrix& DFt, const DenseMatrix& F, const Supervision* s,
                         const DenseMatrix* B, int threads) {
  const DenseMatrix G = outer_gram(F, threads);
  if (s == nullptr) {
    nnls_bpp(W, DFt, G, 0.0, 0.0, threads);
    return;
  }
  DenseMatrix Wu = take_rows(W, s->unlabeled), Wl = take_rows(W, s->labeled);
  if (!s->unlabeled.empty()) nnls_bpp(Wu, take_rows(DFt, s->unlabeled), G, 0.0, 0.0, threads);
  const DenseMatrix Gl = G + s->lambda * (*B) * B->transpose();
  const DenseMatrix rhs = take_rows(DFt, s->labeled) + s->lambda * take_rows(s->Y, s->labeled) * B->transpose();
  nnls_bpp(Wl, rhs, Gl, 0.0, 0.0, threads);
  put_rows(W, s->unlabeled, Wu);
  put_rows(W, s->labeled, Wl);
}

/// One semi-supervised layer (the last of a supervised sequential fit):
/// alternating exact updates of W, F and B on 0.5||D - W F||^2 + the
/// supervised term, from the unsupervised layer fit.
void refine_supervised_layer(const SparseView& D, DenseMatrix& W, DenseMatrix& F, DenseMatrix& B,
                             const Supervision& s, int iterations, double tol, int threads) {
  update_classifier(s, W, B, threads);
  const double nd2 = squared_frobenius_norm(D);
  double previous = std::numeric_limits<double>::infinity();
  for (int it = 0; it < iterations; ++it) {
    DenseMatrix DFt;
    spmm(D, F.transpose(), DFt, threads);
    update_coefficients(W, DFt, F, &s, &B, threads);
    DenseMatrix G, Ft = F.transpose();
    gram(W, G, threads);
    DenseMatrix DtW;
    spmm_transpose(D, W, DtW, threads);
    nnls_bpp(Ft, DtW, G, 0.0, 0.0, threads);
    F = Ft.transpose();
    update_classifier(s, W, B, threads);
    const double cost = 0.5 * std::max(nd2 - 2.0 * inner(DtW, Ft) + inner(G, outer_gram(F, threads)), 0.0) +
                        supervised_cost(s, W, B);
    if (previous - cost <= tol * previous) break;
    previous = cost;
  }
}

/// T_l = M_l ... M_1 H_0 for every l (T_0 = H_0).
std::vector<DenseMatrix> topic_products(const std::vector<DenseMatrix>& F) {
  std::vector<DenseMatrix> T(F.size());
  T[0] = F[0];
  for (size_t l = 1; l < F.size(); ++l) T[l] = F[l] * T[l - 1];
  return T;
}

// ------------------------------------------------------- Neural NMF --

/// Everything the forward pass computes that the cost and the backward pass reuse.
struct NeuralState {
  std::vector<DenseMatrix> W;         // W_0 .. W_L
  std::vector<DenseMatrix> G;         // F_l F_l^T
  std::vector<DenseMatrix> rhs;       // D_l F_l^T (D_0 = X, D_l = W_{l-1})
  std::vector<NnlsSupports> supports; // per layer
  std::vector<DenseMatrix> T;         // topic products (reconstruction cost)
  double cost = 0.0;
};

/// Forward pass; `warm` (the previous state's W's, or null) seeds the supports.
void neural_forward(const SparseView& X, const std::vector<DenseMatrix>& F, const std::vector<DenseMatrix>* warm,
                    NeuralState& st, int threads) {
  const size_t layers = F.size();
  st.W.resize(layers);
  st.G.resize(layers);
  st.rhs.resize(layers);
  st.supports.resize(layers);
  for (size_t l = 0; l < layers; ++l) {
    st.G[l] = outer_gram(F[l], threads);
    if (l == 0) spmm(X, F[0].transpose(), st.rhs[0], threads);
    else st.rhs[l].noalias() = st.W[l - 1] * F[l].transpose();
    if (warm != nullptr && (*warm)[l].rows() == X.rows && (*warm)[l].cols() == F[l].rows()) st.W[l] = (*warm)[l];
    else st.W[l].setZero(X.rows, F[l].rows());
    nnls_bpp(st.W[l], st.rhs[l], st.G[l], 0.0, 0.0, threads, st.supports[l]);
  }
}

double neural_cost(const SparseView& X, double nx2, const std::vector<DenseMatrix>& F, const DenseMatrix* B,
                   const Supervision* s, HnmfLoss loss, NeuralState& st, int threads) {
  const size_t L = F.size() - 1;
  double cost = 0.0;
  DenseMatrix WtW;
  if (loss == HnmfLoss::Reconstruction) {
    st.T = topic_products(F);
    DenseMatrix XTt;
    spmm(X, st.T[L].transpose(), XTt, threads);
    gram(st.W[L], WtW, threads);
    cost = 0.5 * std::max(nx2 - 2.0 * inner(XTt, st.W[L]) + inner(WtW, outer_gram(st.T[L], threads)), 0.0);
  } else {
    for (size_t l = 0; l <= L; ++l) {
      gram(st.W[l], WtW, threads);
      // ||D - W F||^2 = ||D||^2 - 2 <D F^T, W> + <W^T W, F F^T>
      const double d2 = l == 0 ? nx2 : st.W[l - 1].squaredNorm();
      cost += 0.5 * std::max(d2 - 2.0 * inner(st.rhs[l], st.W[l]) + inner(WtW, st.G[l]), 0.0);
    }
  }
  if (s != nullptr) cost += supervised_cost(*s, st.W[L], *B);
  st.cost = cost;
  return cost;
}

/// Backpropagation: gradient of the cost with respect to F_0..F_L (and B).
std::vector<DenseMatrix> neural_backward(const SparseView& X, const std::vector<DenseMatrix>& F, const DenseMatrix* B,
                                         const Supervision* s, HnmfLoss loss, const NeuralState& st, int threads) {
  const size_t L = F.size() - 1;
  std::vector<DenseMatrix> dF(F.size());
  for (size_t l = 0; l <= L; ++l) dF[l].setZero(F[l].rows(), F[l].cols());
  const DenseMatrix& WL = st.W[L];
  DenseMatrix g;  // dC/dW_l, partial derivatives so far
  // Direct partials of the energy terms E_l = 0.5 ||D_l - W_l F_l||^2 on W_{l-1}.
  std::vector<DenseMatrix> energy_dprev(F.size());
  if (loss == HnmfLoss::Reconstruction) {
    DenseMatrix XTt, WtW;
    spmm(X, st.T[L].transpose(), XTt, threads);
    g = WL * outer_gram(st.T[L], threads) - XTt;
    gram(WL, WtW, threads);
    // dC/dT_L, then down the product T_L = M_L T_{L-1} to every factor.
    DenseMatrix gT = WtW * st.T[L] - at_x(X, WL, threads);
    for (size_t l = L; l >= 1; --l) {
      dF[l] += gT * st.T[l - 1].transpose();
      gT = F[l].transpose() * gT;
    }
    dF[0] += gT;
  } else {
    for (size_t l = 0; l <= L; ++l) {
      DenseMatrix WtW;
      gram(st.W[l], WtW, threads);
      const DenseMatrix WtD = l == 0 ? at_x(X, st.W[0], threads) : DenseMatrix(st.W[l].transpose() * st.W[l - 1]);
      dF[l] += WtW * F[l] - WtD;
      if (l >= 1) energy_dprev[l] = st.W[l - 1] - st.W[l] * F[l];
    }
    g = WL * st.G[L] - st.rhs[L];  // zero on the supports (optimality of q); kept for exactness
  }
  if (s != nullptr) {
    DenseMatrix residual = DenseMatrix::Zero(WL.rows(), B->cols());  // L o (W B - Y)
    for (Index i : s->labeled) residual.row(i) = WL.row(i) * (*B) - s->Y.row(i);
    g += s->lambda * residual * B->transpose();
    dF.push_back(s->lambda * WL.transpose() * residual);
  }
  for (size_t l = L + 1; l-- > 0;) {
    // Through q: Z = g restricted to the support times (F_P F_P^T)^{-1}, then
    // dC/dF = Z^T D - (W^T Z + Z^T W) F and dC/dD = Z F.
    DenseMatrix Z;
    solve_on_supports(st.G[l], st.supports[l], g, Z, threads);
    const DenseMatrix ZtD = l == 0 ? at_x(X, Z, threads) : DenseMatrix(Z.transpose() * st.W[l - 1]);
    const DenseMatrix WtZ = st.W[l].transpose() * Z;
    dF[l] += ZtD - (WtZ + WtZ.transpose()) * F[l];
    if (l == 0) break;
    g = Z * F[l];
    if (loss == HnmfLoss::Energy) {
      g += energy_dprev[l];
      // E_{l-1}'s direct partial on W_{l-1} (zero on its support, as above).
      g += st.W[l - 1] * st.G[l - 1] - st.rhs[l - 1];
    }
  }
  return dF;
}

// --------------------------------------------------------- checking --

void check_selection_options(const SparseView& X, const HnmfRankSelection& s) {
  const Index limit = std::min(X.rows, X.cols);
  require_argument(s.k_min >= 2 && s.k_min <= limit, "selection k_min",
                   "in [2, min(rows, cols)] = [2, " + std::to_string(limit) + "] (a silhouette needs two clusters)",
                   std::to_string(s.k_min));
  require_argument(s.k_max >= s.k_min, "selection k_max", ">= k_min = " + std::to_string(s.k_min),
                   std::to_string(s.k_max));
  require_argument(s.max_layers >= 1, "max_layers", ">= 1", std::to_string(s.max_layers));
  check_nmfk_selection(s.perturbations, s.epsilon, s.threshold, s.min_error_gain);
}

void check_options(const SparseView& X, const HnmfOptions& o) {
  require_argument(X.rows > 0 && X.cols > 0, "X", "a non-empty matrix",
                   std::to_string(X.rows) + " x " + std::to_string(X.cols));
  require_argument(!o.ranks.empty(), "ranks", "at least one rank", "none");
  const Index limit = std::min(X.rows, X.cols);
  for (size_t l = 0; l < o.ranks.size(); ++l) {
    const int k = o.ranks[l];
    const Index hi = l == 0 ? limit : o.ranks[l - 1];
    require_argument(k >= 1 && k <= hi, "ranks[" + std::to_string(l) + "]",
                     l == 0 ? "in [1, min(rows, cols)] = [1, " + std::to_string(limit) + "]"
                            : "in [1, ranks[" + std::to_string(l - 1) + "]] = [1, " + std::to_string(hi) + "]",
                     std::to_string(k));
  }
  require_argument(o.epochs >= 0, "epochs", ">= 0", std::to_string(o.epochs));
  require_argument(o.learning_rate > 0 && std::isfinite(o.learning_rate), "learning_rate", "> 0",
                   std::to_string(o.learning_rate));
  require_argument(o.layer_iter >= 1, "layer_iter", ">= 1", std::to_string(o.layer_iter));
  require_argument(o.tol >= 0, "tol", ">= 0", std::to_string(o.tol));
  require_argument(std::isfinite(o.lambda), "lambda", "finite (< 0 = automatic)", std::to_string(o.lambda));
  if (o.labels != nullptr) {
    require_argument(o.labels->n_documents() == X.rows, "labels", std::to_string(X.rows) + " entries (one per document)",
                     std::to_string(o.labels->n_documents()));
    require_argument(o.labels->n_classes() >= 2, "labels", "at least two classes",
                     std::to_string(o.labels->n_classes()));
    require_argument(o.labels->n_labeled() >= 1, "labels", "at least one labeled document", "none");
  }
  require_nonnegative_finite(X, "<matrix>");
}

}  // namespace

// ------------------------------------------------------------ public --

std::vector<DenseMatrix> hnmf_forward(const SparseView& X, const std::vector<DenseMatrix>& factors, int threads) {
  require_argument(!factors.empty() && factors[0].cols() == X.cols, "X columns",
                   "equal to H_0's (" + std::to_string(factors.empty() ? 0 : factors[0].cols()) + ")",
                   std::to_string(X.cols));
  require_nonnegative_finite(X, "<matrix>");
  NeuralState st;
  neural_forward(X, factors, nullptr, st, resolve_threads(threads));
  return st.W;
}

double neural_nmf_cost(const SparseView& X, const std::vector<DenseMatrix>& factors, const DenseMatrix* B,
                       const LabelEncoding* labels, double lambda, HnmfLoss loss, int threads,
                       std::vector<DenseMatrix>* gradient) {
  threads = resolve_threads(threads);
  Supervision s;
  if (labels != nullptr) s = make_supervision(*labels, lambda);
  const Supervision* sp = labels != nullptr ? &s : nullptr;
  NeuralState st;
  neural_forward(X, factors, nullptr, st, threads);
  const double cost = neural_cost(X, squared_frobenius_norm(X), factors, B, sp, loss, st, threads);
  if (gradient != nullptr) *gradient = neural_backward(X, factors, B, sp, loss, st, threads);
  return cost;
}

std::vector<std::int32_t> hnmf_predict(const DenseMatrix& W_last, const DenseMatrix& B) {
  const DenseMatrix scores = W_last * B;
  std::vector<std::int32_t> out(static_cast<size_t>(scores.rows()));
  for (Index i = 0; i < scores.rows(); ++i) {
    Index best = 0;
    scores.row(i).maxCoeff(&best);  // first maximum on ties
    out[i] = static_cast<std::int32_t>(best);
  }
  return out;
}

namespace {

/// The fit for explicit ranks (o.ranks); hierarchical_nmf below adds the selection.
HnmfResult fit_hierarchy(const SparseView& X, const HnmfOptions& o) {
  check_options(X, o);
  const int threads = resolve_threads(o.threads);
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  const size_t L = o.ranks.size() - 1;
  const double nx2 = squared_frobenius_norm(X);

  Supervision sup;
  const Supervision* sp = nullptr;
  HnmfResult res;
  if (o.labels != nullptr) {
    const double lambda = o.lambda >= 0 ? o.lambda : nx2 / static_cast<double>(o.labels->n_labeled());
    sup = make_supervision(*o.labels, lambda);
    sp = &sup;
    res.lambda = lambda;
  }

  // 1. Sequential fit: every method starts here.
  std::vector<DenseMatrix> F(L + 1), W(L + 1);
  std::vector<SparseMatrix> inputs(L + 1);  // CSR copies of W_0 .. W_{L-1}, the deeper layers' data
  for (size_t l = 0; l <= L; ++l) {
    const NmfOptions no = layer_nmf_options(o, l, o.ranks[l], threads);
    const SparseView D = l == 0 ? X : inputs[l - 1].view();
    NmfResult r = nmf(D, no);
    W[l] = std::move(r.W);
    F[l] = std::move(r.H);
    if (l < L) inputs[l] = to_csr(W[l]);
  }
  DenseMatrix B;
  if (sp != nullptr) {
    B.setZero(o.ranks[L], sup.Y.cols());
    const SparseView D = L == 0 ? X : inputs[L - 1].view();
    refine_supervised_layer(D, W[L], F[L], B, sup, o.layer_iter, o.tol, threads);
  }

  auto record = [&](int epoch, double cost) { res.history.push_back({epoch, elapsed(), cost, std::nan("")}); };
  auto report = [&](int epoch, double cost) { return report_iteration(o.progress, "hnmf", epoch, o.epochs, cost, elapsed()); };
  const double refine_tol = o.tol / 100.0;

  if (o.method == HnmfMethod::Sequential) {
    // Its cost: the energy sum_l 0.5||W_{l-1} - W_l M_l||^2 it minimizes greedily.
    double cost = 0.0;
    for (size_t l = 0; l <= L; ++l) {
      const SparseView D = l == 0 ? X : inputs[l - 1].view();
      cost += 0.5 * std::pow(nmf_relative_error(D, W[l], F[l], threads), 2) * squared_frobenius_norm(D);
    }
    if (sp != nullptr) cost += supervised_cost(sup, W[L], B);
    record(0, cost);
    res.loss = cost;
  } else if (o.method == HnmfMethod::Deep) {
    // Block coordinate descent on 0.5||X - W_L M_L ... M_1 H_0||^2 (+ labels):
    // W_L and H_0 exactly (NNLS), each M_l by projected gradient steps of
    // length 1 / Lipschitz, so the cost never increases.
    DenseMatrix& WL = W[L];
    auto deep_cost = [&] {
      const auto T = topic_products(F);
      DenseMatrix XTt, WtW;
      spmm(X, T[L].transpose(), XTt, threads);
      gram(WL, WtW, threads);
      double c = 0.5 * std::max(nx2 - 2.0 * inner(XTt, WL) + inner(WtW, outer_gram(T[L], threads)), 0.0);
      if (sp != nullptr) c += supervised_cost(sup, WL, B);
      return c;
    };
    double cost = deep_cost();
    record(0, cost);
    // A block update is kept only if it does not raise the cost: H_0's
    // subproblem is singular by construction (W_L M_L ... M_1 has rank
    // <= k_L < k_0), where an exact NNLS can lose accuracy.
    auto keep_if_better = [&](DenseMatrix& block, const DenseMatrix& before, double& current) {
      const double c = deep_cost();
      if (c <= current) current = c;
      else block = before;
    };
    for (int epoch = 1; epoch <= o.epochs; ++epoch) {
      const double previous = cost;
      {
        const DenseMatrix before = WL;
        const auto T = topic_products(F);
        DenseMatrix XTt;
        spmm(X, T[L].transpose(), XTt, threads);
        update_coefficients(WL, XTt, T[L], sp, &B, threads);
        keep_if_better(WL, before, cost);
      }
      // Left products P_l = W_L M_L ... M_{l+1} (n x k_l).
      for (size_t l = 0; l <= L; ++l) {
        const DenseMatrix before = F[l];
        DenseMatrix P = WL;
        for (size_t j = L; j > l; --j) P = P * F[j];
        if (l == 0) {
          DenseMatrix PtP, XtP, Ht = F[0].transpose();
          gram(P, PtP, threads);
          spmm_transpose(X, P, XtP, threads);
          // A relative ridge of 1e-9 keeps the singular Gram factorizable.
          nnls_bpp(Ht, XtP, PtP, 0.0, 1e-9 * std::max(PtP.diagonal().maxCoeff(), 1e-300), threads);
          F[0] = Ht.transpose();
          keep_if_better(F[0], before, cost);
          continue;
        }
        const auto T = topic_products(F);
        DenseMatrix PtP, XQt;
        gram(P, PtP, threads);
        spmm(X, T[l - 1].transpose(), XQt, threads);
        const DenseMatrix PtXQt = P.transpose() * XQt;
        const DenseMatrix QQt = outer_gram(T[l - 1], threads);
        const double lipschitz = PtP.selfadjointView<Eigen::Lower>().eigenvalues().maxCoeff() *
                                 QQt.selfadjointView<Eigen::Lower>().eigenvalues().maxCoeff();
        if (!(lipschitz > 0)) continue;
        for (int inner_step = 0; inner_step < 10; ++inner_step)
          F[l] = (F[l] - (PtP * F[l] * QQt - PtXQt) / lipschitz).cwiseMax(0.0);
        keep_if_better(F[l], before, cost);
      }
      if (sp != nullptr) {
        const DenseMatrix before = B;
        update_classifier(sup, WL, B, threads);
        keep_if_better(B, before, cost);
      }
      record(epoch, cost);
      res.epochs = epoch;
      if (!report(epoch, cost)) {
        res.status = HnmfStatus::Interrupted;
        break;
      }
      if (previous - cost <= refine_tol * previous) {
        res.status = HnmfStatus::Converged;
        break;
      }
    }
    for (size_t l = L; l-- > 0;) W[l] = W[l + 1] * F[l + 1];
    res.loss = cost;
  } else {
    // Neural NMF: the factors are the variables, the coefficients follow by q.
    std::vector<DenseMatrix> params = F;
    if (sp != nullptr) params.push_back(B);
    auto split = [&](const std::vector<DenseMatrix>& p) {
      return std::vector<DenseMatrix>(p.begin(), p.begin() + static_cast<long>(L + 1));
    };
    auto evaluate = [&](const std::vector<DenseMatrix>& p, const NeuralState* warm, NeuralState& st) {
      const auto f = split(p);
      neural_forward(X, f, warm != nullptr ? &warm->W : nullptr, st, threads);
      return neural_cost(X, nx2, f, sp != nullptr ? &p.back() : nullptr, sp, o.loss, st, threads);
    };
    NeuralState st;
    double cost = evaluate(params, nullptr, st);
    record(0, cost);
    double step = o.learning_rate;
    // Adam's moments and per-factor scales (the RMS entry of each factor at the start).
    std::vector<DenseMatrix> m1, m2;
    std::vector<double> scale;
    for (const auto& p : params) {
      m1.push_back(DenseMatrix::Zero(p.rows(), p.cols()));
      m2.push_back(DenseMatrix::Zero(p.rows(), p.cols()));
      const double rms = p.size() > 0 ? std::sqrt(p.squaredNorm() / static_cast<double>(p.size())) : 0.0;
      scale.push_back(rms > 0 ? rms : 1.0);
    }
    for (int epoch = 1; epoch <= o.epochs; ++epoch) {
      const auto f = split(params);
      const auto grad = neural_backward(X, f, sp != nullptr ? &params.back() : nullptr, sp, o.loss, st, threads);
      const double previous = cost;
      bool moved = true;
      if (o.optimizer == HnmfOptimizer::Pgd) {
        // Normalized projected gradient step with backtracking: each factor
        // moves by `step` times its norm; a step that raises the cost is halved.
        moved = false;
        for (int attempt = 0; attempt < 40 && !moved; ++attempt) {
          std::vector<DenseMatrix> trial = params;
          for (size_t b = 0; b < params.size(); ++b) {
            const double gn = grad[b].norm();
            if (gn == 0.0) continue;
            const double pn = params[b].norm();
            trial[b] = (params[b] - (step * (pn > 0 ? pn : 1.0) / gn) * grad[b]).cwiseMax(0.0);
          }
          NeuralState next;
          const double c = evaluate(trial, &st, next);
          if (c <= cost) {
            params = std::move(trial);
            st = std::move(next);
            cost = c;
            moved = true;
            step = std::min(step * 1.2, 1.0);
          } else {
            step *= 0.5;
          }
        }
      } else {
        constexpr double beta1 = 0.9, beta2 = 0.999;
        const double c1 = 1.0 - std::pow(beta1, epoch), c2 = 1.0 - std::pow(beta2, epoch);
        for (size_t b = 0; b < params.size(); ++b) {
          m1[b] = beta1 * m1[b] + (1 - beta1) * grad[b];
          m2[b] = beta2 * m2[b] + (1 - beta2) * grad[b].cwiseAbs2();
          const double eps = 1e-12 * std::sqrt(m2[b].maxCoeff() / c2) + 1e-300;
          const DenseMatrix direction =
              (m1[b].array() / c1) / ((m2[b].array() / c2).sqrt() + eps);
          params[b] = (params[b] - o.learning_rate * scale[b] * direction).cwiseMax(0.0);
        }
        NeuralState next;
        cost = evaluate(params, &st, next);
        st = std::move(next);
      }
      record(epoch, cost);
      res.epochs = epoch;
      if (!report(epoch, cost)) {
        res.status = HnmfStatus::Interrupted;
        break;
      }
      if (!moved || (o.optimizer == HnmfOptimizer::Pgd && previous - cost <= refine_tol * previous)) {
        res.status = HnmfStatus::Converged;
        break;
      }
    }
    F = split(params);
    if (sp != nullptr) B = params.back();
    W = st.W;
    res.loss = cost;
  }
  if (o.method == HnmfMethod::Sequential || o.epochs == 0) res.status = HnmfStatus::Converged;

  // Per-layer results.
  const auto T = topic_products(F);
  for (size_t l = 0; l <= L; ++l) {
    HnmfLayer layer;
    layer.rank = o.ranks[l];
    layer.W = W[l];
    layer.H = T[l];
    if (l > 0) layer.mixing = F[l];
    layer.relative_error = nmf_relative_error(X, W[l], T[l], threads);
    if (sp != nullptr) {
      DenseMatrix Bl = l == L ? B : DenseMatrix::Zero(o.ranks[l], sup.Y.cols());
      if (l < L) update_classifier(sup, W[l], Bl, threads);  // a nonnegative least-squares read-out
      const auto predicted = hnmf_predict(W[l], Bl);
      Index right = 0;
      for (Index i : sup.labeled) right += predicted[i] == o.labels->codes[i];
      layer.accuracy = static_cast<double>(right) / static_cast<double>(sup.labeled.size());
      if (l == L) res.predicted = predicted;
      layer.predicted = predicted;
    }
    res.layers.push_back(std::move(layer));
  }
  res.B = B;
  res.seconds = elapsed();
  return res;
}

}  // namespace

// ------------------------------------------------------- ranks auto --

HnmfRankSelectionResult select_hnmf_ranks(const SparseView& X, const HnmfOptions& o) {
  require_argument(X.rows > 0 && X.cols > 0, "X", "a non-empty matrix",
                   std::to_string(X.rows) + " x " + std::to_string(X.cols));
  const HnmfRankSelection& s = o.selection;
  check_selection_options(X, s);
  require_argument(o.layer_iter >= 1, "layer_iter", ">= 1", std::to_string(o.layer_iter));
  require_argument(o.tol >= 0, "tol", ">= 0", std::to_string(o.tol));
  require_nonnegative_finite(X, "<matrix>");
  const int threads = resolve_threads(o.threads);
  const auto start = Clock::now();
  auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };

  NmfkOptions nk;
  nk.k_min = s.k_min;
  nk.perturbations = s.perturbations;
  nk.epsilon = s.epsilon;
  nk.perturbation = s.perturbation;
  nk.init = s.init;
  nk.threshold = s.threshold;
  nk.mean_threshold = s.mean_threshold;
  nk.min_error_gain = s.min_error_gain;
  // The perturbed fits run to convergence, as strata rank's (converged_fits, docs/rank.md).
  nk.nmf.solver = NmfSolver::Hals;
  nk.nmf.max_iter = std::max(o.layer_iter, nk.nmf.max_iter);
  nk.nmf.tol = std::min(o.tol, nk.nmf.tol);
  nk.fit_model = false;  // only the curve is used; the layer is fit below as the hierarchy fits it
  nk.threads = threads;
  nk.progress = o.progress;

  HnmfRankSelectionResult res;
  DenseMatrix W;  // the last added layer's coefficients (sequential fit)
  for (int l = 0;; ++l) {
    if (l == s.max_layers) {
      res.stop = HnmfSelectionStop::MaxLayers;
      break;
    }
    if (l > 0 && res.ranks.back() <= s.k_min) {
      res.stop = HnmfSelectionStop::MinRank;
      break;
    }
    const auto layer_start = Clock::now();
    nk.seed = o.seed + static_cast<std::uint64_t>(l);
    HnmfLayerSelection sel;
    sel.layer = l;
    NmfkResult r;
    nk.criterion = l == 0 ? s.criterion : RankCriterion::MinSilhouette;  // see HnmfRankSelection::criterion
    if (l == 0) {
      nk.k_max = static_cast<int>(std::min<Index>(s.k_max, std::min(X.rows, X.cols)));
      r = nmfk(X, nk);
    } else {
      // Layer l clusters the documents' layer-(l-1) coefficients; as proportions
      // (rows summing to 1) a document's length no longer sets its weight.
      DenseMatrix A = W;
      if (s.coefficients == SelectionCoefficients::Proportions) {
        for (Index i = 0; i < A.rows(); ++i) {
          const double total = A.row(i).sum();
          if (total > 0) A.row(i) /= total;
        }
      }
      nk.k_max = res.ranks.back() - 1;
      r = nmfk_layer(A, nk);
    }
    sel.k_min = nk.k_min;
    sel.k_max = nk.k_max;
    sel.curve = r.curve;
    sel.selected_k = r.selected_k;
    sel.status = r.status;
    // Layer 0 is kept whatever the silhouettes (a hierarchy needs one layer).
    sel.added = r.selected_k > 0 && (l == 0 || r.status == NmfkStatus::Selected);
    sel.seconds = since(layer_start);
    res.layers.push_back(sel);
    if (sel.added) res.ranks.push_back(r.selected_k);
    if (r.status == NmfkStatus::Interrupted) {
      res.stop = HnmfSelectionStop::Interrupted;
      break;
    }
    if (!sel.added) {
      res.stop = HnmfSelectionStop::BelowThreshold;
      break;
    }
    // The coefficients the next selection sees: this layer as the sequential fit computes it.
    if (l + 1 < s.max_layers && r.selected_k > s.k_min) {
      SparseMatrix previous;
      if (l > 0) previous = to_csr(W);
      const NmfResult fit =
          nmf(l == 0 ? X : previous.view(), layer_nmf_options(o, static_cast<size_t>(l), r.selected_k, threads));
      W = fit.W;
    }
  }
  res.seconds = since(start);
  return res;
}

HnmfResult hierarchical_nmf(const SparseView& X, const HnmfOptions& o) {
  if (!o.auto_ranks) {
    HnmfResult res = fit_hierarchy(X, o);
    res.ranks = o.ranks;
    return res;
  }
  {
    // Everything but the ranks is checked before the (long) selection.
    HnmfOptions probe = o;
    probe.ranks = {1};
    check_options(X, probe);
  }
  const HnmfRankSelectionResult selection = select_hnmf_ranks(X, o);
  HnmfResult res;
  if (selection.stop == HnmfSelectionStop::Interrupted) {
    res.status = HnmfStatus::Interrupted;  // stopped while selecting: nothing is fit
  } else {
    HnmfOptions fit_options = o;
    fit_options.ranks = selection.ranks;
    fit_options.auto_ranks = false;
    res = fit_hierarchy(X, fit_options);
  }
  res.ranks = selection.ranks;
  res.rank_selection = selection.layers;
  res.selection_stop = selection.stop;
  res.seconds += selection.seconds;
  return res;
}

}  // namespace strata
