import Foundation

/// Exponentially decayed event counts per item, with the half-life measured
/// in events (the model's clock is its event count, not wall time).
///
/// Counts are stored scaled by `2^((clock - epoch) / halfLife)`, so an event
/// adds one scaled unit and nothing decays on write; the scale is folded back
/// in before it can overflow.
public struct PopularityCounter: Sendable {
    public let halfLife: Double
    /// Events counted so far.
    public private(set) var clock: Int64 = 0
    private var epoch: Int64 = 0
    private var scaled: [Double] = []

    public init(halfLife: Double) {
        precondition(halfLife > 0)
        self.halfLife = halfLife
    }

    /// Counts one event of `item` and advances the clock.
    public mutating func record(item: Int32) {
        clock += 1
        if Double(clock - epoch) / halfLife > 500 { rebase() }
        ensure(items: Int(item) + 1)
        scaled[Int(item)] += exp2(Double(clock - epoch) / halfLife)
    }

    /// Makes room for item rows up to `items`.
    public mutating func ensure(items: Int) {
        if scaled.count < items { scaled.append(contentsOf: repeatElement(0, count: items - scaled.count)) }
    }

    /// The decayed count of every item row `0..<items` now.
    public func counts(items: Int) -> [Double] {
        let factor = exp2(-Double(clock - epoch) / halfLife)
        return (0..<items).map { $0 < scaled.count ? scaled[$0] * factor : 0 }
    }

    /// `log(1 + decayed count)` of each item row as of the last
    /// `refreshLogCounts()`: what every list's popularity term is made of,
    /// computed once per batch rather than once per list.
    public private(set) var logCounts: [Float] = []

    /// Recomputes `logCounts` for every item row now.
    public mutating func refreshLogCounts() {
        let factor = exp2(-Double(clock - epoch) / halfLife)
        logCounts = scaled.map { count in
            let decayed = Float(count * factor)
            // Below 2^-24, log(1 + x) rounds to x itself: the long tail of
            // items not seen for many half-lives costs no logarithm.
            return decayed < 0x1p-24 ? decayed : log1p(decayed)
        }
    }

    /// `logCounts` for item rows `0..<items` (0 for rows added since).
    public func logCounts(items: Int) -> [Float] {
        logCounts.count >= items ? Array(logCounts.prefix(items)) : logCounts + repeatElement(0, count: items - logCounts.count)
    }

    /// Score offsets `weight * logCounts` for item rows `0..<items`.
    public func bias(weight: Float, items: Int) -> [Float] {
        logCounts(items: items).map { weight * $0 }
    }

    private mutating func rebase() {
        let factor = exp2(-Double(clock - epoch) / halfLife)
        for index in scaled.indices { scaled[index] *= factor }
        epoch = clock
    }
}
