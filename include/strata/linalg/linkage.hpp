#pragma once
/// @file Average-linkage (UPGMA) hierarchical clustering and the cophenetic
/// correlation of a distance matrix: how faithfully the dendrogram's merge
/// heights reproduce the distances (Sokal & Rohlf 1962). Rank selection uses
/// it on the consensus matrix of NMF runs (Brunet, Tamayo, Golub & Mesirov
/// 2004, "Metagenes and molecular pattern discovery using matrix
/// factorization", PNAS 101): a clean block structure gives a correlation
/// near 1, assignments that change from run to run lower it.
///
/// Algorithm: the nearest-neighbour chain (Murtagh 1983; Müllner 2011), exact
/// for average linkage because it is reducible; O(n^2) time on the n x n
/// matrix it updates in place by the Lance-Williams formula
/// d(A u B, C) = (|A| d(A, C) + |B| d(B, C)) / (|A| + |B|). The cophenetic
/// distance of two points is the height of the merge that first joins them,
/// the same as scipy.cluster.hierarchy.cophenet(linkage(d, 'average')).
#include "strata/linalg/dense.hpp"

namespace strata {

/// The n x n cophenetic distances of average-linkage clustering of the
/// symmetric `distances` (zero diagonal, finite, nonnegative). O(n^2) memory
/// beside the input. Throws ArgumentError for a non-square or non-finite matrix.
DenseMatrix average_linkage_cophenetic(const DenseMatrix& distances);

/// Pearson correlation between the distances and the cophenetic distances of
/// average linkage, over the pairs i < j (scipy's cophenet(Z, y)[0]). 1 when
/// every distance is equal (a degenerate but perfectly represented matrix);
/// needs n >= 2.
double cophenetic_correlation(const DenseMatrix& distances);

}  // namespace strata
