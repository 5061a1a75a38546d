// OpenBLAS (Debian libopenblas-dev) for CBLAS, LAPACKE for the dense solves.
#include <cblas.h>
#include <lapacke.h>

// OpenBLAS extensions (declared in openblas_config.h / cblas.h on Debian).
char *openblas_get_config(void);
int openblas_get_num_threads(void);
