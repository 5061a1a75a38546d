// The per-neighbour pass of a WALS projection: every neighbour's factor row
// read once, added to the right-hand side and scaled into the rows whose
// Gram matrix the solve adds. Swift's loop over the neighbours' rows was not
// vectorised and cost about as much as the ssyrk after it.
#include "CKernels.h"
#include "clones.h"
#include <math.h>

CLONES
int recstream_gather_projection(float *restrict scaled, float *restrict rhs, const float *restrict factors, const int32_t *restrict neighbours,
                                const float *restrict confidences, float unobservedWeight, ptrdiff_t n, ptrdiff_t d) {
    for (ptrdiff_t k = 0; k < d; k++) rhs[k] = 0;
    for (ptrdiff_t j = 0; j < n; j++) {
        float confidence = confidences[j], excess = confidence - unobservedWeight;
        if (!(excess >= 0)) return 0;
        float scale = sqrtf(excess);
        const float *restrict row = factors + (ptrdiff_t)neighbours[j] * d;
        float *restrict out = scaled + j * d;
        for (ptrdiff_t k = 0; k < d; k++) {
            rhs[k] += confidence * row[k];
            out[k] = scale * row[k];
        }
    }
    return 1;
}
