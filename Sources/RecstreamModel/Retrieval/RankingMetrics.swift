import Foundation

/// Offline ranking metrics for one query: `ranked` is the recommended list
/// (best first), `relevant` the held-out items.
public enum RankingMetrics {
    /// 1 when any relevant item is in the first `k`, else 0.
    public static func hit(ranked: [Int32], relevant: Set<Int32>, k: Int) -> Double {
        ranked.prefix(k).contains(where: relevant.contains) ? 1 : 0
    }

    /// Share of the relevant items found in the first `k`.
    public static func recall(ranked: [Int32], relevant: Set<Int32>, k: Int) -> Double {
        guard !relevant.isEmpty else { return 0 }
        return Double(ranked.prefix(k).filter(relevant.contains).count) / Double(relevant.count)
    }

    /// Normalised discounted cumulative gain with binary relevance.
    public static func ndcg(ranked: [Int32], relevant: Set<Int32>, k: Int) -> Double {
        let gain = ranked.prefix(k).enumerated().reduce(0.0) { total, entry in
            total + (relevant.contains(entry.element) ? 1 / log2(Double(entry.offset) + 2) : 0)
        }
        let ideal = (0..<min(k, relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1) + 2) }
        return ideal > 0 ? gain / ideal : 0
    }
}
