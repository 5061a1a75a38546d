// The per-event d x d passes over a user's kept projection terms (the Swift
// `UserGram`): forming the system to solve, and decaying its recent part.
// Vectorised per CPU at load time, like the Cholesky solve.
#include "CKernels.h"
#include "clones.h"

CLONES
void recstream_user_gram_system(float *restrict matrix, float *restrict rhs, const float *restrict base, const double *restrict terms,
                                const double *restrict sums, ptrdiff_t d) {
    for (ptrdiff_t i = 0; i < d; i++) {
        const double *recencyFree = terms + i * 2 * d, *recent = recencyFree + d;
        for (ptrdiff_t j = 0; j < d; j++) matrix[i * d + j] = base[i * d + j] + (float)(recencyFree[j] + recent[j]);
    }
    for (ptrdiff_t k = 0; k < d; k++) rhs[k] = (float)(sums[k] + sums[d + k]);
}

CLONES
void recstream_scale_recent(double *restrict terms, double *restrict sums, double factor, ptrdiff_t d) {
    for (ptrdiff_t i = 0; i < d; i++) {
        double *recent = terms + i * 2 * d + d;
        for (ptrdiff_t j = 0; j < d; j++) recent[j] *= factor;
    }
    for (ptrdiff_t k = d; k < 2 * d; k++) sums[k] *= factor;
}
