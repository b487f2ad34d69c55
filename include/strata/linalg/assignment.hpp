#pragma once
/// @file Exact linear assignment (the "Hungarian" problem): given a cost
/// matrix C (n x m), choose one distinct column for each row (n <= m), or one
/// distinct row for each column (n > m), so that the total cost is minimal
/// (or maximal). NMFk matches the k components of each perturbed fit to k
/// centroids with it (SPEC 3.5): a greedy matching can pair a component with
/// the wrong centroid when two similarities compete, the exact one cannot.
///
/// Algorithm: shortest augmenting paths with row and column potentials (the
/// Kuhn-Munkres method in the form of Jonker & Volgenant 1987): rows are
/// added one at a time, each by a Dijkstra-like search over reduced costs
/// C_ij - u_i - v_j >= 0 that ends at a free column; potentials keep the
/// reduced costs nonnegative, so every augmentation is optimal.
/// Cost O(min(n, m)^2 max(n, m)); k = 20 takes microseconds.
#include <vector>

#include "strata/linalg/dense.hpp"

namespace strata {

/// Optimal assignment for `cost` (rows x cols, finite entries). Returns, for
/// each row, its column, or -1 for the rows left unassigned when rows > cols.
/// With `maximize`, the total is maximized instead. Throws ArgumentError for
/// an empty or non-finite cost matrix. Same optimum as
/// scipy.optimize.linear_sum_assignment (ties may be broken differently).
std::vector<int> linear_sum_assignment(const DenseMatrix& cost, bool maximize = false);

/// The total cost of an assignment returned by linear_sum_assignment.
double assignment_cost(const DenseMatrix& cost, const std::vector<int>& column_of_row);

}  // namespace strata
