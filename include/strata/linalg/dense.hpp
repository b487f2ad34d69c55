#pragma once
/// @file Dense matrix types. Factors are row-major so that a document's (or a
/// term's) k weights are contiguous: every NMF kernel works row by row.
#include <Eigen/Core>

#include "strata/core/sparse.hpp"  // Index

namespace strata {

using DenseMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using DenseVector = Eigen::VectorXd;
/// Views of row-major blocks: a DenseMatrix or a Map over a caller's buffer
/// (NMF reuses one buffer for products of two shapes). No copy either way.
using DenseRef = Eigen::Ref<DenseMatrix>;
using ConstDenseRef = Eigen::Ref<const DenseMatrix>;

}  // namespace strata
