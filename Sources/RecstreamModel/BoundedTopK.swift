/// The best `capacity` (score, id) pairs seen so far: higher score first,
/// equal scores by smaller id. A min-heap on "worst first".
struct BoundedTopK {
    let capacity: Int
    private(set) var scores: [Float] = []
    private(set) var ids: [Int32] = []

    init(capacity: Int) {
        self.capacity = capacity
        scores.reserveCapacity(capacity)
        ids.reserveCapacity(capacity)
    }

    mutating func removeAll() {
        scores.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
    }

    /// Whether (a, idA) ranks below (b, idB).
    @inline(__always)
    private static func worse(_ a: Float, _ idA: Int32, _ b: Float, _ idB: Int32) -> Bool {
        a < b || (a == b && idA > idB)
    }

    /// Offers `count` scores whose ids are `firstID ..< firstID + count`;
    /// successive calls must offer increasing ids (then an equal score never
    /// displaces a kept one, which has a smaller id). -inf (exclusions) and
    /// NaN are skipped.
    mutating func offer(_ row: UnsafePointer<Float>, count: Int, firstID: Int32) {
        guard capacity > 0 else { return }
        var threshold = scores.count == capacity ? scores[0] : -Float.infinity
        for j in 0..<count {
            let score = row[j]
            guard score > threshold || (scores.count < capacity && score > -.infinity) else { continue }
            insert(score, firstID + Int32(j))
            threshold = scores.count == capacity ? scores[0] : -Float.infinity
        }
    }

    /// Offers one (score, id) pair.
    mutating func insert(_ score: Float, _ id: Int32) {
        if scores.count < capacity {
            scores.append(score)
            ids.append(id)
            siftUp(scores.count - 1)
        } else if Self.worse(scores[0], ids[0], score, id) {
            scores[0] = score
            ids[0] = id
            siftDown(0)
        }
    }

    /// The kept pairs, best first.
    func sorted() -> ScoredItems {
        let order = scores.indices.sorted { Self.worse(scores[$1], ids[$1], scores[$0], ids[$0]) }
        return ScoredItems(items: order.map { ids[$0] }, scores: order.map { scores[$0] })
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.worse(scores[child], ids[child], scores[parent], ids[parent]) else { return }
            scores.swapAt(child, parent)
            ids.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            var worst = parent
            let left = 2 * parent + 1
            let right = left + 1
            if left < scores.count && Self.worse(scores[left], ids[left], scores[worst], ids[worst]) { worst = left }
            if right < scores.count && Self.worse(scores[right], ids[right], scores[worst], ids[worst]) { worst = right }
            guard worst != parent else { return }
            scores.swapAt(worst, parent)
            ids.swapAt(worst, parent)
            parent = worst
        }
    }
}

/// A ranked list of candidate rows with their scores, best first.
public struct ScoredItems: Sendable, Equatable {
    public var items: [Int32]
    public var scores: [Float]

    public init(items: [Int32], scores: [Float]) {
        self.items = items
        self.scores = scores
    }
}
