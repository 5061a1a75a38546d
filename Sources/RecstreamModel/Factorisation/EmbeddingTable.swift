/// Row-major `Float` storage of `count` vectors of `dimension` each, growing
/// by amortised doubling (appending never copies the whole table each time).
public struct EmbeddingTable: Sendable {
    public let dimension: Int
    public private(set) var count: Int = 0
    /// `count * dimension` values, row after row.
    public private(set) var values: [Float] = []

    public init(dimension: Int, reservingRows rows: Int = 0) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
        values.reserveCapacity(rows * dimension)
    }

    /// Appends a row and returns its index.
    @discardableResult
    public mutating func append<C: Collection>(_ vector: C) -> Int where C.Element == Float {
        precondition(vector.count == dimension, "vector of \(vector.count) values in a table of dimension \(dimension)")
        values.append(contentsOf: vector)
        count += 1
        return count - 1
    }

    /// Appends a zero row and returns its index.
    @discardableResult
    public mutating func appendZero() -> Int {
        values.append(contentsOf: repeatElement(0, count: dimension))
        count += 1
        return count - 1
    }

    /// A copy of row `row`.
    public func vector(_ row: Int) -> [Float] {
        Array(values[row * dimension..<(row + 1) * dimension])
    }

    /// Copies of `rows`, one after another.
    public func gather(_ rows: [Int32]) -> [Float] {
        var gathered: [Float] = []
        gathered.reserveCapacity(rows.count * dimension)
        for row in rows { gathered.append(contentsOf: values[Int(row) * dimension..<(Int(row) + 1) * dimension]) }
        return gathered
    }

    /// The table with every row scaled to unit length (a zero row stays zero).
    public func unitRows() -> EmbeddingTable {
        var unit = self
        unit.values.withUnsafeMutableBufferPointer { values in
            for row in 0..<count {
                let vector = UnsafeMutableBufferPointer(rebasing: values[row * dimension..<(row + 1) * dimension])
                let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 0 { for index in vector.indices { vector[index] /= norm } }
            }
        }
        return unit
    }

    /// Overwrites row `row`.
    public mutating func set<C: Collection>(_ row: Int, to vector: C) where C.Element == Float {
        precondition(vector.count == dimension)
        values.replaceSubrange(row * dimension..<(row + 1) * dimension, with: vector)
    }

    /// Calls `body` with a pointer to the first value of row 0 (rows are contiguous).
    public func withUnsafeValues<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// Calls `body` with a mutable pointer to the first value of row 0.
    public mutating func withUnsafeMutableValues<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try values.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}
