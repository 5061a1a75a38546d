import Testing

@testable import RecstreamModel

@Suite("Gramian")
struct GramianTests {
    @Test func exactGramianMatchesNaiveProducts() {
        var random = SplitMix64(seed: 7)
        let table = random.table(rows: 5_000, dimension: 8, scale: 1)
        let gramian = Gramian(exactOf: table)
        for i in 0..<8 {
            for j in 0..<8 {
                let naive = (0..<table.count).reduce(0.0) { $0 + Double(table.values[$1 * 8 + i]) * Double(table.values[$1 * 8 + j]) }
                #expect(abs(gramian.values[i * 8 + j] - naive) <= 1e-9 * max(1, abs(naive)))
            }
        }
    }

    @Test func tenThousandRankOneUpdatesStayWithinDriftBound() {
        var random = SplitMix64(seed: 11)
        var table = random.table(rows: 300, dimension: 32, scale: 0.5)
        var gramian = Gramian(exactOf: table)
        for _ in 0..<10_000 {
            let row = Int.random(in: 0..<table.count, using: &random)
            let old = table.vector(row)
            let new = old.map { $0 + 0.1 * random.gaussian() }
            table.set(row, to: new)
            gramian.replace(old: old, new: new)
        }
        #expect(gramian.relativeDrift(from: Gramian(exactOf: table)) < 1e-3)
    }

    /// Batched changes (dsyrk on the stacked rows) equal the exact Gramian of
    /// the changed table, for batches above and below the batching threshold.
    @Test(arguments: [3, 200])
    func batchedChangesMatchTheExactGramian(changedRows: Int) {
        var random = SplitMix64(seed: UInt64(changedRows))
        var table = random.table(rows: 400, dimension: 16, scale: 0.5)
        var gramian = Gramian(exactOf: table)
        var oldRows: [Float] = []
        var newRows: [Float] = []
        for row in (0..<table.count).shuffled(using: &random).prefix(changedRows) {
            let old = table.vector(row)
            let new = old.map { $0 * 1.5 + 0.3 * random.gaussian() }
            table.set(row, to: new)
            oldRows += old
            newRows += new
        }
        gramian.replace(oldRows: oldRows, newRows: newRows)
        #expect(gramian.relativeDrift(from: Gramian(exactOf: table)) < 1e-9)
        for i in 0..<16 { for j in 0..<16 { #expect(gramian.values[i * 16 + j] == gramian.values[j * 16 + i]) } }
    }

    @Test func largestEigenvalueOfDiagonalMatrix() {
        var table = EmbeddingTable(dimension: 3)
        table.append([3, 0, 0])
        table.append([0, 2, 0])
        table.append([0, 0, 1])
        #expect(abs(Gramian(exactOf: table).largestEigenvalue() - 9) < 1e-6)
    }
}
