// The Gramians' single-row corrections, G += n n^T - o o^T, once or more per
// event: a d x d pass in double precision, vectorised per CPU at load time
// (the Swift loop runs two doubles per instruction on baseline x86-64).
#include "CKernels.h"
#include "clones.h"

CLONES
void recstream_rank_two_update(double *g, const float *add, const float *remove, ptrdiff_t d) {
    double n[d > 0 ? d : 1], o[d > 0 ? d : 1];
    for (ptrdiff_t k = 0; k < d; k++) {
        n[k] = add ? (double)add[k] : 0.0;
        o[k] = remove ? (double)remove[k] : 0.0;
    }
    for (ptrdiff_t i = 0; i < d; i++) {
        double *restrict row = g + i * d;
        const double ni = n[i], oi = o[i];
        for (ptrdiff_t j = 0; j < d; j++) row[j] += ni * n[j] - oi * o[j];
    }
}
