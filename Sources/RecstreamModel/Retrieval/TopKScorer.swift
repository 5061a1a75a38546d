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
    ///   - boosts: per query, scores added to some candidates, each named
    ///     once (e.g. what the query's last items say comes next).
    public func topK(
        queries: EmbeddingTable, queryRows: [Int32], candidates: EmbeddingTable, candidateCount: Int? = nil,
        bias: [Float]? = nil, exclusions: @Sendable (Int32) -> [Int32] = { _ in [] },
        boosts: @Sendable (Int32) -> [(item: Int32, score: Float)] = { _ in [] }
    ) -> [ScoredItems] {
        precondition(queries.dimension == candidates.dimension)
        let d = queries.dimension
        let candidateCount = candidateCount ?? candidates.count
        precondition(bias.map { $0.count >= candidateCount } ?? true, "bias shorter than the candidate set")
        let results = Mutex([ScoredItems](repeating: ScoredItems(items: [], scores: []), count: queryRows.count))
        let (queryBlock, candidateBlock, k) = (min(self.queryBlock, max(queryRows.count, 1)), self.candidateBlock, self.k)
        let blockCount = (queryRows.count + queryBlock - 1) / queryBlock
        // With a bias and more than one query, the bias rides in the product
        // as one more dimension (queries get a 1, candidates their bias), so
        // no pass copies it into the score buffer before each sgemm: the
        // ratio to raw sgemm of `bench topk`'s lists went from 0.685-0.703 to
        // 0.725-0.757 (three rounds in turns in one process; 0.730-0.745
        // without any bias). One query (eval's per-event call) keeps the plain
        // candidates, which it would otherwise copy whole for one product.
        let augmentedCandidates = bias.flatMap { bias in
            queryRows.count > 1 ? Self.appendingBias(bias, to: candidates, count: candidateCount) : nil
        }
        let width = augmentedCandidates == nil ? d : d + 1

        queries.withUnsafeValues { queryValues in
            let queryValues = SharedPointer(queryValues)
            (augmentedCandidates ?? candidates.values).withUnsafeBufferPointer { candidateValues in
                let candidateValues = SharedPointer(candidateValues.baseAddress!)
                parallelChunks(count: blockCount) { blocks, _ in
                    var gathered = [Float](repeating: 1, count: queryBlock * width)
                    var scores = [Float](repeating: 0, count: queryBlock * min(candidateBlock, max(candidateCount, 1)))
                    let selectors = (0..<queryBlock).map { _ in TopKSelector(capacity: k) }
                    for block in blocks {
                        let first = block * queryBlock
                        let rows = min(queryBlock, queryRows.count - first)
                        for r in 0..<rows {
                            let source = queryValues.base + Int(queryRows[first + r]) * d
                            for c in 0..<d { gathered[r * width + c] = source[c] }
                            selectors[r].removeAll()
                        }
                        let excluded = (0..<rows).map { exclusions(queryRows[first + $0]) }
                        let boosted = (0..<rows).map { boosts(queryRows[first + $0]) }
                        var start = 0
                        while start < candidateCount {
                            let columns = min(candidateBlock, candidateCount - start)
                            scores.withUnsafeMutableBufferPointer { scoreBuffer in
                                let s = scoreBuffer.baseAddress!
                                // S (rows x columns) = Q (rows x width) * C_block^T, the bias
                                // in the product's last dimension; without that (one query),
                                // each row starts as the bias and the product adds onto it
                                // (beta = 1). A single row is a matrix-vector product: sgemm
                                // would pack the whole block first.
                                var beta: Float = 0
                                if let bias, augmentedCandidates == nil {
                                    bias.withUnsafeBufferPointer { values in
                                        for r in 0..<rows { (s + r * columns).update(from: values.baseAddress! + start, count: columns) }
                                    }
                                    beta = 1
                                }
                                if rows == 1 {
                                    cblas_sgemv(
                                        CblasRowMajor, CblasNoTrans, Int32(columns), Int32(width), 1,
                                        candidateValues.base + start * width, Int32(width), gathered, 1, beta, s, 1)
                                } else {
                                    cblas_sgemm(
                                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(columns), Int32(width),
                                        1, gathered, Int32(width), candidateValues.base + start * width, Int32(width), beta, s,
                                        Int32(columns))
                                }
                                for r in 0..<rows {
                                    let row = s + r * columns
                                    for (item, score) in boosted[r] where Int(item) >= start && Int(item) < start + columns {
                                        row[Int(item) - start] += score
                                    }
                                    for item in excluded[r] where Int(item) >= start && Int(item) < start + columns {
                                        row[Int(item) - start] = -.infinity
                                    }
                                    selectors[r].offer(row, count: columns, firstID: Int32(start))
                                }
                            }
                            start += columns
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

    /// Rows `0..<count` of `candidates`, each followed by its bias (d + 1 values per row).
    static func appendingBias(_ bias: [Float], to candidates: EmbeddingTable, count: Int) -> [Float] {
        let d = candidates.dimension
        var augmented = [Float](repeating: 0, count: count * (d + 1))
        candidates.values.withUnsafeBufferPointer { source in
            augmented.withUnsafeMutableBufferPointer { target in
                for row in 0..<count {
                    let destination = target.baseAddress! + row * (d + 1)
                    destination.update(from: source.baseAddress! + row * d, count: d)
                    destination[d] = bias[row]
                }
            }
        }
        return augmented
    }

    /// For each item, the `k` other items of the highest cosine similarity
    /// plus `boosts`; `unitItems` holds the item vectors scaled to unit
    /// length (`EmbeddingTable.unitRows`).
    public func relatedByCosine(
        unitItems: EmbeddingTable, itemRows: [Int32], boosts: @Sendable (Int32) -> [(item: Int32, score: Float)] = { _ in [] }
    ) -> [ScoredItems] {
        topK(queries: unitItems, queryRows: itemRows, candidates: unitItems, exclusions: { [$0] }, boosts: boosts)
    }
}
