#include "strata/linalg/nnls.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "strata/parallel/threads.hpp"
#include "vec8.hpp"

namespace strata {

namespace {

/// HALS on eight rows at once, one per lane of a Vec8, so a coordinate's
/// update is vector arithmetic on all eight (and each row of G is loaded once
/// for all). The gradients g_r = G f_r - b_r arrive precomputed and are kept
/// up to date by blocks of 8 coordinates: within a block, coordinate j's
/// gradient entry takes the moves of the block's earlier coordinates (added
/// as each is made); after the block, all of g takes them in one pass
/// (g += G[:, block] delta). Updating all of g after every coordinate would
/// store each row's k entries k times a sweep, and those stores, not the
/// arithmetic, would bound the sweep.
/// G is k x k in a zero-padded row-major array of leading dimension `ldg`
/// (k rounded up to 8), and the rows of g have ldg entries, the padding zero:
/// the pass over g is whole vectors, no scalar tail. A lane whose f and g are
/// all zero stays zero (its moves are max(0, -l1 / G_tt) = 0), so fewer than
/// eight rows fill the other lanes with such a row.
/// `inv_denom[t]` is 1 / (G_tt + l2), or 0 for a dead component (G's row and
/// column zero: its weight changes nothing but the penalty, so it is zero).
void hals_group8(double* const* f, double* const* g, const double* G, Index k, Index ldg, const double* inv_denom,
                 int max_sweeps, bool early_stop, double l1, double l2) {
  using detail::Vec8;
  using Mask8 = long long __attribute__((vector_size(64)));
  constexpr Index kBlock = 8;
  const Vec8 zero = {};
  Mask8 active = zero == zero;  // all lanes
  Vec8 first_change = zero;
  for (int s = 0; s < max_sweeps; ++s) {
    Vec8 change = zero;
    for (Index t0 = 0; t0 < k; t0 += kBlock) {
      const Index b = std::min(kBlock, k - t0);
      // The block's tile, transposed: ft[j], gt[j] hold coordinate t0 + j of the eight rows.
      alignas(64) double tile_f[kBlock][8], tile_g[kBlock][8], delta[kBlock][8];
      for (int r = 0; r < 8; ++r)
        for (Index j = 0; j < b; ++j) tile_f[j][r] = f[r][t0 + j], tile_g[j][r] = g[r][t0 + j];
      Vec8 ft[kBlock], gt[kBlock];
      for (Index j = 0; j < b; ++j) ft[j] = detail::load8(tile_f[j]), gt[j] = detail::load8(tile_g[j]);
      Vec8 moved = zero;
      for (Index j = 0; j < b; ++j) {
        const Index t = t0 + j;
        const double inv = inv_denom[t];
        Vec8 dj = zero;
        if (inv == 0.0) {
          ft[j] = active ? zero : ft[j];
        } else {
          Vec8 next = ft[j] - (gt[j] + l1 + l2 * ft[j]) * inv;
          next = next > zero ? next : zero;
          next = active ? next : ft[j];
          dj = next - ft[j];
          ft[j] = next;
          change += dj * dj;
          moved += dj * dj;
          const double* Gt = G + t * ldg + t0;  // G(t, t0 + i) = G(t0 + i, t)
          for (Index i = j + 1; i < b; ++i) gt[i] += Gt[i] * dj;
        }
        detail::store8(delta[j], dj);
      }
      for (Index j = 0; j < b; ++j) detail::store8(tile_f[j], ft[j]);
      for (int r = 0; r < 8; ++r)
        for (Index j = 0; j < b; ++j) f[r][t0 + j] = tile_f[j][r];
      bool any = false;
      for (int r = 0; r < 8; ++r) any |= moved[r] != 0.0;
      if (!any) continue;  // common: coordinates pinned at zero in sparse factors
      // g_r += sum_j delta_jr G(t0 + j, :).
      const double* Gb = G + t0 * ldg;
      for (Index u = 0; u < ldg; u += 8) {
        Vec8 acc[8];
        for (int r = 0; r < 8; ++r) acc[r] = detail::load8(g[r] + u);
        for (Index j = 0; j < b; ++j) {
          const Vec8 Gju = detail::load8(Gb + j * ldg + u);
          for (int r = 0; r < 8; ++r) acc[r] += delta[j][r] * Gju;
        }
        for (int r = 0; r < 8; ++r) detail::store8(g[r] + u, acc[r]);
      }
    }
    if (!early_stop) continue;
    // A row stops once a sweep moves it by less than 1% of its first sweep.
    if (s == 0) first_change = change;
    else active = active & (change > 1e-4 * first_change);
    bool any = false;
    for (int r = 0; r < 8; ++r) any |= active[r] != 0;
    if (!any) break;
  }
}

/// Multiplicative update of one row; `d` is k doubles of scratch.
void mu_row(double* f, const double* b, const DenseMatrix& G, double l1, double l2, double* d) {
  constexpr double kTiny = 1e-300;  // keeps 0/0 at 0 (an entry at zero stays at zero)
  const Index k = G.rows();
  for (Index t = 0; t < k; ++t) {
    const double* g = G.row(t).data();
    double gf = 0.0;
    for (Index u = 0; u < k; ++u) gf += g[u] * f[u];
    d[t] = gf + l1 + l2 * f[t];
  }
  for (Index t = 0; t < k; ++t) f[t] = f[t] * std::max(b[t], 0.0) / std::max(d[t], kTiny);
}

}  // namespace

double hals_rows(DenseRef F, const ConstDenseRef& B, const DenseMatrix& G, int max_sweeps, bool early_stop,
                 double l1, double l2, int threads) {
  const Index k = F.cols(), n = F.rows();
  threads = threads_for(threads, static_cast<double>(n) * k * k * (1 + max_sweeps));
  std::vector<double> inv_denom(static_cast<size_t>(k));
  for (Index t = 0; t < k; ++t) inv_denom[t] = G(t, t) + l2 > 0.0 ? 1.0 / (G(t, t) + l2) : 0.0;
  // Rows go in chunks: the chunk's gradients G f - b are one small GEMM
  // instead of a matrix-vector product per row.
  constexpr Index kChunk = 64;
  constexpr int kGroup = 8;
  const Index chunks = (n + kChunk - 1) / kChunk;
  // G and the gradients padded with zeros to a multiple of 8 columns, for hals_group8.
  const Index ldg = (k + 7) / 8 * 8;
  DenseMatrix G_padded = DenseMatrix::Zero(ldg, ldg);
  G_padded.topLeftCorner(k, k) = G;
  std::vector<double> f_dot_g(static_cast<size_t>(chunks), 0.0);  // per chunk: added in order below
#pragma omp parallel num_threads(threads)
  {
    DenseMatrix grad_padded = DenseMatrix::Zero(kChunk, ldg);
    std::vector<double> idle_f(static_cast<size_t>(k), 0.0), idle_g(static_cast<size_t>(ldg), 0.0);
#pragma omp for schedule(dynamic, 4)
    for (Index c = 0; c < chunks; ++c) {
      const Index i0 = c * kChunk, rows = std::min(kChunk, n - i0);
      auto g = grad_padded.topLeftCorner(rows, k);
      g.noalias() = F.middleRows(i0, rows) * G;  // G symmetric: F G = (G F^T)^T
      g -= B.middleRows(i0, rows);
      for (Index r = 0; r < rows; r += kGroup) {
        double* f[kGroup];
        double* gr[kGroup];
        for (int q = 0; q < kGroup; ++q) {
          const bool real = r + q < rows;
          f[q] = real ? F.row(i0 + r + q).data() : idle_f.data();
          gr[q] = real ? g.row(r + q).data() : idle_g.data();
        }
        hals_group8(f, gr, G_padded.data(), k, ldg, inv_denom.data(), max_sweeps, early_stop, l1, l2);
      }
      f_dot_g[static_cast<size_t>(c)] = (F.middleRows(i0, rows).array() * g.array()).sum();
    }
  }
  return std::accumulate(f_dot_g.begin(), f_dot_g.end(), 0.0);
}

void mu_rows(DenseRef F, const ConstDenseRef& B, const DenseMatrix& G, double l1, double l2, int threads) {
  const Index k = F.cols();
  threads = threads_for(threads, static_cast<double>(F.rows()) * k * k);
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> d(static_cast<size_t>(k));
#pragma omp for schedule(dynamic, 256)
    for (Index i = 0; i < F.rows(); ++i) mu_row(F.row(i).data(), B.row(i).data(), G, l1, l2, d.data());
  }
}

namespace {

constexpr int kMaxPivotIterations = 1000;

/// State of one right-hand side in block principal pivoting.
struct PivotState {
  int alpha = 3;   // full exchanges left before falling back to single exchanges
  int beta = 0;    // smallest infeasible count seen
};

/// Solves G_PP x_P = r_P for the passive set P (x zero elsewhere); `chol` is
/// the factorization of G_PP.
template <class Chol>
void solve_passive(const Chol& chol, const std::vector<Index>& P, const double* r, double* x, Index k) {
  Eigen::VectorXd rp(static_cast<Index>(P.size()));
  for (size_t a = 0; a < P.size(); ++a) rp[a] = r[P[a]];
  const Eigen::VectorXd xp = chol.solve(rp);
  std::fill(x, x + k, 0.0);
  for (size_t a = 0; a < P.size(); ++a) x[P[a]] = xp[a];
}

/// One pivoting step (Kim & Park 2011, Algorithm 1 with the backup rule).
/// Returns true when x is feasible (optimal).
bool pivot(const DenseMatrix& G, const double* r, const double* x, std::vector<char>& passive, PivotState& st) {
  const Index k = G.rows();
  double xmax = 0.0, rmax = 0.0;
  for (Index t = 0; t < k; ++t) {
    xmax = std::max(xmax, std::abs(x[t]));
    rmax = std::max(rmax, std::abs(r[t]));
  }
  const double tol_x = 1e-12 * xmax, tol_y = 1e-12 * (rmax + 1e-300);
  int infeasible = 0;
  Index last = -1;
  std::vector<char> flip(static_cast<size_t>(k), 0);
  for (Index t = 0; t < k; ++t) {
    bool bad;
    if (passive[t]) {
      bad = x[t] < -tol_x;
    } else {
      double y = -r[t];
      const double* g = G.row(t).data();
      for (Index u = 0; u < k; ++u) y += g[u] * x[u];
      bad = y < -tol_y;
    }
    if (bad) {
      flip[t] = 1;
      ++infeasible;
      last = t;
    }
  }
  if (infeasible == 0) return true;
  if (st.beta == 0 || infeasible < st.beta) {
    st.beta = infeasible;
    st.alpha = 3;
    for (Index t = 0; t < k; ++t) if (flip[t]) passive[t] = !passive[t];
  } else if (st.alpha > 0) {
    --st.alpha;
    for (Index t = 0; t < k; ++t) if (flip[t]) passive[t] = !passive[t];
  } else {
    passive[last] = !passive[last];  // backup rule: exchange only the largest index
  }
  return false;
}

/// Cholesky of G_PP with a tiny ridge when G_PP is singular (dead components).
Eigen::LLT<Eigen::MatrixXd> factor_passive(const DenseMatrix& G, const std::vector<Index>& P) {
  const Index p = static_cast<Index>(P.size());
  Eigen::MatrixXd Gp(p, p);
  for (Index a = 0; a < p; ++a)
    for (Index c = 0; c < p; ++c) Gp(a, c) = G(P[a], P[c]);
  Eigen::LLT<Eigen::MatrixXd> chol(Gp);
  if (chol.info() != Eigen::Success) {
    const double ridge = 1e-12 * std::max(Gp.diagonal().cwiseAbs().maxCoeff(), 1e-300);
    Gp.diagonal().array() += ridge;
    chol.compute(Gp);
  }
  return chol;
}

std::vector<Index> passive_indices(const std::vector<char>& passive) {
  std::vector<Index> P;
  for (size_t t = 0; t < passive.size(); ++t)
    if (passive[t]) P.push_back(static_cast<Index>(t));
  return P;
}

DenseMatrix regularized_gram(const DenseMatrix& G, double l2) {
  DenseMatrix Gr = G;
  if (l2 != 0.0) Gr.diagonal().array() += l2;
  return Gr;
}

}  // namespace

bool nnls_bpp_row(double* f, const double* b, const DenseMatrix& G, double l1, double l2) {
  const Index k = G.rows();
  const DenseMatrix Gr = regularized_gram(G, l2);
  std::vector<double> r(b, b + k);
  for (auto& v : r) v -= l1;
  std::vector<char> passive(static_cast<size_t>(k));
  for (Index t = 0; t < k; ++t) passive[t] = f[t] > 0.0;
  PivotState st;
  for (int it = 0; it < kMaxPivotIterations; ++it) {
    const auto P = passive_indices(passive);
    if (P.empty()) std::fill(f, f + k, 0.0);
    else solve_passive(factor_passive(Gr, P), P, r.data(), f, k);
    if (pivot(Gr, r.data(), f, passive, st)) {
      for (Index t = 0; t < k; ++t) f[t] = std::max(f[t], 0.0);
      return true;
    }
  }
  for (Index t = 0; t < k; ++t) f[t] = std::max(f[t], 0.0);
  return false;
}

namespace {

/// Block principal pivoting on every row; the final passive sets are left in
/// `passive` (what the supports variant reports).
Index bpp_all_rows(DenseRef F, const ConstDenseRef& B, const DenseMatrix& G, double l1, double l2, int threads,
                   std::vector<std::vector<char>>& passive) {
  const Index n = F.rows(), k = F.cols();
  const DenseMatrix Gr = regularized_gram(G, l2);
  DenseMatrix R = B;
  if (l1 != 0.0) R.array() -= l1;
  passive.assign(static_cast<size_t>(n), std::vector<char>(static_cast<size_t>(k)));
  std::vector<PivotState> state(static_cast<size_t>(n));
  for (Index i = 0; i < n; ++i)
    for (Index t = 0; t < k; ++t) passive[i][t] = F(i, t) > 0.0;
  std::vector<Index> active(static_cast<size_t>(n));
  std::iota(active.begin(), active.end(), 0);
  for (int it = 0; it < kMaxPivotIterations && !active.empty(); ++it) {
    // Rows sharing a passive set share one factorization.
    std::sort(active.begin(), active.end(), [&](Index a, Index c) {
      return passive[a] != passive[c] ? passive[a] < passive[c] : a < c;
    });
    std::vector<size_t> group_start;
    for (size_t g = 0; g < active.size(); ++g)
      if (g == 0 || passive[active[g]] != passive[active[g - 1]]) group_start.push_back(g);
    group_start.push_back(active.size());
    std::vector<char> done(active.size(), 0);
    const auto groups = static_cast<Index>(group_start.size()) - 1;
    const int nt = threads_for(threads, static_cast<double>(active.size()) * k * k * 4);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (Index g = 0; g < groups; ++g) {
      const auto P = passive_indices(passive[active[group_start[g]]]);
      Eigen::LLT<Eigen::MatrixXd> chol;
      if (!P.empty()) chol = factor_passive(Gr, P);
      for (size_t a = group_start[g]; a < group_start[g + 1]; ++a) {
        const Index i = active[a];
        double* x = F.row(i).data();
        if (P.empty()) std::fill(x, x + k, 0.0);
        else solve_passive(chol, P, R.row(i).data(), x, k);
        done[a] = pivot(Gr, R.row(i).data(), x, passive[i], state[i]);
      }
    }
    std::vector<Index> still;
    for (size_t a = 0; a < active.size(); ++a)
      if (!done[a]) still.push_back(active[a]);
    active.swap(still);
  }
  F = F.cwiseMax(0.0);
  return static_cast<Index>(active.size());
}

}  // namespace

Index nnls_bpp(DenseRef F, const ConstDenseRef& B, const DenseMatrix& G, double l1, double l2, int threads) {
  std::vector<std::vector<char>> passive;
  return bpp_all_rows(F, B, G, l1, l2, threads, passive);
}

Index nnls_bpp(DenseRef F, const ConstDenseRef& B, const DenseMatrix& G, double l1, double l2, int threads,
               NnlsSupports& supports) {
  std::vector<std::vector<char>> passive;
  const Index capped = bpp_all_rows(F, B, G, l1, l2, threads, passive);
  // Number the distinct passive sets in order of first appearance (deterministic).
  const Index n = F.rows();
  std::vector<Index> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index c) { return passive[a] < passive[c]; });
  supports.row_set.assign(static_cast<size_t>(n), -1);
  supports.sets.clear();
  std::vector<std::int32_t> group_of(static_cast<size_t>(n));
  std::int32_t groups = 0;
  for (size_t a = 0; a < order.size(); ++a) {
    if (a > 0 && passive[order[a]] != passive[order[a - 1]]) ++groups;
    group_of[order[a]] = groups;
  }
  std::vector<std::int32_t> renumber(static_cast<size_t>(n > 0 ? groups + 1 : 0), -1);
  for (Index i = 0; i < n; ++i) {
    std::int32_t& id = renumber[group_of[i]];
    if (id < 0) {
      id = static_cast<std::int32_t>(supports.sets.size());
      supports.sets.push_back(passive_indices(passive[i]));
    }
    supports.row_set[i] = id;
  }
  return capped;
}

void solve_on_supports(const DenseMatrix& G, const NnlsSupports& supports, const DenseMatrix& R, DenseMatrix& Z,
                       int threads) {
  const Index n = R.rows(), k = R.cols();
  Z.setZero(n, k);
  // Rows grouped by set: one factorization per set, its rows solved together.
  std::vector<std::vector<Index>> members(supports.sets.size());
  for (Index i = 0; i < n; ++i) members[static_cast<size_t>(supports.row_set[i])].push_back(i);
  const auto groups = static_cast<Index>(members.size());
  const int nt = threads_for(threads, static_cast<double>(n) * k * k * 2 + static_cast<double>(groups) * k * k * k);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
  for (Index g = 0; g < groups; ++g) {
    const auto& P = supports.sets[static_cast<size_t>(g)];
    if (P.empty() || members[g].empty()) continue;
    const auto chol = factor_passive(G, P);
    for (Index i : members[g]) solve_passive(chol, P, R.row(i).data(), Z.row(i).data(), k);
  }
}

}  // namespace strata

namespace strata {

void kl_cd_rows(const SparseView& X, DenseMatrix& F, const DenseMatrix& O, const Eigen::RowVectorXd& colsum,
                int sweeps, double l1, double l2, int threads) {
  const Index k = F.cols();
  constexpr double kTiny = 1e-300;
  threads = threads_for(threads, 3.0 * static_cast<double>(X.nnz()) * k * sweeps);
#pragma omp parallel num_threads(threads)
  {
    // Per row: v = (F O^T) at the row's nonzeros, and O's rows gathered once
    // into Ot (k x nnz, coordinate-major) so every pass below is a contiguous,
    // vectorizable loop over the nonzeros.
    std::vector<double> v, Ot;
#pragma omp for schedule(dynamic, 64)
    for (Index i = 0; i < X.rows; ++i) {
      const Index begin = X.indptr[i], nnz = X.indptr[i + 1] - begin;
      double* f = F.row(i).data();
      if (nnz == 0) {  // no data: the penalized objective is minimized at 0
        std::fill(f, f + k, 0.0);
        continue;
      }
      const ColIndex* cols = X.indices + begin;
      const double* x = X.data + begin;
      v.assign(static_cast<size_t>(nnz), 0.0);
      Ot.resize(static_cast<size_t>(nnz * k));
      auto compute_v = [&] {
        std::fill(v.begin(), v.end(), 0.0);
        for (Index p = 0; p < nnz; ++p) {
          const double* o = O.row(cols[p]).data();
          for (Index t = 0; t < k; ++t) {
            Ot[t * nnz + p] = o[t];
            v[p] += f[t] * o[t];
          }
        }
      };
      compute_v();
      // (F O^T)_ij = 0 where x_ij > 0 (a row started, or left, at zero):
      // the divergence is infinite there and Newton's step, with an infinite
      // curvature, is 0, so the row would stay dead for good. Revive it at a
      // small positive point, ~1e-10 of the scale that fits the row's sum.
      bool dead = false;
      for (Index p = 0; p < nnz; ++p) dead |= x[p] > 0.0 && !(v[p] > 0.0);
      if (dead) {
        double x_sum = 0.0, o_sum = 0.0;
        for (Index p = 0; p < nnz; ++p) x_sum += x[p];
        for (Index t = 0; t < k; ++t) o_sum += colsum[t];
        const double floor = 1e-10 * x_sum / std::max(o_sum, kTiny);
        for (Index t = 0; t < k; ++t) f[t] = std::max(f[t], floor);
        compute_v();
      }
      // Change of the row objective along coordinate t for a step d (+inf if
      // the step would make some (F O^T)_ij with x_ij > 0 vanish).
      auto change = [&](const double* h, double ft, double base, double d) {
        double c = base * d + 0.5 * l2 * ((ft + d) * (ft + d) - ft * ft);
        for (Index p = 0; p < nnz; ++p) {
          if (h[p] == 0.0 || x[p] == 0.0) continue;
          const double ratio = 1.0 + d * h[p] / std::max(v[p], kTiny);
          // A step that removes (to rounding) all of (F O^T)_ij where x_ij > 0
          // is refused: the tracked v can stay a rounding error above the
          // true 0, which would let the last support of a data point go.
          if (ratio <= 1e-12) return std::numeric_limits<double>::infinity();
          c -= x[p] * std::log(ratio);
        }
        return c;
      };
      for (int s = 0; s < sweeps; ++s) {
        for (Index t = 0; t < k; ++t) {
          const double* h = Ot.data() + t * nnz;
          const double base = colsum[t] + l1;
          double g = base + l2 * f[t], hess = l2;
#pragma omp simd reduction(- : g) reduction(+ : hess)
          for (Index p = 0; p < nnz; ++p) {
            const double inv = 1.0 / std::max(v[p], kTiny);
            const double q = x[p] * h[p] * inv;
            g -= q;
            hess += q * h[p] * inv;
          }
          if (hess <= 0.0) continue;
          double delta = std::max(-f[t], -g / hess);
          if (delta == 0.0) continue;
          if (delta < 0.0) {
            // Moving down, the Newton step can overshoot (the curvature grows
            // that way): halve it until the objective does not increase. Steps up
            // never overshoot, as the curvature only falls that way.
            int halvings = 0;
            while (change(h, f[t], base, delta) > 0.0 && ++halvings < 40) delta *= 0.5;
            if (halvings == 40) continue;
          }
          f[t] += delta;
#pragma omp simd
          for (Index p = 0; p < nnz; ++p) v[p] += delta * h[p];
        }
      }
    }
  }
}

}  // namespace strata
