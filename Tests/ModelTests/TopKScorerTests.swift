import Testing

@testable import RecstreamModel

@Suite("Blocked top-k")
struct TopKScorerTests {
    /// Full sort of naive double-precision scores: best first, ties by smaller id.
    func bruteForce(query: [Float], candidates: EmbeddingTable, excluded: Set<Int32>, k: Int, bias: [Float]?) -> [(Int32, Double)] {
        let scored = (0..<Int32(candidates.count)).filter { !excluded.contains($0) }.map { item in
            (item, Reference.dot(query, candidates.vector(Int(item))) + Double(bias?[Int(item)] ?? 0))
        }
        return Array(scored.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(k))
    }

    @Test(arguments: [(k: 10, candidateBlock: 64), (k: 50, candidateBlock: 8192)])
    func equalsBruteForceSortWithExclusionsAndBias(k: Int, candidateBlock: Int) {
        var random = SplitMix64(seed: UInt64(k))
        let users = random.table(rows: 700, dimension: 16, scale: 1)
        let items = random.table(rows: 500, dimension: 16, scale: 1)
        let bias = (0..<500).map { _ in Float.random(in: 0..<0.5, using: &random) }
        let excluded: [Set<Int32>] = (0..<700).map { _ in Set((0..<20).map { _ in Int32.random(in: 0..<500, using: &random) }) }
        var scorer = TopKScorer(k: k)
        scorer.queryBlock = 64
        scorer.candidateBlock = candidateBlock
        let rows = (0..<Int32(700)).map { $0 }
        let lists = scorer.topK(queries: users, queryRows: rows, candidates: items, bias: bias) { Array(excluded[Int($0)]) }
        // One query at a time takes the other path for the bias (added before
        // the product instead of inside it): the same lists.
        for user in 0..<10 {
            let single = scorer.topK(queries: users, queryRows: [Int32(user)], candidates: items, bias: bias) { Array(excluded[Int($0)]) }[
                0]
            #expect(zip(single.scores, lists[user].scores).allSatisfy { abs($0 - $1) < 1e-5 }, "user \(user)")
        }
        for user in 0..<700 {
            let expected = bruteForce(query: users.vector(user), candidates: items, excluded: excluded[user], k: k, bias: bias)
            #expect(lists[user].items.count == k)
            #expect(lists[user].items.allSatisfy { !excluded[user].contains($0) })
            for (rank, (item, score)) in expected.enumerated() {
                // Single- vs double-precision sums may swap near-ties only: the
                // score at every rank must agree, the item wherever it is no near-tie.
                #expect(abs(Double(lists[user].scores[rank]) - score) < 1e-4, "user \(user) rank \(rank)")
                let nearTie = expected.contains { $0.0 != item && abs($0.1 - score) < 1e-4 }
                #expect(nearTie || lists[user].items[rank] == item, "user \(user) rank \(rank)")
            }
        }
    }

    @Test func tiesAreBrokenBySmallerIdDeterministically() {
        // Integer-valued vectors make every score exact; items 3, 7, 9 and 11 are identical.
        var items = EmbeddingTable(dimension: 4)
        for item in 0..<16 { items.append([3, 7, 9, 11].contains(item) ? [1, 1, 1, 1] : [0, Float(item % 2), 0, 0]) }
        var users = EmbeddingTable(dimension: 4)
        users.append([1, 0, 1, 0])
        var scorer = TopKScorer(k: 3)
        scorer.candidateBlock = 5
        let first = scorer.topK(queries: users, queryRows: [0], candidates: items)
        #expect(first[0].items == [3, 7, 9])
        #expect(first[0].scores == [2, 2, 2])
        let excludingSeven = scorer.topK(queries: users, queryRows: [0], candidates: items) { _ in [7] }
        #expect(excludingSeven[0].items == [3, 9, 11])
    }

    @Test func fewerCandidatesThanKGiveShorterLists() {
        var random = SplitMix64(seed: 9)
        let items = random.table(rows: 5, dimension: 4, scale: 1)
        let lists = TopKScorer(k: 10).topK(queries: items, queryRows: [0, 1], candidates: items, candidateCount: 4) { [$0] }
        #expect(lists.map(\.items.count) == [3, 3])
        #expect(!lists[0].items.contains(0) && !lists[0].items.contains(4))
    }

    @Test func relatedItemsByCosine() {
        var items = EmbeddingTable(dimension: 2)
        items.append([1, 0])  // 0
        items.append([10, 1])  // 1: nearly parallel to 0, long
        items.append([0, 1])  // 2: orthogonal to 0
        items.append([-1, 0])  // 3: opposite to 0
        let related = TopKScorer(k: 3).relatedByCosine(unitItems: items.unitRows(), itemRows: [0])
        #expect(related[0].items == [1, 2, 3])
        #expect(abs(related[0].scores[0] - Float(10 / Double(101).squareRoot())) < 1e-6)
    }
}
