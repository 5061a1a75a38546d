import Dispatch

/// Seconds `body` took, on the monotonic clock (for evaluation and benchmarks).
public func timed(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
