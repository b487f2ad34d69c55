#include "strata/nn/output_layer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <Eigen/QR>
#include <Eigen/SVD>

#include "strata/core/error.hpp"
#include "strata/core/random.hpp"
#include "strata/linalg/eigen_subset.hpp"
#include "strata/parallel/threads.hpp"
#include "random_rows.hpp"

namespace strata::nn {

OutputUpdate parse_output_update(const std::string& name) {
  if (name == "factored") return OutputUpdate::Factored;
  if (name == "naive") return OutputUpdate::Naive;
  throw ArgumentError("output-update must be factored or naive (got '" + name + "')");
}

std::string to_string(OutputUpdate update) { return update == OutputUpdate::Factored ? "factored" : "naive"; }

namespace {

// C = beta C + alpha A B with the rows of C (and of A) split among threads:
// each block is one Eigen product, so the threading is ours and the result is
// deterministic for a thread count.
template <class Out, class Lhs, class Rhs>
void gemm_rows(Out& C, const Lhs& A, const Rhs& B, typename Out::Scalar alpha, bool accumulate, int threads) {
  const Index rows = C.rows();
  const int t = static_cast<int>(std::max<Index>(
      1, std::min<Index>(rows / 16, threads_for(threads, double(A.rows()) * A.cols() * B.cols()))));
#pragma omp parallel for num_threads(t) schedule(static)
  for (int blk = 0; blk < t; ++blk) {
    const Index r0 = rows * blk / t, r1 = rows * (blk + 1) / t;
    auto Cb = C.middleRows(r0, r1 - r0);
    if (accumulate)
      Cb.noalias() += alpha * (A.middleRows(r0, r1 - r0) * B);
    else
      Cb.noalias() = alpha * (A.middleRows(r0, r1 - r0) * B);
  }
}

}  // namespace

template <class S>
void OutputLayer<S>::check_batch(const RowMatrix<S>& H, const CsrView<S>& Y) const {
  require_argument(H.cols() == d_, "H", "m x " + std::to_string(d_), std::to_string(H.rows()) + " x " +
                                                                       std::to_string(H.cols()));
  require_argument(Y.rows == H.rows() && Y.cols == D_, "Y",
                   std::to_string(H.rows()) + " x " + std::to_string(D_) + " (one row per example)",
                   std::to_string(Y.rows) + " x " + std::to_string(Y.cols));
  for (Index j = 0; j < Y.rows; ++j)
    for (Index p = Y.indptr[j] + 1; p < Y.indptr[j + 1]; ++p)
      if (Y.indices[p] <= Y.indices[p - 1])
        throw ArgumentError("Y: row " + std::to_string(j) + " must have distinct, sorted columns (column " +
                            std::to_string(Y.indices[p]) + " follows " + std::to_string(Y.indices[p - 1]) + ")");
}

// ---------------------------------------------------------------- naive

template <class S>
NaiveOutputLayer<S>::NaiveOutputLayer(const RowMatrix<S>& W0, const OutputLayerOptions& options)
    : OutputLayer<S>(W0.rows(), W0.cols(), options), W_(detail::large_copy(W0)) {}

template <class S>
OutputStepStats NaiveOutputLayer<S>::step(const RowMatrix<S>& H, const CsrView<S>& Y, S eta, RowMatrix<S>* grad_H) {
  this->check_batch(H, Y);
  const Index D = this->D_, d = this->d_, m = H.rows();
  if (Ot_.rows() != D || Ot_.cols() != m) Ot_.resize(D, m);
  const int t = static_cast<int>(
      std::max<Index>(1, std::min<Index>(D / 64, threads_for(this->options_.threads, double(D) * d * m))));
  // Pass 1: all D outputs of every example (one column each), with per-thread
  // partial sums of o_k^2 and o_k reduced afterwards in a fixed order.
  Eigen::MatrixXd q_part(t, m), s_part(t, m);
#pragma omp parallel for num_threads(t) schedule(static)
  for (int blk = 0; blk < t; ++blk) {
    const Index r0 = D * blk / t, r1 = D * (blk + 1) / t;
    auto Ob = Ot_.middleRows(r0, r1 - r0);
    Ob.noalias() = W_.middleRows(r0, r1 - r0) * H.transpose();
    q_part.row(blk) = Ob.template cast<double>().colwise().squaredNorm();
    s_part.row(blk) = Ob.template cast<double>().colwise().sum();
  }
  const Eigen::RowVectorXd q = q_part.colwise().sum(), s = s_part.colwise().sum();

  const Index nnz = Y.nnz();
  std::vector<S> o_t(nnz), c(nnz);
  Eigen::VectorXd a(m), b(m);
  OutputStepStats stats;
  for (Index j = 0; j < m; ++j) {
    const Index p0 = Y.indptr[j], K = Y.indptr[j + 1] - p0;
    for (Index p = p0; p < p0 + K; ++p) o_t[p] = Ot_(Y.indices[p], j);
    stats.loss += spherical_loss<S>(this->options_.loss, q(j), s(j), D, K, Y.data + p0, o_t.data() + p0,
                                    c.data() + p0, a(j), b(j));
  }
  if (grad_H == nullptr && eta == S(0)) return stats;

  // Pass 2: dL/do = a o + b 1 + c (dense, D x m), then dL/dH and the update.
  const ColVector<S> a_s = a.cast<S>(), b_s = b.cast<S>();
#pragma omp parallel for num_threads(t) schedule(static)
  for (int blk = 0; blk < t; ++blk) {
    const Index r0 = D * blk / t, r1 = D * (blk + 1) / t;
    auto Gb = Ot_.middleRows(r0, r1 - r0);
    Gb = Gb * a_s.asDiagonal();
    Gb.rowwise() += b_s.transpose();
  }
  for (Index j = 0; j < m; ++j)
    for (Index p = Y.indptr[j]; p < Y.indptr[j + 1]; ++p) Ot_(Y.indices[p], j) += c[p];
  std::vector<RowMatrix<S>> gh_part(t);
#pragma omp parallel for num_threads(t) schedule(static)
  for (int blk = 0; blk < t; ++blk) {
    const Index r0 = D * blk / t, r1 = D * (blk + 1) / t;
    const auto Gb = Ot_.middleRows(r0, r1 - r0);
    auto Wb = W_.middleRows(r0, r1 - r0);
    if (grad_H) gh_part[blk].noalias() = Gb.transpose() * Wb;
    if (eta != S(0)) Wb.noalias() -= eta * (Gb * H);
  }
  if (grad_H) {
    *grad_H = gh_part[0];
    for (int blk = 1; blk < t; ++blk) *grad_H += gh_part[blk];
  }
  return stats;
}

// ---------------------------------------------------------------- column groups

void ColumnGroups::build(const Index* indptr, const ColIndex* indices, Index rows) {
  const Index nnz = indptr[rows];
  row_of.resize(static_cast<std::size_t>(nnz));
  for (Index j = 0; j < rows; ++j)
    for (Index p = indptr[j]; p < indptr[j + 1]; ++p) row_of[p] = j;
  // Positions ordered by column, ties in position order: a stable LSD radix
  // sort on the column, 11 bits a pass (two passes below 2^22 columns; a
  // comparison sort of the minibatch cost more than the rest of the grouping).
  ColIndex max_col = 0;
  for (Index p = 0; p < nnz; ++p) max_col = std::max(max_col, indices[p]);
  pos.resize(static_cast<std::size_t>(nnz));
  scratch_.resize(static_cast<std::size_t>(nnz));
  for (Index p = 0; p < nnz; ++p) pos[p] = p;
  constexpr int kBits = 11;
  constexpr std::size_t kBuckets = std::size_t(1) << kBits;
  std::vector<Index> count(kBuckets);
  for (int shift = 0; shift == 0 || (max_col >> shift) > 0; shift += kBits) {
    std::fill(count.begin(), count.end(), 0);
    for (Index e = 0; e < nnz; ++e) ++count[(indices[pos[e]] >> shift) & (kBuckets - 1)];
    Index sum = 0;
    for (auto& c : count) {
      const Index here = c;
      c = sum;
      sum += here;
    }
    for (Index e = 0; e < nnz; ++e) scratch_[count[(indices[pos[e]] >> shift) & (kBuckets - 1)]++] = pos[e];
    pos.swap(scratch_);
  }
  cols.clear();
  start.clear();
  for (Index e = 0; e < nnz; ++e) {
    const ColIndex col = indices[pos[e]];
    if (cols.empty() || cols.back() != col) {
      cols.push_back(col);
      start.push_back(e);
    }
  }
  start.push_back(nnz);
}

// ---------------------------------------------------------------- factored

template <class S>
FactoredOutputLayer<S>::FactoredOutputLayer(const RowMatrix<S>& W0, const OutputLayerOptions& options)
    : OutputLayer<S>(W0.rows(), W0.cols(), options), V_(detail::large_copy(W0)) {
  const Index D = this->D_, d = this->d_;
  require_argument(options.stabilize_every >= 1, "stabilize_every", ">= 1", std::to_string(options.stabilize_every));
  require_argument(options.deferred_rank >= 0, "deferred_rank", ">= 0", std::to_string(options.deferred_rank));
  require_argument(options.singular_low > 0 && options.singular_low < 1 && options.singular_high > 1,
                   "singular_low, singular_high", "0 < low < 1 < high",
                   std::to_string(options.singular_low) + ", " + std::to_string(options.singular_high));
  row_version_.assign(static_cast<std::size_t>(D), 0);
  basis_.resize(0, d);
  basis_s_.resize(0, d);
  U_ = RowMatrix<double>::Identity(d, d);
  UinvT_ = RowMatrix<double>::Identity(d, d);
  omega_ = ColVector<double>::Zero(d);
  // Q = W0^T W0 and w_bar = W0^T 1 (in double) by blocks of rows summed in a fixed order.
  const int t = static_cast<int>(
      std::max<Index>(1, std::min<Index>(D / 64, threads_for(options.threads, double(D) * d * d))));
  std::vector<RowMatrix<double>> q_part(t);
  std::vector<ColVector<double>> w_part(t);
#pragma omp parallel for num_threads(t) schedule(static)
  for (int blk = 0; blk < t; ++blk) {
    const Index r0 = D * blk / t, r1 = D * (blk + 1) / t;
    const RowMatrix<double> Vb = V_.middleRows(r0, r1 - r0).template cast<double>();
    q_part[blk].noalias() = Vb.transpose() * Vb;
    w_part[blk] = Vb.colwise().sum().transpose();
  }
  Q_ = q_part[0];
  wbar_ = w_part[0];
  for (int blk = 1; blk < t; ++blk) {
    Q_ += q_part[blk];
    wbar_ += w_part[blk];
  }
  refresh_products();
  F_next_.resize(d, 3 * d);
}

template <class S>
void FactoredOutputLayer<S>::refresh_products() {
  F_.resize(this->d_, 3 * this->d_);
  write_products_of_Q(F_);
  write_products_of_U(F_);
  omega_s_ = omega_.template cast<S>();
}

template <class S>
void FactoredOutputLayer<S>::write_products_of_Q(RowMatrix<S>& F) {
  F.leftCols(this->d_) = Q_.template cast<S>();
  wbar_s_ = wbar_.template cast<S>();
}

template <class S>
void FactoredOutputLayer<S>::write_products_of_U(RowMatrix<S>& F) const {
  const Index d = this->d_;
  F.middleCols(d, d) = U_.transpose().template cast<S>();
  F.rightCols(d) = UinvT_.transpose().template cast<S>();
}

template <class S>
RowMatrix<S> FactoredOutputLayer<S>::weights() const {
  const Index D = this->D_, d = this->d_;
  RowMatrix<S> W(D, d);
  const RowMatrix<S> U = U_.template cast<S>();
  // By blocks of rows: a block of V, its rows brought up to date in a copy
  // (V itself is left as it is), times U.
  constexpr Index kBlock = 256;
  const Index blocks = (D + kBlock - 1) / kBlock;
  const int t = static_cast<int>(
      std::min<Index>(blocks, threads_for(this->options_.threads, 2.0 * double(D) * d * d)));
#pragma omp parallel num_threads(t)
  {
    RowMatrix<S> block(kBlock, d);
    CatchUpScratch scratch;
#pragma omp for schedule(static)
    for (Index b = 0; b < blocks; ++b) {
      const Index r0 = b * kBlock, rows = std::min(kBlock, D - r0);
      block.topRows(rows) = V_.middleRows(r0, rows);
      catch_up_block(block.data(), rows, row_version_.data() + r0, scratch);
      W.middleRows(r0, rows).noalias() = block.topRows(rows) * U;
    }
  }
  W.rowwise() += omega_s_.transpose();
  return W;
}

// ---------------------------------------------------------------- deferred corrections of V
//
// A correction changes every row of V (V <- V T^{-1}), but a step reads and
// writes only the rows of its targets. So corrections are recorded, and a
// row is brought up to date when a minibatch next touches it, while it is
// fetched for the step anyway, instead of every correction streaming all of
// V through memory (O(D d) bytes each). The rows no minibatch touched are
// brought up to date together (a flush: one pass over V for all the
// corrections) once the corrections' basis reaches `deferred_rank`
// directions or kMaxPendingVersions corrections, and before U is folded into
// V. Training ends with corrections still pending: weights() applies them in
// the block copies of V it multiplies by U anyway (4 r d flops a row next to
// that product's 2 d^2), so a final flush, one more pass over all of V,
// would only add to the cost of materializing W.
//
// The corrections share one orthonormal basis B (r rows): each is
// T^{-1} = (I + B^T X B) / c for an r x r matrix X, and so is any product
// of them, (I + B^T X B)(I + B^T Y B) = I + B^T (X + Y + X Y) B. A row that
// missed corrections s..K-1 takes v <- a_s (v + (v B^T) Delta_s B), their
// product, kept for every s (K matrices of r x r): 4 r d flops whatever the
// number of corrections missed. Successive corrections mostly move nearly
// the same direction of U (under the squared loss, the one the hidden codes
// share, which drifts slowly), and a correction whose directions lie close
// enough to B is made within B (see express_in_basis), so r grows more
// slowly than the number of corrections.

namespace {

/// Corrections deferred at most (each keeps an r x r product, and every new
/// one updates them all): a flush after this many.
constexpr std::size_t kMaxPendingVersions = 256;

}  // namespace

template <class S>
void FactoredOutputLayer<S>::defer_correction(const Eigen::MatrixXd& X, double a) {
  const Index r = basis_.rows();
  for (std::size_t s = 0; s < pending_.size(); ++s) {
    RowMatrix<double>& delta = pending_[s];
    const Index r0 = delta.rows();
    if (r0 < r) {  // the basis grew: the new directions were left alone so far
      delta.conservativeResize(r, r);
      delta.bottomRows(r - r0).setZero();
      delta.topRightCorner(r0, r - r0).setZero();
    }
    const RowMatrix<double> product = delta * X;
    delta += X + product;
    pending_scale_[s] *= a;
    pending_s_[s] = delta.template cast<S>();
  }
  pending_.emplace_back(X);
  pending_s_.emplace_back(X.template cast<S>());
  pending_scale_.push_back(a);
  basis_s_ = basis_.template cast<S>();
}

template <class S>
void FactoredOutputLayer<S>::catch_up_block(S* block, Index rows, const std::uint32_t* versions,
                                            CatchUpScratch& scratch) const {
  const auto now = static_cast<std::uint32_t>(pending_scale_.size());
  const Index d = this->d_, r = basis_s_.rows();
  if (now == 0 || rows == 0) return;
  // T = V_block B^T; row i's coefficients t_i Delta_{s_i} (zero for a row
  // already current); V_block += those B; row i times a_{s_i}. The two thin
  // products take all the block's rows at once, whatever their versions.
  Eigen::Map<RowMatrix<S>> Vb(block, rows, d);
  scratch.T.resize(rows, r);
  scratch.T.noalias() = Vb * basis_s_.transpose();
  scratch.scale.resize(rows);
  for (Index i = 0; i < rows; ++i) {
    const std::uint32_t v = versions[i];
    if (v >= now) {
      scratch.T.row(i).setZero();
      scratch.scale(i) = S(1);
    } else {
      scratch.T.row(i) = scratch.T.row(i) * pending_s_[v];
      scratch.scale(i) = static_cast<S>(pending_scale_[v]);
    }
  }
  Vb.noalias() += scratch.T * basis_s_;
  Vb = scratch.scale.asDiagonal() * Vb;
}

template <class S>
void FactoredOutputLayer<S>::catch_up_targets() {
  const auto now = static_cast<std::uint32_t>(pending_scale_.size());
  if (now == 0) return;
  const auto t0 = std::chrono::steady_clock::now();
  const Index ng = groups_.size(), d = this->d_;
  std::vector<ColIndex> stale;
  for (Index g = 0; g < ng; ++g)
    if (row_version_[static_cast<std::size_t>(groups_.cols[g])] != now) stale.push_back(groups_.cols[g]);
  const Index n = static_cast<Index>(stale.size());
  if (n == 0) return;
  // Gathered blocks of up to kRows stale rows, whatever their versions.
  constexpr Index kRows = 64;
  const Index tasks = (n + kRows - 1) / kRows;
  const int t = static_cast<int>(
      std::min<Index>(tasks, threads_for(this->options_.threads, 4.0 * double(n) * d * basis_.rows())));
#pragma omp parallel num_threads(t)
  {
    CatchUpScratch scratch;
    RowMatrix<S> block(kRows, d);
    std::uint32_t versions[kRows];
#pragma omp for schedule(static)
    for (Index task = 0; task < tasks; ++task) {
      const Index e0 = task * kRows, rows = std::min(kRows, n - e0);
      for (Index i = 0; i < rows; ++i) {
        const auto k = static_cast<std::size_t>(stale[e0 + i]);
        if (i + 1 < rows) detail::prefetch_row(V_.row(stale[e0 + i + 1]).data(), d);
        block.row(i) = V_.row(stale[e0 + i]);
        versions[i] = row_version_[k];
      }
      catch_up_block(block.data(), rows, versions, scratch);
      for (Index i = 0; i < rows; ++i) {
        V_.row(stale[e0 + i]) = block.row(i);
        row_version_[static_cast<std::size_t>(stale[e0 + i])] = now;
      }
    }
  }
  stab_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class S>
void FactoredOutputLayer<S>::apply_deferred() {
  const auto t0 = std::chrono::steady_clock::now();
  flush_corrections();
  stab_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class S>
void FactoredOutputLayer<S>::flush_corrections() {
  if (pending_scale_.empty()) return;
  const Index D = this->D_, d = this->d_;
  constexpr Index kBlock = 256;
  const Index blocks = (D + kBlock - 1) / kBlock;
  const int t = static_cast<int>(
      std::min<Index>(blocks, threads_for(this->options_.threads, 4.0 * double(D) * d * basis_.rows())));
#pragma omp parallel num_threads(t)
  {
    CatchUpScratch scratch;
#pragma omp for schedule(static)
    for (Index b = 0; b < blocks; ++b) {
      const Index r0 = b * kBlock, rows = std::min(kBlock, D - r0);
      catch_up_block(V_.row(r0).data(), rows, row_version_.data() + r0, scratch);
      std::fill_n(row_version_.begin() + r0, rows, 0u);
    }
  }
  basis_.resize(0, d);
  basis_s_.resize(0, d);
  pending_.clear();
  pending_s_.clear();
  pending_scale_.clear();
  ++stab_.flushes;
}

template <class S>
Eigen::MatrixXd FactoredOutputLayer<S>::express_in_basis(const Eigen::MatrixXd& P, const Eigen::VectorXd& gamma,
                                                         double tolerance, double& shift) {
  // T = I + P' diag(gamma) P'^T with P' = B^T B P, the projection of P on
  // the basis, differs from the planned T* = I + P diag(gamma) P^T by
  // T - T* = Z G Z^T, Z = [P' P], G = diag(gamma, -gamma), so the singular
  // values of T U land within `shift` = ||(T - T*) U||_2 of those of T* U
  // (Weyl). That norm is computed exactly, in O(d^2 k) for the k columns of
  // P: with Z = Q R (thin QR), ||Z G Z^T U||_2 = ||R G Z^T U||_2, a 2k x d
  // matrix. (The cruder ||gamma||_inf (2 ||E|| + ||E||^2) sigma_max(U),
  // E = P - P', overstates it several times over: P^T U = S_out R_out^T is
  // small along exactly the directions a correction moves.) While the shift
  // is past the tolerance, the column of E farthest from the basis joins it
  // (orthogonalized twice): a column already close to B adds nothing, nor
  // does the rounding in P's columns (the eigensolver's vectors are good to
  // about 1e-9, and such a direction would be noise).
  const Index d = this->d_, k = P.cols();
  const Eigen::MatrixXd PtU = P.transpose() * U_;  // k x d, fixed
  auto shift_of = [&](const Eigen::MatrixXd& C) {
    Eigen::MatrixXd Z(d, 2 * k);
    Z.leftCols(k) = basis_.transpose() * C;
    Z.rightCols(k) = P;
    Eigen::MatrixXd GZtU(2 * k, d);  // G Z^T U
    GZtU.topRows(k) = gamma.asDiagonal() * (C.transpose() * (basis_ * U_));
    GZtU.bottomRows(k) = -(gamma.asDiagonal() * PtU);
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(Z);
    const Eigen::MatrixXd RGZtU =
        qr.matrixQR().topRows(2 * k).template triangularView<Eigen::Upper>() * GZtU;
    const Eigen::MatrixXd small = RGZtU * RGZtU.transpose();
    return std::sqrt(std::max(0.0, Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(small, Eigen::EigenvaluesOnly)
                                       .eigenvalues()
                                       .maxCoeff()));
  };
  Eigen::MatrixXd C = basis_ * P;
  Eigen::MatrixXd E = P - basis_.transpose() * C;
  shift = shift_of(C);
  while (shift > tolerance && basis_.rows() < d) {
    Index j = 0;
    const double norm = E.colwise().norm().maxCoeff(&j);
    if (!(norm > 1e-12)) break;  // P is in the basis, up to rounding
    Eigen::VectorXd x = E.col(j);
    x -= basis_.transpose() * (basis_ * x);
    basis_.conservativeResize(basis_.rows() + 1, d);
    basis_.row(basis_.rows() - 1) = x.transpose() / x.norm();
    ++stab_.directions;
    C = basis_ * P;
    E = P - basis_.transpose() * C;
    shift = shift_of(C);
  }
  return C;
}

template <class S>
ColVector<S> FactoredOutputLayer<S>::singular_values_of_U() const {
  return Eigen::BDCSVD<Eigen::MatrixXd>(Eigen::MatrixXd(U_)).singularValues().template cast<S>();
}

template <class S>
Eigen::MatrixXd FactoredOutputLayer<S>::shared_target_products(const S* c, Index m) const {
  // c_i . c_j over shared targets: for every distinct target column, all
  // pairs of the examples that have it. A column shared by many examples
  // (frequent words: in a Zipfian minibatch a few dozen columns hold over 90%
  // of the pairs) goes into a dense m x g block whose product gives its pairs
  // at GEMM speed; the other columns' pairs are summed one by one.
  const Index ng = groups_.size();
  constexpr Index kDenseGroup = 24;  // a rank-one m x m update costs about as much as 24^2 scattered pairs
  std::vector<Index> dense;
  for (Index g = 0; g < ng; ++g)
    if (groups_.start[g + 1] - groups_.start[g] >= kDenseGroup) dense.push_back(g);
  Eigen::MatrixXd Cd = Eigen::MatrixXd::Zero(m, static_cast<Index>(dense.size()));
  for (std::size_t q = 0; q < dense.size(); ++q)
    for (Index e = groups_.start[dense[q]]; e < groups_.start[dense[q] + 1]; ++e) {
      const Index p = groups_.pos[e];
      Cd(groups_.row_of[p], static_cast<Index>(q)) += double(c[p]);  // += : a row may repeat a target
    }
  Eigen::MatrixXd Cc(m, m);
  Cc.noalias() = Cd * Cd.transpose();
  for (Index g = 0; g < ng; ++g) {
    const Index e0 = groups_.start[g], e1 = groups_.start[g + 1];
    if (e1 - e0 >= kDenseGroup) continue;
    for (Index e = e0; e < e1; ++e) {
      const Index pi = groups_.pos[e], i = groups_.row_of[pi];
      for (Index f = e0; f < e1; ++f) {
        const Index pj = groups_.pos[f];
        Cc(i, groups_.row_of[pj]) += double(c[pi]) * double(c[pj]);
      }
    }
  }
  return Cc;
}

template <class S>
OutputStepStats FactoredOutputLayer<S>::step(const RowMatrix<S>& H, const CsrView<S>& Y, S eta,
                                             RowMatrix<S>* grad_H) {
  this->check_batch(H, Y);
  const Index D = this->D_, d = this->d_, m = H.rows(), nnz = Y.nnz();
  const int threads = this->options_.threads;
  const int tm = static_cast<int>(std::min<Index>(std::max<Index>(1, m / 8), threads_for(threads, double(nnz) * d)));

  // Forward, one product: H [Q | U^T | U^{-1}] = [Hhat | UH | Bm], row j =
  // (Q h_j)^T, (U h_j)^T, (U^{-T} h_j)^T; then the K target outputs per example.
  groups_.build(Y.indptr, Y.indices, m);
  catch_up_targets();
  RowMatrix<S> HF(m, 3 * d);
  gemm_rows(HF, H, F_, S(1), false, threads);
  const auto Hhat = HF.leftCols(d);
  const auto UH = HF.middleCols(d, d);
  const auto Bm = HF.rightCols(d);
  const ColVector<S> om_h = H * omega_s_;
  const ColVector<S> s_vec = H * wbar_s_;
  std::vector<S> o_t(nnz), c(nnz);
  Eigen::VectorXd a(m), b(m);
  std::vector<double> loss_j(m);
  // For the gradient: C V (row j = sum_k c_jk V_k) and the sums of c, taken
  // while the example's K rows of V are still in cache from the outputs
  // (they are random rows of a D x d matrix: one trip to memory, not two).
  const bool gradient = grad_H != nullptr || eta != S(0);
  RowMatrix<S> CV(gradient ? m : 0, d);
  ColVector<S> csum(gradient ? m : 0);
#pragma omp parallel for num_threads(tm) schedule(static)
  for (Index j = 0; j < m; ++j) {
    const double q = double(Hhat.row(j).dot(H.row(j)));
    const Index p0 = Y.indptr[j], K = Y.indptr[j + 1] - p0;
    for (Index p = p0; p < p0 + K; ++p) {
      if (p + 1 < p0 + K) detail::prefetch_row(V_.row(Y.indices[p + 1]).data(), d);
      o_t[p] = V_.row(Y.indices[p]).dot(UH.row(j)) + om_h(j);
    }
    loss_j[j] = spherical_loss<S>(this->options_.loss, q, double(s_vec(j)), D, K, Y.data + p0, o_t.data() + p0,
                                  c.data() + p0, a(j), b(j));
    if (!gradient) continue;
    CV.row(j).setZero();
    S cs = 0;
    for (Index p = p0; p < p0 + K; ++p) {
      CV.row(j) += c[p] * V_.row(Y.indices[p]);
      cs += c[p];
    }
    csum(j) = cs;
  }
  OutputStepStats stats;
  for (Index j = 0; j < m; ++j) stats.loss += loss_j[j];
  if (!gradient) return stats;

  // P = C W (row j = c_j^T W) = (C V) U + csum omega^T; dL/dH = A Hhat + b w_bar^T + P.
  const ColVector<S> a_s = a.cast<S>(), b_s = b.cast<S>();
  RowMatrix<S> P(m, d), Gh(m, d);
  auto gradient_wrt_H = [&] {
    P.noalias() = CV * F_.middleCols(d, d).transpose();  // (C V) U
    P += csum * omega_s_.transpose();
    Gh = a_s.asDiagonal() * Hhat;
    Gh += b_s * wbar_s_.transpose();
    Gh += P;
    if (grad_H) *grad_H = Gh;
  };
  if (eta == S(0)) {
    gradient_wrt_H();
    return stats;
  }

  // The update: two independent chains of products, each of them too small
  // to split well between threads (m x d x m, m x m x d and d x m x d), so
  // one thread each, in parallel sections:
  //  - Q and w_bar: dL/dH, the Grams h_i^T Q h_j and o_i . c_j, the c_i . c_j
  //    over shared targets, M = G G^T, X = Gh - (eta/2) M H, Q's update X^T H;
  //  - U, U^{-T} and omega: h_i . h_j, R = (I_m - eta A H H^T)^{-1}, R (eta A H),
  //    U^{-T}'s and U's updates, Z = R^T (H U^{-1}).
  // Each writes its part of the next step's F (the forward's products) at
  // its end, into F_next_: the first still reads F_ (and omega_s_).
  const double eta_d = double(eta);
  Eigen::MatrixXd gram(m, m);  // h_i . h_j
  RowMatrix<S> Z(m, d);        // row j = (U_new^{-T} h_j)^T
  const int ts = static_cast<int>(std::min<Index>(2, threads_for(threads, double(m) * d * d)));
#pragma omp parallel sections num_threads(ts)
  {
#pragma omp section
    {
      gradient_wrt_H();
      // h_i^T Q h_j and o_i . c_j (= h_i . W^T c_j) in one product, H [Hhat; P]^T.
      RowMatrix<S> stacked(2 * m, d);
      stacked << Hhat, P;
      RowMatrix<S> grams(m, 2 * m);
      grams.noalias() = H * stacked.transpose();
      const Eigen::MatrixXd So = grams.leftCols(m).template cast<double>();
      const Eigen::MatrixXd Pc = grams.rightCols(m).template cast<double>();
      const Eigen::MatrixXd Cc = shared_target_products(c.data(), m);
      // M = G G^T (m x m), G the implicit m x D gradient wrt the outputs:
      // g_i.g_j = a_i a_j h_i^T Q h_j + a_i b_j s_i + b_i a_j s_j + D b_i b_j
      //         + a_i o_i.c_j + a_j c_i.o_j + b_i sum c_j + b_j sum c_i + c_i.c_j.
      const Eigen::VectorXd s_d = s_vec.template cast<double>(), csum_d = csum.template cast<double>();
      const Eigen::VectorXd as = a.cwiseProduct(s_d);
      Eigen::MatrixXd M = a.asDiagonal() * So * a.asDiagonal();
      M += as * b.transpose() + b * as.transpose();
      M += double(D) * (b * b.transpose());
      M += a.asDiagonal() * Pc;
      M += Pc.transpose() * a.asDiagonal();
      M += b * csum_d.transpose() + csum_d * b.transpose();
      M += Cc;
      // Q <- Q - eta (Gh^T H + H^T Gh) + eta^2 H^T M H = Q - eta (X^T H + H^T X)
      // with X = Gh - (eta/2) M H: one d x d product. w_bar <- w_bar - eta H^T (G 1).
      RowMatrix<S> X = Gh;
      X.noalias() -= (S(0.5) * eta) * (M.cast<S>() * H);
      RowMatrix<S> T(d, d);
      T.noalias() = X.transpose() * H;
      // Q <- Q - eta (T + T^T) by 32 x 32 blocks, so that T^T is read from cache.
      constexpr Index kTile = 32;
      for (Index i0 = 0; i0 < d; i0 += kTile)
        for (Index j0 = 0; j0 < d; j0 += kTile) {
          const Index bi = std::min(kTile, d - i0), bj = std::min(kTile, d - j0);
          Q_.block(i0, j0, bi, bj) -= eta_d * (T.block(i0, j0, bi, bj).template cast<double>() +
                                               T.block(j0, i0, bj, bi).transpose().template cast<double>());
        }
      const Eigen::VectorXd g1 = as + double(D) * b + csum_d;
      wbar_.noalias() -= eta_d * (H.transpose() * g1.cast<S>()).template cast<double>();
      write_products_of_Q(F_next_);
    }
#pragma omp section
    {
      RowMatrix<S> G(m, m);
      G.noalias() = H * H.transpose();
      gram = G.template cast<double>();
      // U <- U (I - eta H^T A H) = U - (U H^T)(eta A H); by Woodbury,
      // U^{-T} <- U^{-T} + (U^{-T} H^T) R (eta A H) with R = (I_m - eta A H H^T)^{-1},
      // and U_new^{-T} H^T = (U^{-T} H^T) R. The LU is in S, as R is used:
      // I - eta A H H^T is well conditioned while the updates are stable.
      RowMatrix<S> I_minus = RowMatrix<S>::Identity(m, m);
      I_minus.noalias() -= (eta * a_s).asDiagonal() * G;
      const RowMatrix<S> R = Eigen::PartialPivLU<RowMatrix<S>>(I_minus).inverse();
      const RowMatrix<S> AH = (eta * a_s).asDiagonal() * H;
      const RowMatrix<S> RAH = R * AH;
      RowMatrix<S> dU(d, d);
      dU.noalias() = Bm.transpose() * RAH;
      UinvT_ += dU.template cast<double>();
      dU.noalias() = UH.transpose() * AH;
      U_ -= dU.template cast<double>();
      Z.noalias() = R.transpose() * Bm;
      omega_.noalias() -= eta_d * (H.transpose() * (a_s.cwiseProduct(om_h) + b_s)).template cast<double>();
      write_products_of_U(F_next_);
    }
  }
  F_.swap(F_next_);
  omega_s_ = omega_.template cast<S>();

  // V_k <- V_k - eta sum_j c_jk z_j: only the target rows, in parallel over
  // distinct columns, each summed over its examples in a fixed order.
  const Index ng = groups_.size();
  const int tv = static_cast<int>(std::min<Index>(std::max<Index>(1, ng / 64), threads_for(threads, double(nnz) * d)));
#pragma omp parallel for num_threads(tv) schedule(static)
  for (Index g = 0; g < ng; ++g) {
    if (g + 1 < ng) detail::prefetch_row(V_.row(groups_.cols[g + 1]).data(), d, true);
    auto Vk = V_.row(groups_.cols[g]);
    for (Index e = groups_.start[g]; e < groups_.start[g + 1]; ++e) {
      const Index p = groups_.pos[e];
      Vk.noalias() -= (eta * c[p]) * Z.row(groups_.row_of[p]);
    }
  }

  // Stabilization: U was multiplied by I - eta S, S = H^T A H = S+ - S-
  // (S+- = H^T A+- H from the positive and negative a_j, both PSD), so the
  // eigenvalues of I - eta S lie in [1 - eta ||S+||_2, 1 + eta ||S-||_2] and
  // the singular values of U moved by at most those factors;
  // ||S+-||_2 <= ||S+-||_F = sqrt(sum_ij a+-_i a+-_j (h_i . h_j)^2), O(m^2)
  // from the Gram. Check U when they may have left the range, or every
  // stabilize_every updates.
  ++updates_;
  ++since_check_;
  const Eigen::VectorXd a_pos = a.cwiseMax(0.0), a_neg = (-a).cwiseMax(0.0);
  const Eigen::MatrixXd gram2 = gram.cwiseAbs2();
  const double shrink = eta_d * std::sqrt(std::max(0.0, a_pos.dot(gram2 * a_pos)));
  const double grow = eta_d * std::sqrt(std::max(0.0, a_neg.dot(gram2 * a_neg)));
  sigma_low_bound_ *= std::max(0.0, 1.0 - shrink);
  sigma_high_bound_ *= 1.0 + grow;
  log_shrink_ += -std::log(std::max(1e-300, 1.0 - shrink));
  log_grow_ += std::log1p(grow);
  const bool may_be_out =
      sigma_low_bound_ < this->options_.singular_low || sigma_high_bound_ > this->options_.singular_high;
  if (this->options_.stabilize && (may_be_out || since_check_ >= this->options_.stabilize_every))
    stabilize_now();
  return stats;
}

template <class S>
void FactoredOutputLayer<S>::svd_of_U(const Eigen::MatrixXd& UtU, bool well_conditioned, Eigen::VectorXd& sigma,
                                      Eigen::MatrixXd& P, Eigen::MatrixXd& R) const {
  // U^T U = R S^2 R^T by a symmetric eigensolver, P = U R S^{-1}: about half
  // the time of a direct SVD of U (BDCSVD), and as accurate while U is well
  // conditioned (cond(U) < 100, see stabilize_now). A worse U, as when the
  // check comes late, goes to BDCSVD.
  if (well_conditioned) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(UtU);
    if (eig.info() == Eigen::Success) {
      sigma = eig.eigenvalues().reverse().cwiseSqrt();  // descending, as an SVD
      R = eig.eigenvectors().rowwise().reverse();
      P = U_ * R * sigma.cwiseInverse().asDiagonal();
      return;
    }
  }
  Eigen::BDCSVD<Eigen::MatrixXd> svd(Eigen::MatrixXd(U_), Eigen::ComputeFullU | Eigen::ComputeFullV);
  sigma = svd.singularValues();
  P = svd.matrixU();
  R = svd.matrixV();
}

template <class S>
void FactoredOutputLayer<S>::resync_inverse() {
  // The Woodbury updates carry U^{-T}'s rounding errors forward, and they grow
  // (about 2x per check in the tests' fast-changing U). A random probe x
  // measures the drift, ||U^T (U^{-T} x) - x|| / ||x||, in O(d^2); past a
  // limit one Newton-Schulz step Y <- 2Y - Y (U^T Y) squares it away (two d^3
  // products). The limit is 1e-12 in double; in float32 the updates come from
  // float products and the drift is ~5e-9 after a dozen of them, so the limit
  // there is float's own rounding, 1e-7 (refining below the rounding of the
  // updates themselves would buy nothing). The step converges only
  // from a drift below 1: past 0.1 (not seen in practice) U^{-T} is
  // recomputed from an LU factorization of U.
  constexpr double limit = std::is_same_v<S, float> ? 1e-7 : 1e-12;
  const Index d = this->d_;
  const int threads = this->options_.threads;
  Eigen::VectorXd x(d);
  Random rng(static_cast<std::uint64_t>(updates_) + 1);
  for (Index i = 0; i < d; ++i) x[i] = rng.normal();
  const Eigen::VectorXd y = UinvT_ * x;
  const double drift = (U_.transpose() * y - x).norm() / x.norm();
  if (!(drift > limit)) return;
  ++stab_.resyncs;
  if (!(drift <= 0.1)) {
    UinvT_ = Eigen::MatrixXd(U_).partialPivLu().inverse().transpose();
    return;
  }
  RowMatrix<double> M(d, d), Y = 2.0 * UinvT_;
  gemm_rows(M, U_.transpose(), UinvT_, 1.0, false, threads);
  gemm_rows(Y, UinvT_, M, -1.0, true, threads);
  UinvT_.swap(Y);
}

namespace {

/// The margin m: a check corrects the values within a factor m of an edge
/// of the band [low, high], and a correction leaves every value at least
/// that far inside.
double band_margin(double low, double high) { return std::pow(high / low, 0.125); }

/// A correction's directions may be replaced by their projections on the
/// deferred corrections' basis when that moves the corrected singular values
/// by at most this fraction of the smallest target (about half the factor
/// m = 1.19 a correction leaves between the values and the band's edges; the
/// scale c takes the shift into account): the basis then keeps its size.
/// Each direction the basis gains costs every row of V 4 d flops at the next
/// flush or catch-up; in 3000 minibatches at the benchmark's setting, 0.1
/// needed 320 directions for ~640 corrections, 0.05 needed 420.
constexpr double kBasisTolerance = 0.1;

/// What a check does with the singular values of U (descending `sigma`):
/// fold U into V, or move the values in `out` to `target` and scale all by c.
struct CorrectionPlan {
  bool fold = false;
  std::vector<Index> out;  // indices into sigma
  Eigen::VectorXd target;  // sigma with the out values replaced (before the scale c)
  double c = 1.0;
};

/// The values within a factor m = (high/low)^(1/8) of an edge (m = 1.19 for
/// [0.5, 2]) are moved to the geometric middle of the other values, so that
/// the next check is not due at once. A correction also resets the values
/// within m^2 of the edge the bounds have been drifting to, which would be
/// next (a check costs an eigensolve; the correction costs each row of V
/// 4 d flops per direction), and rescales W = V U as (V / c)(c U), free in
/// the same correction: c moves all the singular values away from that edge
/// (U only shrinks under the squared loss), so that the next correction is
/// due as late as possible (scale_away_from_edges, once the correction's
/// directions are known).
CorrectionPlan plan_correction(const Eigen::VectorXd& sigma, double low, double high, double shrink_rate,
                               double grow_rate) {
  const Index d = sigma.size();
  const double m = band_margin(low, high);
  CorrectionPlan plan;
  for (Index i = 0; i < d; ++i)
    if (sigma(i) < low * m || sigma(i) > high / m) plan.out.push_back(i);
  // Folding costs D d^2, a rank-r correction 2 D d r: fold when r > d/2.
  plan.fold = 2 * static_cast<Index>(plan.out.size()) > d;
  if (plan.fold || plan.out.empty()) return plan;
  const Index cap = std::max<Index>(static_cast<Index>(plan.out.size()), d / 16);
  const bool shrinking = shrink_rate >= grow_rate;
  for (Index i = 0; i < d && static_cast<Index>(plan.out.size()) < cap; ++i) {
    const bool is_out = sigma(i) < low * m || sigma(i) > high / m;
    if (!is_out && (shrinking ? sigma(i) < low * m * m : sigma(i) > high / (m * m))) plan.out.push_back(i);
  }
  // The reset values join the others (the geometric middle of their range;
  // at most d/2 values are reset, so there are others): a value reset to 1
  // below others already moved up would hold c back.
  std::vector<bool> reset(static_cast<std::size_t>(d), false);
  for (const Index i : plan.out) reset[static_cast<std::size_t>(i)] = true;
  double rest_min = high, rest_max = low;
  for (Index i = 0; i < d; ++i) {
    if (reset[static_cast<std::size_t>(i)]) continue;
    rest_min = std::min(rest_min, sigma(i));
    rest_max = std::max(rest_max, sigma(i));
  }
  const double join = std::sqrt(rest_min * rest_max);
  plan.target = sigma;
  for (const Index i : plan.out) plan.target(i) = join;
  return plan;
}

/// The scale c of a correction: it balances the updates left before either
/// edge at the rates seen since the last check (`shrink_rate` and
/// `grow_rate` are the bounds' proven worst cases per update),
/// ln(c min / low) / shrink = ln(high / (c max)) / grow, and keeps every
/// value a factor m inside the band, `shift` included: the values land
/// within shift (before c) of `target`.
double scale_away_from_edges(const Eigen::VectorXd& target, double shift, double low, double high,
                             double shrink_rate, double grow_rate) {
  const double m = band_margin(low, high);
  const double room_low = std::log(std::max(1e-300, target.minCoeff() - shift) / (low * m));
  const double room_high = std::log(high / (m * (target.maxCoeff() + shift)));
  double log_c = 0.0;
  if (shrink_rate + grow_rate > 0)
    log_c = (room_high * shrink_rate - room_low * grow_rate) / (shrink_rate + grow_rate);
  // (1e-6: a value left exactly at the limit must not count as out at the next check through rounding)
  log_c = std::clamp(log_c, -std::max(0.0, room_low - 1e-6), std::max(0.0, room_high - 1e-6));
  return std::exp(log_c);
}

}  // namespace

template <class S>
void FactoredOutputLayer<S>::stabilize_now() {
  using Mat = Eigen::MatrixXd;
  const Index D = this->D_, d = this->d_;
  const int threads = this->options_.threads;
  const auto t0 = std::chrono::steady_clock::now();
  struct AddSeconds {  // the check's wall time, whichever way it returns
    std::chrono::steady_clock::time_point t0;
    double& total;
    ~AddSeconds() { total += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
  } add_seconds{t0, stab_.seconds};
  const double low = this->options_.singular_low, high = this->options_.singular_high;
  const double steps = static_cast<double>(std::max<long long>(1, since_check_));
  const double shrink_rate = log_shrink_ / steps, grow_rate = log_grow_ / steps;
  since_check_ = 0;
  log_shrink_ = log_grow_ = 0.0;
  ++stab_.checks;

  // U^T U = R S^2 R^T. Its eigenvalues give S; the vectors, which cost most
  // of a full eigensolver, are computed only for the values a correction
  // moves (SymmetricEigenSubset: at d = 512, ~15 ms instead of ~46). U^T U
  // squares cond(U): fine while U is well conditioned, which the
  // stabilization keeps it (at most 4 digits lost under cond(U) < 100, the
  // band alone gives 4). A worse U, or vectors that fail their check, take
  // the full path: an SVD of U (svd_of_U).
  RowMatrix<double> UtU_rows(d, d);
  gemm_rows(UtU_rows, U_.transpose(), U_, 1.0, false, threads);
  const Mat UtU = UtU_rows;
  const SymmetricEigenSubset eig(UtU);
  const Eigen::VectorXd& lambda = eig.eigenvalues();  // ascending
  bool partial = eig.ok() && lambda(0) > 1e-4 * lambda(d - 1);
  Eigen::VectorXd sigma;
  Mat P, R;  // the full path's singular vectors
  if (partial) sigma = lambda.reverse().cwiseSqrt();  // descending, as an SVD
  else svd_of_U(UtU, false, sigma, P, R);
  stab_.min_singular = std::min(stab_.min_singular, sigma.minCoeff());
  stab_.max_singular = std::max(stab_.max_singular, sigma.maxCoeff());
  CorrectionPlan plan = plan_correction(sigma, low, high, shrink_rate, grow_rate);
  Mat Rout;  // the moved pairs' right singular vectors (the partial path's)
  if (partial && !plan.fold && !plan.out.empty()) {
    std::vector<Index> ascending;
    for (const Index i : plan.out) ascending.push_back(d - 1 - i);
    if (!eig.eigenvectors(ascending, Rout)) {  // they failed their check: the full path, planned on its values
      partial = false;
      svd_of_U(UtU, true, sigma, P, R);
      plan = plan_correction(sigma, low, high, shrink_rate, grow_rate);
    }
  }

  if (plan.fold) {
    flush_corrections();
    RowMatrix<S> Vnew(D, d);
    const RowMatrix<S> U = U_.template cast<S>();
    gemm_rows(Vnew, V_, U, S(1), false, threads);
    V_.swap(Vnew);
    U_.setIdentity();
    UinvT_.setIdentity();
    ++stab_.folds;
    stab_.corrections += static_cast<long long>(plan.out.size());
    sigma_low_bound_ = sigma_high_bound_ = 1.0;
    refresh_products();
    return;
  }
  const Index r = static_cast<Index>(plan.out.size());
  Mat Pout(d, r);  // the moved pairs' left singular vectors
  if (partial) {
    // P_out = U R_out S_out^{-1}.
    Pout.noalias() = U_ * Rout;
    for (Index i = 0; i < r; ++i) Pout.col(i) /= sigma(plan.out[i]);
  } else {
    for (Index i = 0; i < r; ++i) Pout.col(i) = P.col(plan.out[i]);
  }

  // The full path has U's SVD: U^{-T} = P S^{-1} R^T exactly, and the errors
  // accumulated by the Woodbury updates are dropped here.
  if (!partial) UinvT_ = P * sigma.cwiseInverse().asDiagonal() * R.transpose();
  double shift = 0.0;  // how far the values may land from target (before c)
  if (r > 0) {
    stab_.corrections += r;
    ++stab_.passes;
    // U = P S R^T; T* = I + P_out diag(gamma) P_out^T, gamma = t/s - 1, sets
    // the moved values to the targets t. It is made in the deferred
    // corrections' basis B: with C = B P_out (express_in_basis) and
    // E = I + C diag(gamma) C^T, T = I + B^T (E - I) B; U <- c T U and
    // V <- V T^{-1} / c = (V + (V B^T)(E^{-1} - I) B) / c keep W = V U exactly,
    // whatever T is.
    Eigen::VectorXd gamma(r);
    for (Index i = 0; i < r; ++i) gamma(i) = plan.target(plan.out[i]) / sigma(plan.out[i]) - 1.0;
    // (The full path, for a badly conditioned U, places the values as planned, to 1e-6.)
    const double tolerance = (partial ? kBasisTolerance : 1e-6) * plan.target.minCoeff();
    const Mat C = express_in_basis(Pout, gamma, tolerance, shift);
    plan.c = scale_away_from_edges(plan.target, shift, low, high, shrink_rate, grow_rate);
    const Index nb = basis_.rows();
    const Mat I = Mat::Identity(nb, nb);
    Mat E = I;
    E.noalias() += C * gamma.asDiagonal() * C.transpose();
    const Mat Einv = E.llt().solve(I);  // E is symmetric positive definite (gamma > -1, ||C|| <= 1)
    const Mat BU = basis_ * U_;
    const Mat BUinvT = basis_ * UinvT_;
    UinvT_ += basis_.transpose() * ((Einv - I) * BUinvT);  // (T U)^{-T} = T^{-1} U^{-T}, T symmetric
    UinvT_ /= plan.c;
    U_ += basis_.transpose() * ((E - I) * BU);
    U_ *= plan.c;
    // Deferred: the rows of V take it when next touched (catch_up_targets).
    defer_correction(Einv - I, 1.0 / plan.c);
    if (basis_.rows() >= this->options_.deferred_rank || pending_scale_.size() >= kMaxPendingVersions)
      flush_corrections();
  }
  if (partial) resync_inverse();
  const Eigen::VectorXd s_new = plan.c * (r > 0 ? plan.target : sigma);
  sigma_low_bound_ = s_new.minCoeff() - plan.c * shift;
  sigma_high_bound_ = s_new.maxCoeff() + plan.c * shift;
  refresh_products();
}

template <class S>
std::unique_ptr<OutputLayer<S>> make_output_layer(OutputUpdate update, const RowMatrix<S>& W0,
                                                  const OutputLayerOptions& options) {
  if (update == OutputUpdate::Factored) return std::make_unique<FactoredOutputLayer<S>>(W0, options);
  return std::make_unique<NaiveOutputLayer<S>>(W0, options);
}

template class OutputLayer<float>;
template class OutputLayer<double>;
template class NaiveOutputLayer<float>;
template class NaiveOutputLayer<double>;
template class FactoredOutputLayer<float>;
template class FactoredOutputLayer<double>;
template std::unique_ptr<OutputLayer<float>> make_output_layer<float>(OutputUpdate, const RowMatrix<float>&,
                                                                      const OutputLayerOptions&);
template std::unique_ptr<OutputLayer<double>> make_output_layer<double>(OutputUpdate, const RowMatrix<double>&,
                                                                        const OutputLayerOptions&);

}  // namespace strata::nn
