import CBLAS
import CKernels

/// `G = X^T X` of an embedding table, kept current under single-row changes
/// by rank-1 corrections (in double precision, so drift stays small) and
/// recomputed exactly on demand.
public struct Gramian: Sendable {
    public let dimension: Int
    /// Full symmetric d x d matrix, row-major.
    public private(set) var values: [Double]

    public init(dimension: Int) {
        self.dimension = dimension
        values = [Double](repeating: 0, count: dimension * dimension)
    }

    /// The exact Gramian of `table`.
    public init(exactOf table: EmbeddingTable) {
        self.init(dimension: table.dimension)
        let d = dimension
        let blockRows = 4096
        var block = [Double](repeating: 0, count: blockRows * d)
        values.withUnsafeMutableBufferPointer { g in
            table.withUnsafeValues { x in
                var start = 0
                while start < table.count {
                    let rows = min(blockRows, table.count - start)
                    for index in 0..<rows * d { block[index] = Double(x[start * d + index]) }
                    // G += B^T B (upper triangle), B = rows x d row-major.
                    cblas_dsyrk(
                        CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(rows), 1, block, Int32(d), 1, g.baseAddress, Int32(d))
                    start += rows
                }
            }
            for i in 0..<d { for j in 0..<i { g[i * d + j] = g[j * d + i] } }
        }
    }

    /// Applies the change of one row from `old` to `new` (nil = absent):
    /// `G += new new^T - old old^T`, in double precision.
    public mutating func replace(old: UnsafeBufferPointer<Float>?, new: UnsafeBufferPointer<Float>?) {
        precondition(old.map { $0.count == dimension } ?? true && new.map { $0.count == dimension } ?? true)
        values.withUnsafeMutableBufferPointer { g in
            recstream_rank_two_update(g.baseAddress, new?.baseAddress, old?.baseAddress, dimension)
        }
    }

    /// Applies many row changes at once: `oldRows` and `newRows` hold the
    /// changed rows' old and new vectors, row-major, in the same order.
    /// Below 8 rows, one `replace(old:new:)` per row; from 8, `G += N^T N - O^T O`
    /// by two dsyrk calls on the stacked rows: the same sum at BLAS speed.
    public mutating func replace(oldRows: [Float], newRows: [Float]) {
        precondition(oldRows.count == newRows.count && oldRows.count % dimension == 0)
        let d = dimension
        let m = oldRows.count / d
        guard m >= 8 else {
            oldRows.withUnsafeBufferPointer { old in
                newRows.withUnsafeBufferPointer { new in
                    for row in 0..<m {
                        replace(
                            old: UnsafeBufferPointer(rebasing: old[row * d..<(row + 1) * d]),
                            new: UnsafeBufferPointer(rebasing: new[row * d..<(row + 1) * d]))
                    }
                }
            }
            return
        }
        let stackedNew = newRows.map(Double.init)
        let stackedOld = oldRows.map(Double.init)
        values.withUnsafeMutableBufferPointer { g in
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(m), 1, stackedNew, Int32(d), 1, g.baseAddress, Int32(d))
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(m), -1, stackedOld, Int32(d), 1, g.baseAddress, Int32(d))
            for i in 0..<d { for j in 0..<i { g[i * d + j] = g[j * d + i] } }
        }
    }

    /// Array convenience for `replace(old:new:)`.
    public mutating func replace(old: [Float]?, new: [Float]?) {
        withOptionalBuffer(old) { oldBuffer in withOptionalBuffer(new) { replace(old: oldBuffer, new: $0) } }
    }

    /// Relative Frobenius distance to another Gramian (e.g. an exact recompute).
    public func relativeDrift(from exact: Gramian) -> Double {
        var difference = 0.0
        var norm = 0.0
        for index in values.indices {
            let delta = values[index] - exact.values[index]
            difference += delta * delta
            norm += exact.values[index] * exact.values[index]
        }
        return norm == 0 ? difference.squareRoot() : (difference / norm).squareRoot()
    }

    /// The matrix in single precision, as BLAS calls want it.
    public var floatValues: [Float] { values.map { Float($0) } }

    /// Largest eigenvalue, by power iteration (G is positive semi-definite).
    public func largestEigenvalue(iterations: Int = 50) -> Double {
        largestEigenpair(iterations: iterations).value
    }

    /// Largest eigenvalue and its unit eigenvector by power iteration, started
    /// from `start` when given (a previous eigenvector converges in few steps).
    public func largestEigenpair(start: [Double]? = nil, iterations: Int) -> (value: Double, vector: [Double]) {
        let d = dimension
        var vector = start?.count == d ? start! : [Double](repeating: 1 / Double(d).squareRoot(), count: d)
        var eigenvalue = 0.0
        var next = [Double](repeating: 0, count: d)
        for _ in 0..<iterations {
            values.withUnsafeBufferPointer { g in
                for i in 0..<d {
                    var sum = 0.0
                    for j in 0..<d { sum += g[i * d + j] * vector[j] }
                    next[i] = sum
                }
            }
            let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm == 0 { return (0, vector) }
            eigenvalue = norm
            vector = next.map { $0 / norm }
        }
        return (eigenvalue, vector)
    }
}

private func withOptionalBuffer<R>(_ array: [Float]?, _ body: (UnsafeBufferPointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0) }
}
