import CBLAS

/// OpenBLAS's thread count is process-global. Parallel sections that run
/// many small BLAS/LAPACK calls on their own worker threads set it to 1
/// for their duration; large single calls (sgemm, syrk) use all cores.
enum BLASThreads {
    /// Number of hardware threads (the width of recstream's parallel sections).
    static let available = Int(openblas_get_num_procs())

    static func withSingleThreadedCalls<R>(when condition: Bool = true, _ body: () throws -> R) rethrows -> R {
        guard condition else { return try body() }
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}
