import Foundation
import Testing

@testable import RecstreamModel

@Suite("Ranking metrics")
struct RankingMetricsTests {
    @Test func hitRecallAndNDCGOnAHandWorkedExample() {
        let ranked: [Int32] = [5, 1, 9, 2]
        let relevant: Set<Int32> = [9, 2, 7]
        #expect(RankingMetrics.hit(ranked: ranked, relevant: relevant, k: 2) == 0)
        #expect(RankingMetrics.hit(ranked: ranked, relevant: relevant, k: 3) == 1)
        #expect(RankingMetrics.recall(ranked: ranked, relevant: relevant, k: 4) == 2.0 / 3)
        // DCG = 1/log2(4) + 1/log2(5); ideal = 1 + 1/log2(3) + 1/log2(4).
        let expected = (0.5 + 1 / log2(5.0)) / (1 + 1 / log2(3.0) + 0.5)
        #expect(abs(RankingMetrics.ndcg(ranked: ranked, relevant: relevant, k: 4) - expected) < 1e-12)
    }
}
