// A Cholesky solve for the small (d x d, d about 64) systems of the WALS
// projections. LAPACK's spotrf is built for large matrices: at d = 64 its
// blocked algorithm spends most of its 12-14 us in call and packing overhead.
// This one is blocked by 8 rows (a rank-8 update of the rest per block, so
// each element is loaded and stored once per 8 multiply-adds), runs every
// loop from a multiple of 16 columns (writing the unused lower triangle) so
// vectors are whole, and is compiled for AVX-512, AVX2 and baseline x86-64,
// picked at load time: about 5 us at d = 64.
#include "CKernels.h"
#include "clones.h"
#include <math.h>

static inline ptrdiff_t aligned(ptrdiff_t k) { return k & ~(ptrdiff_t)15; }

// target[k] -= sum_t c[t] u_t[k] for k in [from, d), u_t the 8 rows from u.
static inline void update8(float *restrict target, const float *restrict u, const float *restrict c, ptrdiff_t d, ptrdiff_t from) {
    const float *restrict u0 = u, *restrict u1 = u + d, *restrict u2 = u + 2 * d, *restrict u3 = u + 3 * d;
    const float *restrict u4 = u + 4 * d, *restrict u5 = u + 5 * d, *restrict u6 = u + 6 * d, *restrict u7 = u + 7 * d;
    float c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3], c4 = c[4], c5 = c[5], c6 = c[6], c7 = c[7];
    for (ptrdiff_t k = from; k < d; k++)
        target[k] -= ((c0 * u0[k] + c1 * u1[k]) + (c2 * u2[k] + c3 * u3[k])) + ((c4 * u4[k] + c5 * u5[k]) + (c6 * u6[k] + c7 * u7[k]));
}

// target[k] -= c u[k] for k in [from, d).
static inline void update1(float *restrict target, const float *restrict u, float c, ptrdiff_t d, ptrdiff_t from) {
    for (ptrdiff_t k = from; k < d; k++) target[k] -= c * u[k];
}

CLONES
int recstream_cholesky_solve(float *a, float *b, ptrdiff_t d) {
    // A = U^T U, right-looking: row j of U is row j of what is left of A
    // divided by its pivot; then every later row i loses U[j][i] U[j][k].
    for (ptrdiff_t j0 = 0; j0 < d; j0 += 8) {
        ptrdiff_t j1 = j0 + 8 < d ? j0 + 8 : d;
        for (ptrdiff_t j = j0; j < j1; j++) {
            float diagonal = a[j * d + j];
            if (!(diagonal > 0)) return 0;
            float pivot = sqrtf(diagonal), inverse = 1.0f / pivot;
            float *row = a + j * d;
            for (ptrdiff_t k = aligned(j); k < d; k++) row[k] *= inverse;
            row[j] = pivot;
            for (ptrdiff_t i = j + 1; i < j1; i++) update1(a + i * d, row, row[i], d, aligned(i));
        }
        if (j1 - j0 == 8) {
            for (ptrdiff_t i = j1; i < d; i++) {
                float c[8];
                for (int t = 0; t < 8; t++) c[t] = a[(j0 + t) * d + i];
                update8(a + i * d, a + j0 * d, c, d, aligned(i));
            }
        } else {
            for (ptrdiff_t t = j0; t < j1; t++)
                for (ptrdiff_t i = j1; i < d; i++) update1(a + i * d, a + t * d, a[t * d + i], d, aligned(i));
        }
    }
    // U^T z = b by the rows of U, then U x = z by row dot products.
    for (ptrdiff_t j = 0; j < d; j++) {
        b[j] /= a[j * d + j];
        const float *row = a + j * d;
        float value = b[j];
        for (ptrdiff_t k = j + 1; k < d; k++) b[k] -= row[k] * value;
    }
    for (ptrdiff_t i = d - 1; i >= 0; i--) {
        const float *row = a + i * d;
        float sum = b[i];
        for (ptrdiff_t k = i + 1; k < d; k++) {
#pragma clang fp reassociate(on)
            sum -= row[k] * b[k];
        }
        b[i] = sum / row[i];
    }
    return 1;
}
