import CBLAS
import CKernels
import Foundation

/// One user's part of the WALS normal equations, kept between projections so
/// that projecting a user with a long history costs the changes since the last
/// projection plus one d x d factorisation, not a pass over the whole history.
///
/// With `a_j = 1 - w0 + alpha w_j` and `r_j = alpha w_j boost e^(-k_j / horizon)`
/// (so that `c_j - w0 = a_j + r_j`, see `ConfidenceModel`), the user's terms split into
///
///     P = sum_j a_j y_j y_j^T,   p = sum_j (1 + alpha w_j) y_j    (recency-free)
///     R = sum_j r_j y_j y_j^T,   q = sum_j r_j y_j                 (recent)
///
/// and the projection solves `(w0 G + lambda I + P + R) x = p + q`. Each event
/// of the user raises every `k_j` by one, which multiplies `R` and `q` by
/// `e^(-1 / horizon)`: the recency part decays as a whole. An entry whose
/// weight, last event or item vector changed since the last sync gets a rank-2
/// correction (its old term out, its new term in). Exact up to rounding:
/// builds are single precision like the plain projection, corrections and
/// decay double; `R` is built only from the entries for which
/// `ConfidenceModel.recencyCounts` holds: single precision cannot see the others.
struct UserGram: Sendable {
    /// `[P | R]`: d rows of 2d values, row-major, both triangles filled.
    private(set) var matrices: [Double]
    /// `[p | q]`.
    private(set) var sums: [Double]
    /// The user's event counter that R and q are expressed at.
    private var eventCount: Int64
    /// The item-change clock (`UserGramCache.clock`) at the last sync.
    private var syncedAt: UInt64
    /// Each history entry as the terms above hold it, by history index.
    private var weights: [Float]
    private var sequences: [Int64]
    private var vectors: [Float]
    /// When the cache last used this entry (for eviction).
    var lastUse: UInt64 = 0

    /// The confidence model's coefficients in double precision.
    struct Terms: Sendable {
        var confidence: ConfidenceModel
        var unobservedWeight: Double
        var alpha: Double
        var boost: Double
        var horizon: Double

        init(_ configuration: ModelConfiguration) {
            confidence = configuration.confidence
            unobservedWeight = Double(configuration.unobservedWeight)
            alpha = Double(configuration.confidence.alpha)
            boost = Double(configuration.confidence.recencyBoost)
            horizon = Double(configuration.confidence.recencyHorizon)
        }

        /// (a, 1 + alpha w, r) of an entry with `eventsSince` later events of its user.
        func coefficients(weight: Float, eventsSince: Int64) -> Coefficients {
            let w = Double(weight)
            return Coefficients(
                a: 1 - unobservedWeight + alpha * w, confidence: 1 + alpha * w,
                r: boost == 0 ? 0 : alpha * w * boost * exp(-Double(eventsSince) / horizon))
        }
    }

    struct Coefficients {
        var a: Double
        var confidence: Double
        var r: Double

        static prefix func - (value: Coefficients) -> Coefficients {
            Coefficients(a: -value.a, confidence: -value.confidence, r: -value.r)
        }
    }

    /// Whether terms whose history has `changedEntries` changed or new
    /// entries out of `historyCount` are synced rather than rebuilt: up to a
    /// sixteenth, past which rebuilding is cheaper.
    static func isSyncable(changedEntries: Int, historyCount: Int) -> Bool {
        changedEntries <= max(4, historyCount / 16)
    }

    /// Whether terms built now for a user would likely be synced at its
    /// next projection rather than rebuilt: the current batch (item vectors
    /// stamped after `batchClock`) moved no more of its `history` than a
    /// sync allows. When one batch moves that much (large batches), a build
    /// would be thrown away at the next batch like it, and the plain
    /// projection costs less.
    static func isWorthBuilding(history: [InteractionStore.UserEntry], itemStamps: [UInt64], movedSince batchClock: UInt64) -> Bool {
        var moved = 0
        for entry in history where hasMoved(entry.item, itemStamps: itemStamps, since: batchClock) {
            moved += 1
            if !isSyncable(changedEntries: moved, historyCount: history.count) { return false }
        }
        return true
    }

    /// Whether `item`'s vector changed after `clock` (`UserGramCache.itemStamps`).
    private static func hasMoved(_ item: Int32, itemStamps: [UInt64], since clock: UInt64) -> Bool {
        Int(item) < itemStamps.count && itemStamps[Int(item)] > clock
    }

    /// Size in bytes, for the cache's budget.
    var bytes: Int { (matrices.count + sums.count) * 8 + weights.count * 4 + sequences.count * 8 + vectors.count * 4 }

    /// The terms of `history` built from scratch against `items` (the item
    /// table's values, `dimension` per row), P and R by single-precision
    /// syrk as the plain projection does; nil when some `a_j < 0` (then `P`
    /// has no real square-root form and the plain solve handles the user).
    init?(
        history: [InteractionStore.UserEntry], eventCount: Int64, items: UnsafePointer<Float>, dimension d: Int,
        terms: Terms, clock: UInt64
    ) {
        let n = history.count
        var vectors = [Float](repeating: 0, count: n * d)
        var scaled = [Float](repeating: 0, count: n * d)
        var recentScales: [(row: Int, scale: Float)] = []
        var sums = [Double](repeating: 0, count: 2 * d)
        let buildable = vectors.withUnsafeMutableBufferPointer { vectors in
            scaled.withUnsafeMutableBufferPointer { scaled in
                sums.withUnsafeMutableBufferPointer { sums in
                    for (j, entry) in history.enumerated() {
                        let since = InteractionStore.eventsSince(lastSequence: entry.lastSequence, eventCount: eventCount)
                        let coefficients = terms.coefficients(weight: entry.weight, eventsSince: since)
                        guard coefficients.a >= 0 else { return false }
                        let source = items + Int(entry.item) * d
                        let scale = Float(coefficients.a.squareRoot())
                        (vectors.baseAddress! + j * d).update(from: source, count: d)
                        for k in 0..<d {
                            let y = source[k]
                            scaled[j * d + k] = scale * y
                            sums[k] += coefficients.confidence * Double(y)
                            sums[d + k] += coefficients.r * Double(y)
                        }
                        if terms.confidence.recencyCounts(eventsSince: since) {
                            recentScales.append((j, Float(coefficients.r.squareRoot())))
                        }
                    }
                    return true
                }
            }
        }
        guard buildable else { return nil }
        var scaledRecent = [Float](repeating: 0, count: recentScales.count * d)
        for (index, recent) in recentScales.enumerated() {
            for k in 0..<d { scaledRecent[index * d + k] = recent.scale * vectors[recent.row * d + k] }
        }
        var matrices = [Double](repeating: 0, count: 2 * d * d)
        var gram = [Float](repeating: 0, count: d * d)
        for (offset, rows) in [(0, scaled), (d, scaledRecent)] where !rows.isEmpty {
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(rows.count / d), 1, rows, Int32(d), 0, &gram, Int32(d))
            matrices.withUnsafeMutableBufferPointer { matrices in
                for i in 0..<d {
                    for j in i..<d {
                        matrices[i * 2 * d + offset + j] = Double(gram[i * d + j])
                        matrices[j * 2 * d + offset + i] = Double(gram[i * d + j])
                    }
                }
            }
        }
        self.matrices = matrices
        self.sums = sums
        self.vectors = vectors
        weights = history.map(\.weight)
        sequences = history.map(\.lastSequence)
        self.eventCount = eventCount
        syncedAt = clock
    }

    /// Brings the terms up to `history` (the same user's, grown since by
    /// appends only) and the current `items`: decays the recent part by the
    /// user's events since, corrects each entry whose weight, last event or
    /// item vector (`itemStamps[item] > syncedAt`) changed, adds new entries,
    /// all corrections in one matrix product. Returns false, changing
    /// nothing, when the history changed too much (`isSyncable`).
    mutating func sync(
        history: [InteractionStore.UserEntry], eventCount: Int64, items: UnsafePointer<Float>, dimension d: Int,
        terms: Terms, itemStamps: [UInt64], clock: UInt64
    ) -> Bool {
        let known = weights.count
        var changed: [Int] = []
        for j in 0..<known {
            let entry = history[j]
            let moved = Self.hasMoved(entry.item, itemStamps: itemStamps, since: syncedAt)
            if moved || entry.weight != weights[j] || entry.lastSequence != sequences[j] { changed.append(j) }
        }
        guard Self.isSyncable(changedEntries: changed.count + history.count - known, historyCount: history.count) else { return false }
        if eventCount != self.eventCount && terms.boost != 0 {
            let decay = exp(-Double(eventCount - self.eventCount) / terms.horizon)
            matrices.withUnsafeMutableBufferPointer { matrices in
                sums.withUnsafeMutableBufferPointer { sums in recstream_scale_recent(matrices.baseAddress, sums.baseAddress, decay, d) }
            }
        }
        self.eventCount = eventCount
        // Rows v (each changed entry's old term with negated coefficients,
        // then every new term) and [a v | r v]: [P | R] += V^T W.
        let count = 2 * changed.count + history.count - known
        var rows = [Double](repeating: 0, count: count * d)
        var weighted = [Double](repeating: 0, count: count * 2 * d)
        var next = 0
        func add(_ source: UnsafePointer<Float>, _ coefficients: Coefficients) {
            rows.withUnsafeMutableBufferPointer { rows in
                weighted.withUnsafeMutableBufferPointer { weighted in
                    sums.withUnsafeMutableBufferPointer { sums in
                        for k in 0..<d {
                            let y = Double(source[k])
                            rows[next * d + k] = y
                            weighted[next * 2 * d + k] = coefficients.a * y
                            weighted[next * 2 * d + d + k] = coefficients.r * y
                            sums[k] += coefficients.confidence * y
                            sums[d + k] += coefficients.r * y
                        }
                    }
                }
            }
            next += 1
        }
        for j in changed {
            let entry = history[j]
            vectors.withUnsafeMutableBufferPointer { vectors in
                let kept = vectors.baseAddress! + j * d
                add(
                    kept,
                    -terms.coefficients(
                        weight: weights[j], eventsSince: InteractionStore.eventsSince(lastSequence: sequences[j], eventCount: eventCount)))
                let source = items + Int(entry.item) * d
                add(
                    source,
                    terms.coefficients(
                        weight: entry.weight,
                        eventsSince: InteractionStore.eventsSince(lastSequence: entry.lastSequence, eventCount: eventCount)))
                kept.update(from: source, count: d)
            }
            weights[j] = entry.weight
            sequences[j] = entry.lastSequence
        }
        for entry in history[known...] {
            let source = items + Int(entry.item) * d
            add(
                source,
                terms.coefficients(
                    weight: entry.weight,
                    eventsSince: InteractionStore.eventsSince(lastSequence: entry.lastSequence, eventCount: eventCount)))
            weights.append(entry.weight)
            sequences.append(entry.lastSequence)
            vectors.append(contentsOf: UnsafeBufferPointer(start: source, count: d))
        }
        if count > 0 {
            cblas_dgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(2 * d), Int32(count),
                1, rows, Int32(d), weighted, Int32(2 * d), 1, &matrices, Int32(2 * d))
        }
        syncedAt = clock
        return true
    }
}
