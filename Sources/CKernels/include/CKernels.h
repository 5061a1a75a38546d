#ifndef RECSTREAM_CKERNELS_H
#define RECSTREAM_CKERNELS_H

#include <stddef.h>

/// Solves A x = b in place for a symmetric positive definite d x d matrix A
/// given by its upper triangle, row-major (b becomes x; A's upper triangle
/// becomes the Cholesky factor U, A = U^T U, and its lower triangle scratch).
/// Returns 0 when A is not positive definite, 1 otherwise.
int recstream_cholesky_solve(float *a, float *b, ptrdiff_t d);

/// g += add add^T - remove remove^T for a full d x d matrix g (either vector
/// may be NULL: then its term is left out), in double precision.
void recstream_rank_two_update(double *g, const float *add, const float *remove, ptrdiff_t d);

#endif
