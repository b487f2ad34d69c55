#pragma once
/// @file All eigenvalues of a small dense symmetric matrix, and eigenvectors
/// for a chosen few of them only.
///
/// A full symmetric eigensolver spends most of its time on the vectors: at
/// d = 512 Eigen's takes ~46 ms with vectors and ~15 ms without. When only a
/// few vectors are wanted (the stabilization of the factored output layer
/// moves a few singular values of U at a time), this computes
///  - the tridiagonal reduction A = Q T Q^T (Householder) and T's eigenvalues
///    (implicit QL/QR, values only), at once;
///  - on request, eigenvectors of T for chosen eigenvalues by inverse
///    iteration (LU of T - mu I with partial pivoting, O(d) per solve), each
///    vector of a cluster (eigenvalues closer than 1e-3 ||T||) orthogonalized
///    against the cluster's earlier ones, as LAPACK's dstein does, then
///    carried back by Q (O(d^2) per vector).
/// The vectors are verified in A's own terms: each residual ||A z - lambda z||
/// at most 1e-9 ||A|| and the set orthonormal to 1e-9; a request that fails
/// the check returns false, and the caller uses a full eigensolver instead.
#include <vector>

#include <Eigen/Dense>

#include "strata/core/sparse.hpp"

namespace strata {

class SymmetricEigenSubset {
 public:
  /// Reduces A (symmetric; its lower triangle is read) and computes every eigenvalue.
  explicit SymmetricEigenSubset(const Eigen::MatrixXd& A);

  /// False when the eigenvalue iteration did not converge (nothing else is valid then).
  bool ok() const { return ok_; }

  /// Every eigenvalue, ascending.
  const Eigen::VectorXd& eigenvalues() const { return values_; }

  /// Unit eigenvectors for eigenvalues()(indices[j]), as the columns of Z
  /// (d x indices.size()). False when the verification fails (Z is then
  /// unspecified).
  bool eigenvectors(const std::vector<Index>& indices, Eigen::MatrixXd& Z) const;

 private:
  Eigen::MatrixXd A_;                               // kept for the verification
  Eigen::Tridiagonalization<Eigen::MatrixXd> tri_;  // A = Q T Q^T
  Eigen::VectorXd diag_, sub_;                      // T
  Eigen::VectorXd values_;
  double norm_ = 0.0;                               // ||T||_1 (= a bound on ||A||_2)
  bool ok_ = false;
};

}  // namespace strata
