#pragma once
/// @file Linear output layers o = W h over a very large output dimension D with
/// sparse targets (Vincent, de Brebisson & Bouthillier, NIPS 2015, "Efficient
/// exact gradient update for training deep networks with very large sparse
/// targets", arXiv 1412.7091; SPEC 3.6).
///
/// Two layers share one interface:
///  - NaiveOutputLayer keeps W (D x d) and computes o = W h for all D outputs:
///    O(D d) per example. It is the reference and the baseline.
///  - FactoredOutputLayer keeps W = V U + 1 omega^T (V: D x d, U: d x d,
///    omega: d) together with U^{-T}, Q = W^T W and w_bar = W^T 1. For a loss
///    of the spherical family (losses.hpp), the loss, dL/dh and the exact SGD
///    update W <- W - eta sum_j (dL/do_j) h_j^T cost O(d^2 + K d) per example
///    instead of O(D d):
///      q_j = h^T Q h,  s_j = w_bar^T h,  o_jk = V_k (U h) + omega^T h,
///      dL/dh = a Q h + b w_bar + W^T c,
///      U <- U (I - eta H^T A H),  U^{-T} by Woodbury (one m x m solve),
///      V_k <- V_k - eta sum_j c_jk (U_new^{-T} h_j)^T   (K rows per example),
///      Q, w_bar by their exact rank-2m updates (needs the full m x m Gram of
///      the gradients, including C C^T over shared targets).
///    Per minibatch of m examples this is 7 m d^2 + 6 m^2 d multiply-adds of
///    dense products plus O(nnz d) over the target rows of V: nothing is
///    O(D). The small state (U, U^{-T}, Q, omega, w_bar) is accumulated in
///    double whatever S is, so that float32 training does not drift from the
///    naive layer through the rounding of many small rank-m increments.
///    Stabilization (mandatory): U shrinks geometrically under these updates.
///    Each update bounds how far the singular values of U can have moved
///    (by factors within [1 - eta ||H^T A+ H||_F, 1 + eta ||H^T A- H||_F],
///    O(m^2) from the Gram), and U is checked as soon as that bound may leave
///    [singular_low, singular_high], and in any case every `stabilize_every`
///    updates: its singular values from the eigenvalues of U^T U, singular
///    vectors only for the values moved (SymmetricEigenSubset; a full SVD
///    when cond(U) >= 100 or the vectors fail their check). U^{-T} is
///    refined by a Newton-Schulz step when it has drifted, and the singular
///    values within a factor (high/low)^(1/8) of an edge are moved back
///    inside by a left correction U <- T U with V <- V T^{-1} (T = c (I +
///    rank r), O(D d r), deferred: a row of V takes it when next touched,
///    all rows once the corrections' shared basis reaches `deferred_rank`
///    directions, see output_layer.cpp). The correction
///    also takes the values next in line and rescales all of them by c, away
///    from the edge they drift to, so that the next one is due as late as
///    the band allows.
///    When more than d/2 values are out of range U is folded into V instead
///    (V <- V U, U <- I; O(D d^2), cheaper then).
///
/// Examples are rows: a minibatch H is m x d (row j = h_j^T) and the targets Y
/// are an m x D CSR matrix whose rows have distinct, sorted columns (the same
/// column may appear in several rows: shared targets).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "strata/core/sparse.hpp"
#include "strata/nn/losses.hpp"

namespace strata::nn {

enum class OutputUpdate { Factored, Naive };
/// factored|naive; throws ArgumentError naming `output-update`.
OutputUpdate parse_output_update(const std::string& name);
std::string to_string(OutputUpdate update);

template <class S>
using RowMatrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S>
using ColVector = Eigen::Matrix<S, Eigen::Dynamic, 1>;

struct OutputLayerOptions {
  OutputLossOptions loss;     ///< the spherical-family loss
  int threads = 1;            ///< OpenMP threads for the O(d^2 m) and O(D d m) products
  bool stabilize = true;      ///< factored only: keep U well conditioned (turn off only to study the collapse)
  int stabilize_every = 100;  ///< factored only: most updates between two checks of U (checks also run
                              ///< whenever the singular values may have left [singular_low, singular_high])
  double singular_low = 0.5;  ///< factored only: singular values of U are kept in [low, high]
  double singular_high = 2.0; ///< factored only: upper end of that band
  int deferred_rank = 32;     ///< factored only: V's corrections are deferred (each row catches up when a
                              ///< minibatch next touches it) until the basis they share has this many
                              ///< directions (or 256 corrections are pending); one pass over V then applies
                              ///< them to all rows (0: every correction passes over V at once)
};

/// The nonzeros of a CSR minibatch grouped by column: for every distinct
/// column, the positions p of its nonzeros in ascending order (so ascending
/// row). Lets updates of the rows of a D x d matrix at the minibatch's columns
/// run in parallel over distinct columns, each summed in a fixed order.
struct ColumnGroups {
  std::vector<ColIndex> cols;  ///< distinct columns, ascending
  std::vector<Index> start;    ///< cols.size() + 1 offsets into `pos`
  std::vector<Index> pos;      ///< nonzero positions, grouped by column
  std::vector<Index> row_of;   ///< the row of every nonzero position
  void build(const Index* indptr, const ColIndex* indices, Index rows);
  Index size() const { return static_cast<Index>(cols.size()); }

 private:
  std::vector<Index> scratch_;  // the radix sort's second buffer, kept between minibatches
};

/// What a step reports: the loss summed over the minibatch.
struct OutputStepStats {
  double loss = 0.0;
};

template <class S>
class OutputLayer {
 public:
  virtual ~OutputLayer() = default;
  /// Computes the minibatch loss sum_j L(W h_j, y_j) and, when `grad_H` is
  /// non-null, dL/dH (m x d) at the current weights; then, when eta != 0,
  /// applies one SGD step W <- W - eta dL/dW. Throws ArgumentError on a
  /// shape mismatch or a target row with repeated columns.
  virtual OutputStepStats step(const RowMatrix<S>& H, const CsrView<S>& Y, S eta, RowMatrix<S>* grad_H) = 0;
  /// W materialized (D x d). O(D d^2) for the factored layer.
  virtual RowMatrix<S> weights() const = 0;
  /// Applies work a layer deferred (the factored layer's corrections of V)
  /// now, in one pass. Changes no weight; training does not call it, since
  /// weights() applies what is pending within its own pass.
  virtual void apply_deferred() {}
  Index output_dim() const { return D_; }
  Index input_dim() const { return d_; }

 protected:
  OutputLayer(Index D, Index d, const OutputLayerOptions& options) : D_(D), d_(d), options_(options) {}
  void check_batch(const RowMatrix<S>& H, const CsrView<S>& Y) const;
  Index D_, d_;
  OutputLayerOptions options_;
};

/// The O(D d) reference: W is stored and every output is computed.
template <class S>
class NaiveOutputLayer final : public OutputLayer<S> {
 public:
  NaiveOutputLayer(const RowMatrix<S>& W0, const OutputLayerOptions& options);
  OutputStepStats step(const RowMatrix<S>& H, const CsrView<S>& Y, S eta, RowMatrix<S>* grad_H) override;
  RowMatrix<S> weights() const override { return W_; }

 private:
  RowMatrix<S> W_;   // D x d
  RowMatrix<S> Ot_;  // D x m workspace: outputs, then dL/do, one column per example
};

/// Counters of the stabilization, for tests and diagnostics.
struct StabilizationStats {
  long long checks = 0;       ///< checks of U's singular values
  long long corrections = 0;  ///< singular values moved back into the band (summed over checks)
  long long passes = 0;       ///< checks that corrected V (a rank-r change of all D rows, deferred; folds
                              ///< not counted)
  long long flushes = 0;      ///< passes over all D rows of V applying the deferred corrections
  long long directions = 0;   ///< directions added to the deferred corrections' basis (summed over flushes;
                              ///< fewer than `corrections` when corrections were made in the basis)
  long long folds = 0;        ///< times U was folded into V
  long long resyncs = 0;      ///< Newton-Schulz refinements of U^{-T} (after checks that found it drifted)
  double min_singular = 1.0;  ///< smallest singular value of U seen at a check (before correction)
  double max_singular = 1.0;  ///< largest singular value of U seen at a check (before correction)
  double seconds = 0.0;       ///< wall time spent in the checks and corrections (catching up rows included)
};

/// The O(d^2) exact layer W = V U + 1 omega^T.
template <class S>
class FactoredOutputLayer final : public OutputLayer<S> {
 public:
  /// Starts from W0 (V = W0, U = I, omega = 0); computes Q = W0^T W0 once, O(D d^2).
  FactoredOutputLayer(const RowMatrix<S>& W0, const OutputLayerOptions& options);
  OutputStepStats step(const RowMatrix<S>& H, const CsrView<S>& Y, S eta, RowMatrix<S>* grad_H) override;
  RowMatrix<S> weights() const override;
  /// Brings every row of V up to date with the deferred corrections (one pass over V).
  void apply_deferred() override;
  const StabilizationStats& stabilization() const { return stab_; }
  /// Singular values of U (ascending order not guaranteed), O(d^3).
  ColVector<S> singular_values_of_U() const;
  /// Runs the stabilization check now (it also runs every `stabilize_every` updates).
  void stabilize_now();

 private:
  void refresh_products();                          // F_, omega_s_ and wbar_s_ from the double state
  void write_products_of_Q(RowMatrix<S>& F);        // F's Q (and wbar_s_)
  void write_products_of_U(RowMatrix<S>& F) const;  // F's U^T and U^{-1}
  // c_i . c_j summed over the targets examples i and j share (m x m), from the current groups_
  Eigen::MatrixXd shared_target_products(const S* c, Index m) const;
  void resync_inverse();    // U^{-T} refined when it has drifted from U's inverse
  // U = P diag(sigma) R^T: from the eigensolver of U^T U when well conditioned, else BDCSVD
  void svd_of_U(const Eigen::MatrixXd& UtU, bool well_conditioned, Eigen::VectorXd& sigma, Eigen::MatrixXd& P,
                Eigen::MatrixXd& R) const;
  // Deferred corrections of V (see output_layer.cpp). They share the
  // orthonormal basis B (rows); a row at version s < K takes
  // v <- a_s (v + (v B^T) Delta_s B), the product of corrections s..K-1.
  struct CatchUpScratch {
    RowMatrix<S> T;       // a block's rows times B^T, then their coefficients in B
    ColVector<S> scale;   // a_s per row
  };
  // P's columns (the directions a correction moves) as coefficients in B,
  // B extended when their projection on it would shift the corrected
  // singular values by more than `tolerance`; `shift` gets that bound.
  Eigen::MatrixXd express_in_basis(const Eigen::MatrixXd& P, const Eigen::VectorXd& gamma, double tolerance,
                                   double& shift);
  void defer_correction(const Eigen::MatrixXd& X, double a);  // the next one: V <- a (V + (V B^T) X B)
  void catch_up_block(S* block, Index rows, const std::uint32_t* versions, CatchUpScratch& scratch) const;
  void catch_up_targets();   // the current minibatch's rows of V, made current
  void flush_corrections();  // every row made current, the corrections dropped

  RowMatrix<S> V_;                           // D x d; row k has had the first row_version_[k] corrections
  std::vector<std::uint32_t> row_version_;   // D
  RowMatrix<double> basis_;                  // r x d, orthonormal rows
  RowMatrix<S> basis_s_;                     // the same in S
  std::vector<RowMatrix<double>> pending_;   // K: Delta_s (r x r)
  std::vector<RowMatrix<S>> pending_s_;      // the same in S
  std::vector<double> pending_scale_;        // K: a_s = product of the 1/c of corrections s..K-1
  RowMatrix<double> U_;             // d x d
  RowMatrix<double> UinvT_;         // d x d, U^{-T}
  RowMatrix<double> Q_;             // d x d, W^T W
  ColVector<double> omega_;         // d
  ColVector<double> wbar_;          // d, W^T 1
  RowMatrix<S> F_;                  // d x 3d = [Q | U^T | U^{-1}] in S: the forward's one product H F
  RowMatrix<S> F_next_;             // the next step's F_, written while F_ is still read
  ColVector<S> omega_s_, wbar_s_;   // omega, w_bar in S
  ColumnGroups groups_;             // the targets of the current minibatch by column
  long long updates_ = 0;
  long long since_check_ = 0;       // updates since the last check of U
  double sigma_low_bound_ = 1.0;    // proven bounds on the singular values of U
  double sigma_high_bound_ = 1.0;
  double log_shrink_ = 0.0;         // sums of the bounds' per-update log factors since the last check
  double log_grow_ = 0.0;
  StabilizationStats stab_;
};

/// Creates the layer named by `update` from W0.
template <class S>
std::unique_ptr<OutputLayer<S>> make_output_layer(OutputUpdate update, const RowMatrix<S>& W0,
                                                  const OutputLayerOptions& options);

}  // namespace strata::nn
