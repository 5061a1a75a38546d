import Foundation
import RecstreamModel
import Testing

@Suite("Decayed popularity counts")
struct PopularityCounterTests {
    /// Items last seen from 0 to 36 half-lives ago: their log counts, long
    /// tail included, equal log(1 + count) of an independent sum of
    /// 2^(-age / half-life) over their events.
    @Test func logCountsAreTheLogOfOnePlusTheDecayedCountsDownTheLongTail() {
        let halfLife = 50.0
        var counter = PopularityCounter(halfLife: halfLife)
        var events: [Int32] = []
        for item in Int32(0)..<300 {
            for _ in 0..<(1 + Int(item) % 3) { events.append(item) }
            // Spacers: item 300 every few events, so earlier items age by up to 36 half-lives.
            for _ in 0..<4 { events.append(300) }
        }
        for item in events { counter.record(item: item) }
        counter.refreshLogCounts()

        var expected = [Double](repeating: 0, count: 301)
        for (index, item) in events.enumerated() { expected[Int(item)] += exp2(-Double(events.count - 1 - index) / halfLife) }
        let logCounts = counter.logCounts(items: 301)
        #expect(expected[0] < 0x1p-24 && expected[299] > 0.5, "the tail reaches below 2^-24")
        for item in 0..<301 {
            let reference = log1p(expected[item])
            #expect(abs(Double(logCounts[item]) - reference) <= 1e-6 * max(reference, 1e-30), "item \(item)")
        }
    }
}
