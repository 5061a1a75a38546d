import Synchronization

/// The inputs of many independent WALS projections in flat arrays
/// (CSR layout), so they can be solved in parallel without shared state.
public struct ProjectionBatch: Sendable {
    /// The rows to project (on the side being solved).
    public private(set) var targets: [Int32] = []
    /// Neighbours of target t are `neighbours[offsets[t]..<offsets[t+1]]`.
    public private(set) var offsets: [Int] = [0]
    public private(set) var neighbours: [Int32] = []
    public private(set) var confidences: [Float] = []
    /// Target t's prior is `priors[priorOffsets[t]...]` (d values), or none when -1.
    public private(set) var priorOffsets: [Int] = []
    public private(set) var priors: [Float] = []

    public init() {}

    public mutating func append(target: Int32, neighbours rows: [Int32], confidences values: [Float], prior: [Float]? = nil) {
        precondition(rows.count == values.count)
        targets.append(target)
        neighbours.append(contentsOf: rows)
        confidences.append(contentsOf: values)
        offsets.append(neighbours.count)
        appendPrior(prior)
    }

    /// Appends a target with `count` neighbours that `fill` writes in place
    /// (rows, confidences): no per-entry append.
    public mutating func append(
        target: Int32, count: Int, prior: [Float]? = nil,
        fill: (UnsafeMutableBufferPointer<Int32>, UnsafeMutableBufferPointer<Float>) -> Void
    ) {
        targets.append(target)
        let start = neighbours.count
        neighbours.append(contentsOf: repeatElement(0, count: count))
        confidences.append(contentsOf: repeatElement(0, count: count))
        neighbours.withUnsafeMutableBufferPointer { rows in
            confidences.withUnsafeMutableBufferPointer { values in
                fill(UnsafeMutableBufferPointer(rebasing: rows[start...]), UnsafeMutableBufferPointer(rebasing: values[start...]))
            }
        }
        offsets.append(neighbours.count)
        appendPrior(prior)
    }

    /// Makes room for `targets` more targets with `neighbours` neighbours in all.
    public mutating func reserveCapacity(targets extraTargets: Int, neighbours extraNeighbours: Int) {
        targets.reserveCapacity(targets.count + extraTargets)
        offsets.reserveCapacity(offsets.count + extraTargets)
        priorOffsets.reserveCapacity(priorOffsets.count + extraTargets)
        neighbours.reserveCapacity(neighbours.count + extraNeighbours)
        confidences.reserveCapacity(confidences.count + extraNeighbours)
    }

    public var count: Int { targets.count }

    private mutating func appendPrior(_ prior: [Float]?) {
        if let prior {
            priorOffsets.append(priors.count)
            priors.append(contentsOf: prior)
        } else {
            priorOffsets.append(-1)
        }
    }
}

extension WALSSolver {
    /// Solves every projection of `batch` on all cores and writes each result
    /// into its target row of `output`. Returns the number of targets whose
    /// system could not be solved (their rows are left unchanged).
    public func solve(_ batch: ProjectionBatch, factors: EmbeddingTable, into output: inout EmbeddingTable) -> Int {
        precondition(factors.dimension == dimension && output.dimension == dimension)
        precondition(batch.targets.allSatisfy { Int($0) < output.count }, "projection target outside the output table")
        let failures = Mutex(0)
        let d = dimension
        // Short histories take the Woodbury path when a batch is large enough
        // to pay for the shared inverse (two d x d inversions).
        let cutoff = woodburyCutoff
        let shortHistories = (0..<batch.count).lazy.filter { batch.offsets[$0 + 1] - batch.offsets[$0] <= cutoff }.count
        let inverse =
            method == .cholesky && shortHistories >= Self.woodburyMinimumBatch
            ? SharedInverse(self, needsPrior: batch.priorOffsets.contains { $0 >= 0 }) : nil
        // d x d systems: one BLAS thread per solve, parallelism across solves.
        BLASThreads.withSingleThreadedCalls(when: batch.count > 1) {
            output.withUnsafeMutableValues { outputValues in
                let output = SharedPointer(outputValues)
                factors.withUnsafeValues { factorValues in
                    let factors = SharedPointer(factorValues)
                    batch.neighbours.withUnsafeBufferPointer { neighbourValues in
                        let neighbours = SharedPointer(neighbourValues.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                        batch.confidences.withUnsafeBufferPointer { confidenceValues in
                            let confidences = SharedPointer(confidenceValues.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                            batch.priors.withUnsafeBufferPointer { priorValues in
                                let priors = SharedPointer(priorValues.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                                parallelChunks(count: batch.count) { range, _ in
                                    var workspace = Workspace()
                                    var failed = 0
                                    for t in range {
                                        let start = batch.offsets[t]
                                        let length = batch.offsets[t + 1] - start
                                        let neighbourRows = UnsafeBufferPointer(start: neighbours.base + start, count: length)
                                        let confidenceValues = UnsafeBufferPointer(start: confidences.base + start, count: length)
                                        let prior = batch.priorOffsets[t] < 0 ? nil : priors.base + batch.priorOffsets[t]
                                        let target = output.mutableBase + Int(batch.targets[t]) * d
                                        var solved: Bool?
                                        if let inverse, length <= cutoff {
                                            let matrix = prior != nil && priorWeight > 0 ? inverse.withPrior! : inverse.plain
                                            solved = matrix.withUnsafeBufferPointer { matrix in
                                                solveShortHistory(
                                                    neighbours: neighbourRows, confidences: confidenceValues, factors: factors.base,
                                                    prior: prior,
                                                    inverse: matrix.baseAddress!, workspace: &workspace, output: target)
                                            }
                                        }
                                        if solved == nil {
                                            solved = solve(
                                                neighbours: neighbourRows, confidences: confidenceValues, factors: factors.base,
                                                prior: prior,
                                                workspace: &workspace, output: target)
                                        }
                                        if solved != true { failed += 1 }
                                    }
                                    if failed > 0 { failures.withLock { $0 += failed } }
                                }
                            }
                        }
                    }
                }
            }
        }
        return failures.withLock { $0 }
    }
}

extension WALSSolver {
    /// Short histories in a batch below which the Woodbury path's shared
    /// inverse does not pay.
    static let woodburyMinimumBatch = 16
}

/// A pointer handed to parallel workers that read shared data or write
/// disjoint rows; the caller keeps the memory alive for the whole section.
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafePointer<T>
    var mutableBase: UnsafeMutablePointer<T> { UnsafeMutablePointer(mutating: base) }

    init(_ base: UnsafePointer<T>) { self.base = base }
    init(_ base: UnsafeMutablePointer<T>) { self.base = UnsafePointer(base) }
}
