/// Rows whose vectors changed since they were last folded into their
/// Gramian (and, for warm items, into the centroids), each with the vector as
/// it was last folded in. A vector that changes several times in a batch
/// (SGD, then a projection) costs one rank-1 correction, not one per change.
/// The recorded vectors sit in one flat array: recording a row allocates nothing
/// once the record has grown.
struct PendingVectorChanges {
    let dimension: Int
    /// Where each recorded row's vector is in `folded`.
    private var slots: [Int32: Int] = [:]
    private var rows: [Int32] = []
    private var folded: [Float] = []

    init(dimension: Int) {
        self.dimension = dimension
    }

    /// What `take()` hands over: the rows in ascending order (so sums, and
    /// results, do not depend on hashing) and their last folded vectors,
    /// `dimension` values per row in the same order.
    struct Changes {
        var rows: [Int32] = []
        var folded: [Float] = []
    }

    /// Records `row`'s vector in `table` before its first change since the last take.
    mutating func willChange(_ row: Int32, in table: EmbeddingTable) {
        guard slots[row] == nil else { return }
        slots[row] = rows.count
        rows.append(row)
        let d = dimension
        table.withUnsafeValues { folded.append(contentsOf: UnsafeBufferPointer(start: $0 + Int(row) * d, count: d)) }
    }

    /// The recorded changes, emptying the record.
    mutating func take() -> Changes {
        defer { removeAll() }
        guard !rows.isEmpty else { return Changes() }
        let d = dimension
        let order = rows.indices.sorted { rows[$0] < rows[$1] }
        var changes = Changes(rows: order.map { rows[$0] })
        changes.folded.reserveCapacity(folded.count)
        for slot in order { changes.folded.append(contentsOf: folded[slot * d..<(slot + 1) * d]) }
        return changes
    }

    mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        rows.removeAll(keepingCapacity: true)
        folded.removeAll(keepingCapacity: true)
    }
}
