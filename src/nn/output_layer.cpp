#include "strata/nn/output_layer.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/LU>
#include <Eigen/SVD>

#include "strata/core/error.hpp"
#include "strata/parallel/threads.hpp"

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
    : OutputLayer<S>(W0.rows(), W0.cols(), options), W_(W0) {}

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

// ---------------------------------------------------------------- factored

template <class S>
FactoredOutputLayer<S>::FactoredOutputLayer(const RowMatrix<S>& W0, const OutputLayerOptions& options)
    : OutputLayer<S>(W0.rows(), W0.cols(), options), V_(W0) {
  const Index D = this->D_, d = this->d_;
  require_argument(options.stabilize_every >= 1, "stabilize_every", ">= 1", std::to_string(options.stabilize_every));
  require_argument(options.singular_low > 0 && options.singular_low < 1 && options.singular_high > 1,
                   "singular_low, singular_high", "0 < low < 1 < high",
                   std::to_string(options.singular_low) + ", " + std::to_string(options.singular_high));
  U_ = RowMatrix<S>::Identity(d, d);
  UinvT_ = RowMatrix<S>::Identity(d, d);
  omega_ = ColVector<S>::Zero(d);
  // Q = W0^T W0 and w_bar = W0^T 1 by blocks of rows summed in a fixed order.
  const int t = static_cast<int>(
      std::max<Index>(1, std::min<Index>(D / 64, threads_for(options.threads, double(D) * d * d))));
  std::vector<RowMatrix<S>> q_part(t);
  std::vector<ColVector<S>> w_part(t);
#pragma omp parallel for num_threads(t) schedule(static)
  for (int blk = 0; blk < t; ++blk) {
    const Index r0 = D * blk / t, r1 = D * (blk + 1) / t;
    const auto Vb = V_.middleRows(r0, r1 - r0);
    q_part[blk].noalias() = Vb.transpose() * Vb;
    w_part[blk] = Vb.colwise().sum().transpose();
  }
  Q_ = q_part[0];
  wbar_ = w_part[0];
  for (int blk = 1; blk < t; ++blk) {
    Q_ += q_part[blk];
    wbar_ += w_part[blk];
  }
  scratch_.assign(static_cast<std::size_t>(D), S(0));
}

template <class S>
RowMatrix<S> FactoredOutputLayer<S>::weights() const {
  RowMatrix<S> W(this->D_, this->d_);
  gemm_rows(W, V_, U_, S(1), false, this->options_.threads);
  W.rowwise() += omega_.transpose();
  return W;
}

template <class S>
ColVector<S> FactoredOutputLayer<S>::singular_values_of_U() const {
  return Eigen::BDCSVD<Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>>(U_).singularValues();
}

template <class S>
OutputStepStats FactoredOutputLayer<S>::step(const RowMatrix<S>& H, const CsrView<S>& Y, S eta,
                                             RowMatrix<S>* grad_H) {
  this->check_batch(H, Y);
  const Index D = this->D_, d = this->d_, m = H.rows(), nnz = Y.nnz();
  const int threads = this->options_.threads;

  // Forward: Q h_j, U h_j, omega^T h_j, then the K target outputs per example.
  RowMatrix<S> Hhat(m, d), UH(m, d);
  gemm_rows(Hhat, H, Q_, S(1), false, threads);              // row j = (Q h_j)^T (Q symmetric)
  gemm_rows(UH, H, U_.transpose(), S(1), false, threads);    // row j = (U h_j)^T
  const ColVector<S> om_h = H * omega_;
  const ColVector<S> s_vec = H * wbar_;
  std::vector<S> o_t(nnz), c(nnz);
  Eigen::VectorXd a(m), b(m);
  OutputStepStats stats;
  const int tm = static_cast<int>(std::min<Index>(std::max<Index>(1, m / 8), threads_for(threads, double(nnz) * d)));
  std::vector<double> loss_j(m);
#pragma omp parallel for num_threads(tm) schedule(static)
  for (Index j = 0; j < m; ++j) {
    const double q = double(Hhat.row(j).dot(H.row(j)));
    const Index p0 = Y.indptr[j], K = Y.indptr[j + 1] - p0;
    for (Index p = p0; p < p0 + K; ++p) o_t[p] = V_.row(Y.indices[p]).dot(UH.row(j)) + om_h(j);
    loss_j[j] = spherical_loss<S>(this->options_.loss, q, double(s_vec(j)), D, K, Y.data + p0, o_t.data() + p0,
                                  c.data() + p0, a(j), b(j));
  }
  for (Index j = 0; j < m; ++j) stats.loss += loss_j[j];
  if (grad_H == nullptr && eta == S(0)) return stats;

  // P = C W (row j = c_j^T W) = (C V) U + csum omega^T; dL/dH = A Hhat + b w_bar^T + P.
  RowMatrix<S> CV = RowMatrix<S>::Zero(m, d);
  ColVector<S> csum = ColVector<S>::Zero(m);
#pragma omp parallel for num_threads(tm) schedule(static)
  for (Index j = 0; j < m; ++j)
    for (Index p = Y.indptr[j]; p < Y.indptr[j + 1]; ++p) {
      CV.row(j) += c[p] * V_.row(Y.indices[p]);
      csum(j) += c[p];
    }
  RowMatrix<S> P(m, d);
  gemm_rows(P, CV, U_, S(1), false, threads);
  P += csum * omega_.transpose();
  const ColVector<S> a_s = a.cast<S>(), b_s = b.cast<S>();
  RowMatrix<S> Gh = a_s.asDiagonal() * Hhat;
  Gh += b_s * wbar_.transpose();
  Gh += P;
  if (grad_H) *grad_H = Gh;
  if (eta == S(0)) return stats;

  // M = G G^T (m x m), G the implicit m x D gradient wrt the outputs:
  // g_i.g_j = a_i a_j h_i^T Q h_j + a_i b_j s_i + b_i a_j s_j + D b_i b_j
  //         + a_i o_i.c_j + a_j c_i.o_j + b_i sum c_j + b_j sum c_i + c_i.c_j.
  const RowMatrix<S> So = Hhat * H.transpose();  // h_i^T Q h_j
  const RowMatrix<S> Pc = H * P.transpose();     // (i, j) = o_i . c_j
  RowMatrix<S> Cc = RowMatrix<S>::Zero(m, m);    // c_i . c_j over shared targets
  for (Index i = 0; i < m; ++i) {
    for (Index p = Y.indptr[i]; p < Y.indptr[i + 1]; ++p) scratch_[Y.indices[p]] = c[p];
    for (Index j = 0; j < m; ++j) {
      S acc = 0;
      for (Index p = Y.indptr[j]; p < Y.indptr[j + 1]; ++p) acc += c[p] * scratch_[Y.indices[p]];
      Cc(i, j) = acc;
    }
    for (Index p = Y.indptr[i]; p < Y.indptr[i + 1]; ++p) scratch_[Y.indices[p]] = S(0);
  }
  const ColVector<S> as = a_s.cwiseProduct(s_vec);
  RowMatrix<S> M = a_s.asDiagonal() * So * a_s.asDiagonal();
  M += as * b_s.transpose() + b_s * as.transpose();
  M += S(D) * (b_s * b_s.transpose());
  M += a_s.asDiagonal() * Pc;
  M += Pc.transpose() * a_s.asDiagonal();
  M += b_s * csum.transpose() + csum * b_s.transpose();
  M += Cc;

  // Q <- Q - eta (Gh^T H + H^T Gh) + eta^2 H^T M H;  w_bar <- w_bar - eta H^T (G 1).
  RowMatrix<S> T(d, d);
  gemm_rows(T, Gh.transpose(), H, S(1), false, threads);
  Q_ -= eta * (T + T.transpose());
  const RowMatrix<S> MH = M * H;
  gemm_rows(Q_, H.transpose(), MH, eta * eta, true, threads);
  const ColVector<S> g1 = as + S(D) * b_s + csum;
  wbar_.noalias() -= eta * (H.transpose() * g1);

  // U <- U (I - eta H^T A H); by Woodbury, U^{-T} <- U^{-T} + (U^{-T} H^T) R eta A H
  // with R = (I_m - eta A H H^T)^{-1}, and U_new^{-T} H^T = (U^{-T} H^T) R.
  RowMatrix<S> Bm(m, d);
  gemm_rows(Bm, H, UinvT_.transpose(), S(1), false, threads);  // row j = (U^{-T} h_j)^T
  const RowMatrix<S> gram = H * H.transpose();
  RowMatrix<S> I_minus = RowMatrix<S>::Identity(m, m);
  I_minus.noalias() -= eta * (a_s.asDiagonal() * gram);
  const Eigen::PartialPivLU<Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>> lu(I_minus);
  const RowMatrix<S> R = lu.inverse();
  const RowMatrix<S> AH = (eta * a_s).asDiagonal() * H;
  gemm_rows(U_, UH.transpose(), AH, S(-1), true, threads);
  omega_.noalias() -= eta * (H.transpose() * (a_s.cwiseProduct(om_h) + b_s));
  const RowMatrix<S> RAH = R * AH;
  gemm_rows(UinvT_, Bm.transpose(), RAH, S(1), true, threads);
  const RowMatrix<S> Z = R.transpose() * Bm;  // row j = (U_new^{-T} h_j)^T

  // V_k <- V_k - eta sum_j c_jk z_j: only the target rows; serial so that
  // shared targets are summed in a fixed order.
  for (Index j = 0; j < m; ++j)
    for (Index p = Y.indptr[j]; p < Y.indptr[j + 1]; ++p) V_.row(Y.indices[p]).noalias() -= (eta * c[p]) * Z.row(j);

  ++updates_;
  if (this->options_.stabilize && updates_ % this->options_.stabilize_every == 0) stabilize_now();
  return stats;
}

template <class S>
void FactoredOutputLayer<S>::stabilize_now() {
  using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
  const Index D = this->D_, d = this->d_;
  const int threads = this->options_.threads;
  Eigen::BDCSVD<Mat> svd(Mat(U_), Eigen::ComputeFullU | Eigen::ComputeFullV);
  ColVector<S> sigma = svd.singularValues();
  const Mat& P = svd.matrixU();
  const Mat& R = svd.matrixV();
  ++stab_.checks;
  stab_.min_singular = std::min(stab_.min_singular, double(sigma.minCoeff()));
  stab_.max_singular = std::max(stab_.max_singular, double(sigma.maxCoeff()));
  std::vector<Index> out;
  for (Index i = 0; i < d; ++i)
    if (sigma(i) < this->options_.singular_low || sigma(i) > this->options_.singular_high) out.push_back(i);
  stab_.corrections += static_cast<long long>(out.size());
  if (2 * static_cast<Index>(out.size()) > d) {
    // Folding costs D d^2, a rank-r correction 2 D d r: fold when r > d/2.
    RowMatrix<S> Vnew(D, d);
    gemm_rows(Vnew, V_, U_, S(1), false, threads);
    V_.swap(Vnew);
    U_.setIdentity();
    UinvT_.setIdentity();
    ++stab_.folds;
    return;
  }
  if (!out.empty()) {
    // U = P S R^T; T = I + P_out diag(1/s - 1) P_out^T sets those s to 1 from
    // the left, and V <- V T^{-1} = V + (V P_out) diag(s - 1) P_out^T keeps W.
    const Index r = static_cast<Index>(out.size());
    RowMatrix<S> Pout(d, r);
    ColVector<S> scale(r);
    for (Index i = 0; i < r; ++i) {
      Pout.col(i) = P.col(out[i]);
      scale(i) = sigma(out[i]) - S(1);
      sigma(out[i]) = S(1);
    }
    const RowMatrix<S> right = scale.asDiagonal() * Pout.transpose();  // r x d
    RowMatrix<S> VP(D, r);
    gemm_rows(VP, V_, Pout, S(1), false, threads);
    gemm_rows(V_, VP, right, S(1), true, threads);
  }
  // U and U^{-T} from the (corrected) SVD: U^{-T} = P S^{-1} R^T exactly, so
  // the errors accumulated by the Woodbury updates are dropped here.
  U_ = P * sigma.asDiagonal() * R.transpose();
  UinvT_ = P * sigma.cwiseInverse().asDiagonal() * R.transpose();
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
