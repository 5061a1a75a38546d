/// Rows whose vectors changed since they were last folded into their
/// Gramian (and, for warm items, into the centroids), each with the vector as
/// it was last folded in. A vector that changes several times in a batch
/// (SGD, then a projection) costs one rank-1 correction, not one per change.
struct PendingVectorChanges {
    private var folded: [Int32: [Float]] = [:]

    /// Records `row`'s vector before its first change since the last flush.
    mutating func willChange(_ row: Int32, from vector: @autoclosure () -> [Float]) {
        if folded[row] == nil { folded[row] = vector() }
    }

    /// The recorded rows in ascending order (so sums, and results, do not
    /// depend on hashing), emptying the record.
    mutating func take() -> [(row: Int32, folded: [Float])] {
        defer { folded.removeAll(keepingCapacity: true) }
        return folded.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    mutating func removeAll() {
        folded.removeAll()
    }
}
