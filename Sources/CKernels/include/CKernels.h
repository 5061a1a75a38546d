#ifndef RECSTREAM_CKERNELS_H
#define RECSTREAM_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Solves A x = b in place for a symmetric positive definite d x d matrix A
/// given by its upper triangle, row-major (b becomes x; A's upper triangle
/// becomes the Cholesky factor U, A = U^T U, and its lower triangle scratch).
/// Returns 0 when A is not positive definite, 1 otherwise.
int recstream_cholesky_solve(float *a, float *b, ptrdiff_t d);

/// g += add add^T - remove remove^T for a full d x d matrix g (either vector
/// may be NULL: then its term is left out), in double precision.
void recstream_rank_two_update(double *g, const float *add, const float *remove, ptrdiff_t d);

/// The system of a user's kept projection terms (see the Swift `UserGram`):
/// matrix = base + P + R (float, d x d row-major, from double terms laid out
/// as d rows of [P row | R row]) and rhs = p + q (from sums = [p | q]).
void recstream_user_gram_system(float *matrix, float *rhs, const float *base, const double *terms, const double *sums, ptrdiff_t d);

/// Multiplies R (the right half of each row of terms, d rows of 2d) and q
/// (the second half of sums) by factor.
void recstream_scale_recent(double *terms, double *sums, double factor, ptrdiff_t d);

/// For the n neighbours of an entity (rows of factors, d values each, with
/// their confidences): rhs = sum_j c_j y_j and scaled row j = sqrt(c_j - w0) y_j.
/// Returns 0 as soon as some c_j < w0 (then scaled and rhs are incomplete), 1 otherwise.
int recstream_gather_projection(float *scaled, float *rhs, const float *factors, const int32_t *neighbours, const float *confidences,
                                float unobservedWeight, ptrdiff_t n, ptrdiff_t d);

#endif
