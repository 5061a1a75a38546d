import CBLAS

/// Facts about the BLAS library the loader picked (OpenBLAS on Debian).
public enum BLASRuntime {
    /// OpenBLAS's build configuration, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// Threads OpenBLAS uses for one call.
    public static var threads: Int { Int(openblas_get_num_threads()) }
}

extension BLASRuntime {
    /// Runs `body` with OpenBLAS limited to one thread (for single-core measurements).
    public static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        try BLASThreads.withSingleThreadedCalls(body)
    }
}
