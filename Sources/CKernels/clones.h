#ifndef RECSTREAM_CKERNELS_CLONES_H
#define RECSTREAM_CKERNELS_CLONES_H

// Each kernel is compiled for AVX-512, AVX2 and baseline x86-64, and the
// loader picks the best the CPU has (GNU ifunc): the Swift code around it is
// built for baseline x86-64, two doubles or four floats per instruction.
#if defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

#endif
