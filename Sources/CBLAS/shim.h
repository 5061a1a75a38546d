// OpenBLAS (Debian libopenblas-dev) for CBLAS, LAPACKE for the dense solves.
#include <cblas.h>
#include <lapacke.h>

// OpenBLAS extensions (also declared by Debian's cblas.h; repeated for clarity).
char *openblas_get_config(void);
int openblas_get_num_threads(void);
int openblas_get_num_procs(void);
void openblas_set_num_threads(int num_threads);
