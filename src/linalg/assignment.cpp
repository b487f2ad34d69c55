#include "strata/linalg/assignment.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "strata/core/error.hpp"

namespace strata {

namespace {

/// Rows <= columns: every row gets a column. a(i, j) is the cost to minimize.
std::vector<int> assign_rows(const DenseMatrix& a) {
  const int n = static_cast<int>(a.rows()), m = static_cast<int>(a.cols());
  const double inf = std::numeric_limits<double>::infinity();
  // 1-based bookkeeping with a virtual column 0 that holds the row being added.
  std::vector<double> u(n + 1, 0.0), v(m + 1, 0.0);
  std::vector<int> row_of_col(m + 1, 0), previous_col(m + 1, 0);
  std::vector<double> min_reduced(m + 1);
  std::vector<char> visited(m + 1);
  for (int i = 1; i <= n; ++i) {
    row_of_col[0] = i;
    int col = 0;
    std::fill(min_reduced.begin(), min_reduced.end(), inf);
    std::fill(visited.begin(), visited.end(), 0);
    // Grow a tree of tight edges until it reaches a free column.
    do {
      visited[col] = 1;
      const int row = row_of_col[col];
      double delta = inf;
      int next = 0;
      for (int j = 1; j <= m; ++j) {
        if (visited[j]) continue;
        const double reduced = a(row - 1, j - 1) - u[row] - v[j];
        if (reduced < min_reduced[j]) {
          min_reduced[j] = reduced;
          previous_col[j] = col;
        }
        if (min_reduced[j] < delta) {
          delta = min_reduced[j];
          next = j;
        }
      }
      // Shift the potentials so that the cheapest new edge becomes tight.
      for (int j = 0; j <= m; ++j) {
        if (visited[j]) {
          u[row_of_col[j]] += delta;
          v[j] -= delta;
        } else {
          min_reduced[j] -= delta;
        }
      }
      col = next;
    } while (row_of_col[col] != 0);
    // Flip the augmenting path back to the root.
    do {
      const int prev = previous_col[col];
      row_of_col[col] = row_of_col[prev];
      col = prev;
    } while (col != 0);
  }
  std::vector<int> column_of_row(n, -1);
  for (int j = 1; j <= m; ++j)
    if (row_of_col[j] != 0) column_of_row[row_of_col[j] - 1] = j - 1;
  return column_of_row;
}

}  // namespace

std::vector<int> linear_sum_assignment(const DenseMatrix& cost, bool maximize) {
  require_argument(cost.rows() > 0 && cost.cols() > 0, "cost", "a non-empty matrix",
                   std::to_string(cost.rows()) + " x " + std::to_string(cost.cols()));
  require_argument(cost.allFinite(), "cost", "finite", "a NaN or infinite entry");
  const DenseMatrix a = maximize ? DenseMatrix(-cost) : cost;
  if (a.rows() <= a.cols()) return assign_rows(a);
  // More rows than columns: assign every column a row, then invert.
  const std::vector<int> row_of_col = assign_rows(a.transpose());
  std::vector<int> column_of_row(static_cast<size_t>(a.rows()), -1);
  for (size_t j = 0; j < row_of_col.size(); ++j) column_of_row[static_cast<size_t>(row_of_col[j])] = static_cast<int>(j);
  return column_of_row;
}

double assignment_cost(const DenseMatrix& cost, const std::vector<int>& column_of_row) {
  double total = 0.0;
  for (size_t i = 0; i < column_of_row.size(); ++i)
    if (column_of_row[i] >= 0) total += cost(static_cast<Index>(i), column_of_row[i]);
  return total;
}

}  // namespace strata
