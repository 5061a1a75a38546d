/// The best `capacity` (score, id) pairs of a stream of scores: higher score
/// first, equal scores by smaller id.
///
/// Built to scan long score rows at close to memory speed:
/// - candidates above a running threshold are appended to a buffer of
///   `4 * capacity`; a full buffer is cut back to the best `capacity` by
///   quickselect, which raises the threshold;
/// - before the first row, the threshold starts at a lower bound of the row's
///   k-th best taken from `4 * capacity` group maxima (at least k distinct
///   elements reach it), so even the first block is mostly skipped;
/// - the scan has no data-dependent branches: 16-wide chunk maxima pick the
///   chunks worth a look, and elements are appended by a conditional advance
///   (scores near the threshold are unpredictable, mispredictions dominated);
/// - the final order is a stable radix sort of the buffer, which is in id
///   order (appends come in increasing ids and cuts are stable), so ties
///   resolve by smaller id.
///
/// Scores must not be NaN (scores of finite embeddings never are); -inf marks
/// an excluded candidate and never enters. One instance per thread.
final class TopKSelector {
    let capacity: Int
    private let limit: Int
    private var count = 0
    private var threshold = -Float.infinity
    private let scores: UnsafeMutablePointer<Float>
    private let ids: UnsafeMutablePointer<Int32>
    private let scratch: UnsafeMutablePointer<Float>
    private let chunkList: UnsafeMutablePointer<Int32>
    private let sortKeys: UnsafeMutablePointer<UInt32>
    private let sortKeysOut: UnsafeMutablePointer<UInt32>
    private let sortIDs: UnsafeMutablePointer<Int32>
    private let sortIDsOut: UnsafeMutablePointer<Int32>
    private static let chunksPerPiece = 256

    init(capacity: Int) {
        self.capacity = capacity
        limit = max(4 * capacity, 64)
        scores = .allocate(capacity: limit)
        ids = .allocate(capacity: limit)
        scratch = .allocate(capacity: limit)
        chunkList = .allocate(capacity: Self.chunksPerPiece)
        sortKeys = .allocate(capacity: limit)
        sortKeysOut = .allocate(capacity: limit)
        sortIDs = .allocate(capacity: limit)
        sortIDsOut = .allocate(capacity: limit)
    }

    deinit {
        for pointer in [scores, scratch] as [UnsafeMutablePointer<Float>] { pointer.deallocate() }
        for pointer in [ids, chunkList, sortIDs, sortIDsOut] as [UnsafeMutablePointer<Int32>] { pointer.deallocate() }
        for pointer in [sortKeys, sortKeysOut] as [UnsafeMutablePointer<UInt32>] { pointer.deallocate() }
    }

    /// Forgets everything offered so far.
    func removeAll() {
        count = 0
        threshold = -.infinity
    }

    /// Offers `n` scores whose ids are `firstID ..< firstID + n`; successive
    /// calls must offer increasing ids.
    func offer(_ row: UnsafePointer<Float>, count n: Int, firstID: Int32) {
        offer(row, count: n) { firstID &+ Int32(truncatingIfNeeded: $0) }
    }

    /// Offers `n` scores with ids of their own (`rowIDs[i]` for `row[i]`);
    /// equal scores then keep the order they were offered in, not id order.
    func offer(_ row: UnsafePointer<Float>, ids rowIDs: UnsafePointer<Int32>, count n: Int) {
        offer(row, count: n) { rowIDs[$0] }
    }

    @inline(__always)
    private func offer(_ row: UnsafePointer<Float>, count n: Int, id: (Int) -> Int32) {
        guard capacity > 0 else { return }
        if count == 0 && threshold == -.infinity && n >= limit {
            threshold = groupMaximaBound(row, n).nextDown
        }
        var start = 0
        while start < n {
            let width = min(Self.chunksPerPiece * 16, n - start)
            offerPiece(row + start, count: width) { id(start &+ $0) }
            start += width
        }
    }

    /// The kept pairs, best first.
    func sorted() -> ScoredItems {
        let n = count
        guard n > 0 else { return ScoredItems(items: [], scores: []) }
        var histograms = [Int](repeating: 0, count: 4 * 256)
        for x in 0..<n {
            let key = Self.descendingKey(scores[x])
            sortKeys[x] = key
            sortIDs[x] = ids[x]
            for byte in 0..<4 { histograms[byte * 256 + Int((key >> UInt32(8 * byte)) & 0xFF)] += 1 }
        }
        var (sourceKeys, sourceIDs, targetKeys, targetIDs) = (sortKeys, sortIDs, sortKeysOut, sortIDsOut)
        for byte in 0..<4 {
            let shift = UInt32(8 * byte)
            let offset = byte * 256
            if histograms[offset + Int((sourceKeys[0] >> shift) & 0xFF)] == n { continue }
            var position = 0
            for bucket in 0..<256 {
                let size = histograms[offset + bucket]
                histograms[offset + bucket] = position
                position += size
            }
            for x in 0..<n {
                let key = sourceKeys[x]
                let slot = offset + Int((key >> shift) & 0xFF)
                let destination = histograms[slot]
                histograms[slot] = destination + 1
                targetKeys[destination] = key
                targetIDs[destination] = sourceIDs[x]
            }
            swap(&sourceKeys, &targetKeys)
            swap(&sourceIDs, &targetIDs)
        }
        let kept = min(capacity, n)
        return ScoredItems(
            items: Array(UnsafeBufferPointer(start: sourceIDs, count: kept)),
            scores: (0..<kept).map { Self.score(descendingKey: sourceKeys[$0]) })
    }

    /// One piece of at most `chunksPerPiece` chunks: first the list of chunks
    /// whose max beats the threshold, then their elements.
    @inline(__always)
    private func offerPiece(_ row: UnsafePointer<Float>, count n: Int, id: (Int) -> Int32) {
        var t = threshold
        let fullChunks = n / 16
        var passing = 0
        for chunk in 0..<fullChunks {
            chunkList[passing] = Int32(truncatingIfNeeded: chunk)
            passing &+= Self.asInt(Self.max16(row + chunk &* 16) > t)
        }
        var c = count
        for q in 0..<passing {
            if c &+ 16 > limit {
                count = c
                cut(to: capacity)
                (c, t) = (count, threshold)
            }
            let base = Int(chunkList[q]) &* 16
            for e in 0..<16 {
                let v = row[base &+ e]
                scores[c] = v
                ids[c] = id(base &+ e)
                c &+= Self.asInt(v > t)
            }
        }
        for x in (fullChunks &* 16)..<n {
            if c == limit {
                count = c
                cut(to: capacity)
                (c, t) = (count, threshold)
            }
            let v = row[x]
            scores[c] = v
            ids[c] = id(x)
            c &+= Self.asInt(v > t)
        }
        count = c
    }

    /// 0 or 1 without a branch (the optimiser turns `b ? 1 : 0` into a jump).
    @inline(__always)
    private static func asInt(_ condition: Bool) -> Int {
        Int(unsafeBitCast(condition, to: UInt8.self))
    }

    /// Max of 16 floats as a tree, so it vectorises.
    @inline(__always)
    private static func max16(_ p: UnsafePointer<Float>) -> Float {
        @inline(__always) func m(_ a: Float, _ b: Float) -> Float { a > b ? a : b }
        let a = m(m(p[0], p[4]), m(p[8], p[12]))
        let b = m(m(p[1], p[5]), m(p[9], p[13]))
        let c = m(m(p[2], p[6]), m(p[10], p[14]))
        let d = m(m(p[3], p[7]), m(p[11], p[15]))
        return m(m(a, b), m(c, d))
    }

    /// A value that at least `capacity` of the `limit` group maxima of `row`
    /// reach, close to their k-th largest: a 256-bucket histogram between
    /// their min and max finds the bucket holding the k-th largest; the bound
    /// is the smallest maximum in that bucket or above.
    private func groupMaximaBound(_ row: UnsafePointer<Float>, _ n: Int) -> Float {
        let size = n / limit
        let chunksPerGroup = size / 16
        var low = Float.infinity
        var high = -Float.infinity
        for group in 0..<limit {
            var groupMax = -Float.infinity
            if chunksPerGroup > 0 {
                // Groups of whole 16-wide chunks: vectorised, no serial max chain.
                let base = row + group * chunksPerGroup * 16
                for chunk in 0..<chunksPerGroup {
                    let chunkMax = Self.max16(base + chunk * 16)
                    groupMax = chunkMax > groupMax ? chunkMax : groupMax
                }
            } else {
                let base = row + group * size
                for x in 0..<size { groupMax = base[x] > groupMax ? base[x] : groupMax }
            }
            scratch[group] = groupMax
            low = groupMax < low ? groupMax : low
            high = groupMax > high ? groupMax : high
        }
        guard low.isFinite && high > low else { return low }
        let scale = 255 / (high - low)
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 256) { counts in
            counts.initialize(repeating: 0)
            for group in 0..<limit { counts[Int((scratch[group] - low) * scale)] &+= 1 }
            var bucket = 255
            var reached = counts[255]
            while reached < Int32(capacity) {
                bucket -= 1
                reached &+= counts[bucket]
            }
            var bound = Float.infinity
            for group in 0..<limit {
                let v = scratch[group]
                if Int((v - low) * scale) >= bucket && v < bound { bound = v }
            }
            return bound
        }
    }

    /// Keeps the best `k` entries, stably (so still in id order); the threshold
    /// becomes the k-th best score.
    private func cut(to k: Int) {
        scratch.update(from: scores, count: count)
        let kth = Self.kthLargest(scratch, count: count, k: k)
        var above = 0
        for x in 0..<count where scores[x] > kth { above += 1 }
        var tiesToKeep = k - above
        var kept = 0
        for x in 0..<count {
            let v = scores[x]
            guard v > kth || (v == kth && tiesToKeep > 0) else { continue }
            if v == kth { tiesToKeep -= 1 }
            scores[kept] = v
            ids[kept] = ids[x]
            kept += 1
        }
        count = kept
        threshold = kth
    }

    /// Quickselect: the k-th largest of `values[0..<count]` (reorders them).
    private static func kthLargest(_ values: UnsafeMutablePointer<Float>, count: Int, k: Int) -> Float {
        var low = 0
        var high = count - 1
        let target = k - 1
        while low < high {
            let pivot = values[(low + high) >> 1]
            var i = low
            var j = high
            while i <= j {
                while values[i] > pivot { i += 1 }
                while values[j] < pivot { j -= 1 }
                if i <= j {
                    (values[i], values[j]) = (values[j], values[i])
                    i += 1
                    j -= 1
                }
            }
            if target <= j {
                high = j
            } else if target >= i {
                low = i
            } else {
                break
            }
        }
        return values[target]
    }

    /// An unsigned key that sorts ascending as the score sorts descending
    /// (-0 is folded into +0, which compares equal to it).
    @inline(__always)
    private static func descendingKey(_ score: Float) -> UInt32 {
        let bits = score == 0 ? 0 : score.bitPattern
        return bits & 0x8000_0000 != 0 ? bits : ~(bits | 0x8000_0000)
    }

    @inline(__always)
    private static func score(descendingKey key: UInt32) -> Float {
        Float(bitPattern: key & 0x8000_0000 != 0 ? key : ~key & 0x7FFF_FFFF)
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
