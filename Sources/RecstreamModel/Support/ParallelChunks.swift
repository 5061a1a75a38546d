import Dispatch

/// Runs `body` over `0..<count` split into one contiguous chunk per worker.
/// Chunks are fixed by `count` and `workers`, so results do not depend on
/// scheduling.
func parallelChunks(count: Int, workers: Int = BLASThreads.available, _ body: @Sendable (Range<Int>, Int) -> Void) {
    let workers = max(1, min(workers, count))
    if workers == 1 {
        body(0..<count, 0)
        return
    }
    BLASThreads.withSingleThreadedCalls {
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let start = count * worker / workers
            let end = count * (worker + 1) / workers
            body(start..<end, worker)
        }
    }
}
