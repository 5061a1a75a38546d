import CBLAS
import Synchronization

/// Exhaustive top-k retrieval by inner product, blocked like Spark ALS's
/// `recommendForAll`: a block of queries times a block of candidates per
/// `cblas_sgemm`, then a bounded selection per row. Query blocks run in
/// parallel, one per core.
public struct TopKScorer: Sendable {
    public var k: Int
    /// Queries per GEMM block (one block per task).
    public var queryBlock = 256
    /// Candidates per GEMM block. The selector's threshold comes from the first
    /// block, so whole rows (up to this size) select fastest; the score buffer
    /// is queryBlock x candidateBlock floats per core (32 MiB at most).
    public var candidateBlock = 32768

    public init(k: Int) {
        self.k = k
    }

    /// The top `k` candidates for each query row.
    ///
    /// - Parameters:
    ///   - queryRows: rows of `queries` to answer, in output order.
    ///   - candidateCount: only rows `0..<candidateCount` of `candidates` compete (default all).
    ///   - bias: optional per-candidate score offset (e.g. a popularity prior).
    ///   - exclusions: candidate rows a query must not get (e.g. items already seen).
    public func topK(
        queries: EmbeddingTable, queryRows: [Int32], candidates: EmbeddingTable, candidateCount: Int? = nil,
        bias: [Float]? = nil, exclusions: @Sendable (Int32) -> [Int32] = { _ in [] }
    ) -> [ScoredItems] {
        precondition(queries.dimension == candidates.dimension)
        let d = queries.dimension
        let candidateCount = candidateCount ?? candidates.count
        precondition(bias.map { $0.count >= candidateCount } ?? true, "bias shorter than the candidate set")
        let results = Mutex([ScoredItems](repeating: ScoredItems(items: [], scores: []), count: queryRows.count))
        let (queryBlock, candidateBlock, k) = (min(self.queryBlock, max(queryRows.count, 1)), self.candidateBlock, self.k)
        let blockCount = (queryRows.count + queryBlock - 1) / queryBlock

        queries.withUnsafeValues { queryValues in
            let queryValues = SharedPointer(queryValues)
            candidates.withUnsafeValues { candidateValues in
                let candidateValues = SharedPointer(candidateValues)
                parallelChunks(count: blockCount) { blocks, _ in
                    var gathered = [Float](repeating: 0, count: queryBlock * d)
                    var scores = [Float](repeating: 0, count: queryBlock * min(candidateBlock, max(candidateCount, 1)))
                    let selectors = (0..<queryBlock).map { _ in TopKSelector(capacity: k) }
                    for block in blocks {
                        let first = block * queryBlock
                        let rows = min(queryBlock, queryRows.count - first)
                        for r in 0..<rows {
                            let source = queryValues.base + Int(queryRows[first + r]) * d
                            for c in 0..<d { gathered[r * d + c] = source[c] }
                            selectors[r].removeAll()
                        }
                        let excluded = (0..<rows).map { exclusions(queryRows[first + $0]) }
                        var start = 0
                        while start < candidateCount {
                            let width = min(candidateBlock, candidateCount - start)
                            scores.withUnsafeMutableBufferPointer { scoreBuffer in
                                let s = scoreBuffer.baseAddress!
                                // S (rows x width) = Q (rows x d) * C_block^T (+ bias: each row
                                // starts as the bias and the product adds onto it, beta = 1,
                                // instead of a separate pass). A single row is a matrix-vector
                                // product: sgemm would pack the whole block first.
                                var beta: Float = 0
                                if let bias {
                                    bias.withUnsafeBufferPointer { values in
                                        for r in 0..<rows { (s + r * width).update(from: values.baseAddress! + start, count: width) }
                                    }
                                    beta = 1
                                }
                                if rows == 1 {
                                    cblas_sgemv(
                                        CblasRowMajor, CblasNoTrans, Int32(width), Int32(d), 1,
                                        candidateValues.base + start * d, Int32(d), gathered, 1, beta, s, 1)
                                } else {
                                    cblas_sgemm(
                                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(width), Int32(d),
                                        1, gathered, Int32(d), candidateValues.base + start * d, Int32(d), beta, s, Int32(width))
                                }
                                for r in 0..<rows {
                                    let row = s + r * width
                                    for item in excluded[r] where Int(item) >= start && Int(item) < start + width {
                                        row[Int(item) - start] = -.infinity
                                    }
                                    selectors[r].offer(row, count: width, firstID: Int32(start))
                                }
                            }
                            start += width
                        }
                        let lists = (0..<rows).map { selectors[$0].sorted() }
                        results.withLock { all in
                            for r in 0..<rows { all[first + r] = lists[r] }
                        }
                    }
                }
            }
        }
        return results.withLock { $0 }
    }

    /// For each item, the `k` most similar other items by cosine similarity.
    public func relatedByCosine(items: EmbeddingTable, itemRows: [Int32]) -> [ScoredItems] {
        var normalised = EmbeddingTable(dimension: items.dimension, reservingRows: items.count)
        for row in 0..<items.count {
            let vector = items.vector(row)
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            normalised.append(norm > 0 ? vector.map { $0 / norm } : vector)
        }
        return topK(queries: normalised, queryRows: itemRows, candidates: normalised) { [$0] }
    }
}
