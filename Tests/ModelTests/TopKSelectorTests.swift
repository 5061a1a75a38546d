import Testing

@testable import RecstreamModel

@Suite("Top-k selection over a score stream")
struct TopKSelectorTests {
    /// Scores drawn from few levels (with -0 among them) make ties common; pieces of varied length
    /// exercise the group-maxima bound (a first piece of at least 4k elements,
    /// in groups of single elements or of whole chunks) and repeated buffer
    /// cuts (short pieces). Expected: a full sort, ties by smaller id.
    @Test(arguments: [
        (k: 5, firstPiece: 3), (k: 20, firstPiece: 5000), (k: 100, firstPiece: 400), (k: 100, firstPiece: 20_000),
        (k: 10, firstPiece: 12_345),
    ])
    func equalsFullSortWithTiesBySmallerId(k: Int, firstPiece: Int) {
        var random = SplitMix64(seed: UInt64(k * 31 + firstPiece))
        let selector = TopKSelector(capacity: k)
        for _ in 0..<20 {
            let n = 20_000
            var row = (0..<n).map { _ in Float(Int.random(in: -25..<25, using: &random)) / 7 }
            for _ in 0..<200 { row[Int.random(in: 0..<n, using: &random)] = -.infinity }
            row[Int.random(in: 0..<n, using: &random)] = -0.0
            selector.removeAll()
            var start = 0
            var piece = firstPiece
            while start < n {
                let width = min(piece, n - start)
                row.withUnsafeBufferPointer { selector.offer($0.baseAddress! + start, count: width, firstID: Int32(start)) }
                start += width
                piece = Int.random(in: 1...700, using: &random)
            }
            let expected = (0..<n).filter { row[$0] > -.infinity }
                .sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
                .prefix(k)
            let result = selector.sorted()
            #expect(result.items == expected.map { Int32($0) })
            #expect(result.scores == expected.map { row[$0] })
        }
    }

    @Test func rowsShorterThanKKeepEverythingNotExcluded() {
        let selector = TopKSelector(capacity: 10)
        let row: [Float] = [3, -.infinity, -1, 2, 0]
        row.withUnsafeBufferPointer { selector.offer($0.baseAddress!, count: 5, firstID: 100) }
        #expect(selector.sorted() == ScoredItems(items: [100, 103, 104, 102], scores: [3, 2, 0, -1]))
    }
}
