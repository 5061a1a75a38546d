// A Cholesky solve for the small (d x d, d about 64) systems of the WALS
// projections. LAPACK's spotrf is built for large matrices: at d = 64 its
// blocked algorithm spends most of its 12-14 us in call and packing overhead.
// This one is blocked by 8 rows (a rank-8 update of two later rows at a
// time per block, so each element is loaded and stored once per 8
// multiply-adds and each row of the block is loaded once per 16), solves
// U^T z = b block by block as it factors, and U x = z by 8 dot products at
// once per block; it runs every update from a multiple of 16 columns
// (writing the unused lower triangle) so vectors are whole, and is compiled
// for AVX-512, AVX2 and baseline x86-64, picked at load time: about 3.3 us at
// d = 64 (5 us before the two-row update, the blocked solves and the copy
// for d = 64).
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

// update8 of t0 by c and of t1 by e, each u_t[k] loaded once for both.
static inline void update8x2(float *restrict t0, float *restrict t1, const float *restrict u, const float *restrict c, const float *restrict e, ptrdiff_t d, ptrdiff_t from) {
    const float *restrict u0 = u, *restrict u1 = u + d, *restrict u2 = u + 2 * d, *restrict u3 = u + 3 * d;
    const float *restrict u4 = u + 4 * d, *restrict u5 = u + 5 * d, *restrict u6 = u + 6 * d, *restrict u7 = u + 7 * d;
    float c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3], c4 = c[4], c5 = c[5], c6 = c[6], c7 = c[7];
    float e0 = e[0], e1 = e[1], e2 = e[2], e3 = e[3], e4 = e[4], e5 = e[5], e6 = e[6], e7 = e[7];
    for (ptrdiff_t k = from; k < d; k++) {
        float v0 = u0[k], v1 = u1[k], v2 = u2[k], v3 = u3[k], v4 = u4[k], v5 = u5[k], v6 = u6[k], v7 = u7[k];
        t0[k] -= ((c0 * v0 + c1 * v1) + (c2 * v2 + c3 * v3)) + ((c4 * v4 + c5 * v5) + (c6 * v6 + c7 * v7));
        t1[k] -= ((e0 * v0 + e1 * v1) + (e2 * v2 + e3 * v3)) + ((e4 * v4 + e5 * v5) + (e6 * v6 + e7 * v7));
    }
}

// target[k] -= c u[k] for k in [from, d).
static inline void update1(float *restrict target, const float *restrict u, float c, ptrdiff_t d, ptrdiff_t from) {
    for (ptrdiff_t k = from; k < d; k++) target[k] -= c * u[k];
}

static inline __attribute__((always_inline)) int cholesky_solve(float *a, float *b, ptrdiff_t d) {
    // A = U^T U, right-looking: row j of U is row j of what is left of A
    // divided by its pivot; then every later row i loses U[j][i] U[j][k].
    // b becomes z (U^T z = b) along the way, then x.
    float inverse[d];
    for (ptrdiff_t j0 = 0; j0 < d; j0 += 8) {
        ptrdiff_t j1 = j0 + 8 < d ? j0 + 8 : d;
        for (ptrdiff_t j = j0; j < j1; j++) {
            float diagonal = a[j * d + j];
            if (!(diagonal > 0)) return 0;
            float pivot = sqrtf(diagonal), inv = 1.0f / pivot;
            inverse[j] = inv;
            float *row = a + j * d;
            for (ptrdiff_t k = aligned(j); k < d; k++) row[k] *= inv;
            row[j] = pivot;
            for (ptrdiff_t i = j + 1; i < j1; i++) update1(a + i * d, row, row[i], d, aligned(i));
            // z[j], and its share of the block's later entries of b.
            b[j] *= inv;
            for (ptrdiff_t i = j + 1; i < j1; i++) b[i] -= row[i] * b[j];
        }
        if (j1 - j0 == 8) {
            ptrdiff_t i = j1;
            for (; i + 1 < d; i += 2) {
                float c[8], e[8];
                for (int t = 0; t < 8; t++) { c[t] = a[(j0 + t) * d + i]; e[t] = a[(j0 + t) * d + i + 1]; }
                update8x2(a + i * d, a + (i + 1) * d, a + j0 * d, c, e, d, aligned(i));
            }
            for (; i < d; i++) {
                float c[8];
                for (int t = 0; t < 8; t++) c[t] = a[(j0 + t) * d + i];
                update8(a + i * d, a + j0 * d, c, d, aligned(i));
            }
            // The block's share of every later entry of b.
            update8(b, a + j0 * d, b + j0, d, j1);
        } else {
            for (ptrdiff_t t = j0; t < j1; t++) {
                for (ptrdiff_t i = j1; i < d; i++) update1(a + i * d, a + t * d, a[t * d + i], d, aligned(i));
                update1(b, a + t * d, b[t], d, j1);
            }
        }
    }
    // U x = z by blocks of 8 rows from the bottom: first the 8 dot products
    // of the block's rows with the solved entries below it, then the block.
    ptrdiff_t last = d - (d % 8 == 0 ? 8 : d % 8);
    for (ptrdiff_t j0 = last; j0 >= 0; j0 -= 8) {
        ptrdiff_t j1 = j0 + 8 < d ? j0 + 8 : d;
        if (j1 < d) {
            // Only the last block can be short, and nothing lies below it.
            const float *restrict u0 = a + j0 * d, *restrict u1 = u0 + d, *restrict u2 = u0 + 2 * d, *restrict u3 = u0 + 3 * d;
            const float *restrict u4 = u0 + 4 * d, *restrict u5 = u0 + 5 * d, *restrict u6 = u0 + 6 * d, *restrict u7 = u0 + 7 * d;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            for (ptrdiff_t k = j1; k < d; k++) {
#pragma clang fp reassociate(on)
                float x = b[k];
                s0 += u0[k] * x; s1 += u1[k] * x; s2 += u2[k] * x; s3 += u3[k] * x;
                s4 += u4[k] * x; s5 += u5[k] * x; s6 += u6[k] * x; s7 += u7[k] * x;
            }
            b[j0] -= s0; b[j0 + 1] -= s1; b[j0 + 2] -= s2; b[j0 + 3] -= s3;
            b[j0 + 4] -= s4; b[j0 + 5] -= s5; b[j0 + 6] -= s6; b[j0 + 7] -= s7;
        }
        for (ptrdiff_t t = j1 - 1; t >= j0; t--) {
            const float *row = a + t * d;
            float sum = b[t];
            for (ptrdiff_t k = t + 1; k < j1; k++) sum -= row[k] * b[k];
            b[t] = sum * inverse[t];
        }
    }
    return 1;
}

CLONES
int recstream_cholesky_solve(float *a, float *b, ptrdiff_t d) {
    // The default dimension gets a copy compiled for it: with every loop
    // bound known, about 15 % faster (3.9 -> 3.3 us in a micro-benchmark).
    if (d == 64) return cholesky_solve(a, b, 64);
    return cholesky_solve(a, b, d);
}
