#pragma once
/// @file Dense matrix types. Factors are row-major so that a document's (or a
/// term's) k weights are contiguous: every NMF kernel works row by row.
#include <Eigen/Core>

#include "strata/core/sparse.hpp"  // Index

namespace strata {

using DenseMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using DenseVector = Eigen::VectorXd;

}  // namespace strata
