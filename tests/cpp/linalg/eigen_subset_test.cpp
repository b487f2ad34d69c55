// SymmetricEigenSubset against Eigen's full symmetric eigensolver.
#include <gtest/gtest.h>

#include <Eigen/Dense>

#include "strata/linalg/eigen_subset.hpp"

using namespace strata;

namespace {

/// Q diag(values) Q^T for a random orthogonal Q.
Eigen::MatrixXd with_spectrum(const Eigen::VectorXd& values, unsigned seed) {
  std::srand(seed);
  const Eigen::MatrixXd G = Eigen::MatrixXd::Random(values.size(), values.size());
  const Eigen::MatrixXd Q = Eigen::HouseholderQR<Eigen::MatrixXd>(G).householderQ();
  return Q * values.asDiagonal() * Q.transpose();
}

/// The orthogonal projector onto the columns of Z.
Eigen::MatrixXd projector(const Eigen::MatrixXd& Z) { return Z * Z.transpose(); }

}  // namespace

TEST(SymmetricEigenSubset, ValuesAndChosenVectorsMatchTheFullSolver) {
  for (int d : {1, 2, 7, 64, 300}) {
    const Eigen::MatrixXd U = Eigen::MatrixXd::Identity(d, d) + 0.3 * Eigen::MatrixXd::Random(d, d);
    const Eigen::MatrixXd A = U.transpose() * U;
    const SymmetricEigenSubset eig(A);
    ASSERT_TRUE(eig.ok());
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> ref(A);
    const double scale = ref.eigenvalues().cwiseAbs().maxCoeff();
    EXPECT_LT((eig.eigenvalues() - ref.eigenvalues()).cwiseAbs().maxCoeff(), 1e-12 * scale) << "d = " << d;
    std::vector<Index> chosen = {0, d - 1, d / 2};
    if (d < 3) chosen.resize(static_cast<size_t>(d));
    Eigen::MatrixXd Z;
    ASSERT_TRUE(eig.eigenvectors(chosen, Z)) << "d = " << d;
    ASSERT_EQ(Z.cols(), static_cast<Index>(chosen.size()));
    for (size_t j = 0; j < chosen.size(); ++j)  // simple eigenvalues: the same vector up to sign
      EXPECT_NEAR(std::abs(Z.col(j).dot(ref.eigenvectors().col(chosen[j]))), 1.0, 1e-9) << "d = " << d << ", " << j;
  }
}

// Equal and nearly equal eigenvalues: inverse iteration alone would return
// one vector several times; orthogonalization within the cluster gives a
// basis of the eigenspace, which is what is unique.
TEST(SymmetricEigenSubset, ClustersGiveAnOrthonormalBasisOfTheEigenspace) {
  const int d = 40;
  Eigen::VectorXd values = Eigen::VectorXd::LinSpaced(d, 1.0, 4.0);
  values.head(4).setConstant(0.5);  // a fourfold eigenvalue
  values(4) = 0.5 + 1e-11;          // and one a hair above it
  const Eigen::MatrixXd A = with_spectrum(values, 3);
  const SymmetricEigenSubset eig(A);
  ASSERT_TRUE(eig.ok());
  Eigen::MatrixXd Z;
  ASSERT_TRUE(eig.eigenvectors({0, 1, 2, 3, 4}, Z));
  EXPECT_LT((Z.transpose() * Z - Eigen::MatrixXd::Identity(5, 5)).cwiseAbs().maxCoeff(), 1e-9);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> ref(A);
  EXPECT_LT((projector(Z) - projector(ref.eigenvectors().leftCols(5))).norm(), 1e-6);
  // The identity: every vector is an eigenvector, and those returned are orthonormal.
  const SymmetricEigenSubset identity(Eigen::MatrixXd::Identity(d, d));
  ASSERT_TRUE(identity.ok());
  ASSERT_TRUE(identity.eigenvectors({0, 5, 9, 39}, Z));
  EXPECT_LT((Z.transpose() * Z - Eigen::MatrixXd::Identity(4, 4)).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_FALSE(identity.eigenvectors({40}, Z));  // out of range
}
