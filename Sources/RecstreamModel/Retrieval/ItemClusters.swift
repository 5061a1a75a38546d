import CBLAS

/// A partition of the item rows into about sqrt(n) clusters by k-means on
/// their vectors: the inverted file of approximate top-k retrieval (IVF, as
/// in FAISS). A query scores the centroids first and then only the items of
/// its best clusters (`TopKScorer.topK(..., clusters:)`), about a tenth of
/// the catalog instead of all of it.
///
/// The partition names rows, not vectors: retrieval reads the items' current
/// vectors, so vectors that moved since the build are scored as they are now
/// (they are only found less often if they moved to another cluster's
/// region). Rows added after the build (`coveredItems` and later) are
/// candidates of every query until the next build.
public struct ItemClusters: Sendable {
    /// Item rows `0..<coveredItems` belong to a cluster.
    public let coveredItems: Int
    /// One centroid per cluster.
    let centroids: EmbeddingTable
    /// Each cluster's item rows, ascending.
    let members: [[Int32]]
    /// Each covered row's cluster and its index in that cluster's `members`.
    let placement: [(cluster: Int32, index: Int32)]

    public var count: Int { members.count }

    /// Clusters `items` by `iterations` rounds of Lloyd's k-means, trained on
    /// at most 64 rows per cluster (every row then assigned once), seeded
    /// with evenly spaced rows: deterministic for the same vectors.
    public init(items: EmbeddingTable, iterations: Int = 6) {
        let n = items.count
        let d = items.dimension
        let clusterCount = max(1, min(n, Int(Double(n).squareRoot().rounded())))
        let stride = max(1, n / max(1, 64 * clusterCount))
        let sample = Array(Swift.stride(from: 0, to: n, by: stride).map { Int32($0) })
        var centroids = EmbeddingTable(dimension: d, reservingRows: clusterCount)
        for c in 0..<clusterCount where n > 0 {
            _ = centroids.append(items.vector(Int(sample[c * sample.count / clusterCount])))
        }
        for _ in 0..<iterations where n > 0 {
            let assigned = Self.nearest(items, rows: sample, centroids: centroids)
            var sums = [Float](repeating: 0, count: clusterCount * d)
            var sizes = [Int](repeating: 0, count: clusterCount)
            items.withUnsafeValues { values in
                for (row, cluster) in zip(sample, assigned) {
                    sizes[Int(cluster)] += 1
                    for x in 0..<d { sums[Int(cluster) * d + x] += values[Int(row) * d + x] }
                }
            }
            for c in 0..<clusterCount where sizes[c] > 0 {
                centroids.set(c, to: (0..<d).map { sums[c * d + $0] / Float(sizes[c]) })
            }
        }
        var members = [[Int32]](repeating: [], count: n > 0 ? clusterCount : 0)
        var placement = [(cluster: Int32, index: Int32)](repeating: (0, 0), count: n)
        if n > 0 {
            let rows = (0..<Int32(n)).map { $0 }
            for (row, cluster) in zip(rows, Self.nearest(items, rows: rows, centroids: centroids)) {
                placement[Int(row)] = (cluster, Int32(members[Int(cluster)].count))
                members[Int(cluster)].append(row)
            }
        }
        coveredItems = n
        self.centroids = centroids
        self.members = members
        self.placement = placement
    }

    /// The nearest centroid (Euclidean) of each of `rows`:
    /// argmin over c of |c|^2 - 2 <x, c>, by blocks of one sgemm each.
    static func nearest(_ items: EmbeddingTable, rows: [Int32], centroids: EmbeddingTable) -> [Int32] {
        let d = items.dimension
        let clusterCount = centroids.count
        let norms = (0..<clusterCount).map { c in centroids.vector(c).reduce(0) { $0 + $1 * $1 } }
        let block = 4096
        var nearest = [Int32](repeating: 0, count: rows.count)
        var products = [Float](repeating: 0, count: block * clusterCount)
        var start = 0
        while start < rows.count {
            let count = min(block, rows.count - start)
            let gathered = items.gather(Array(rows[start..<start + count]))
            centroids.withUnsafeValues { centroidValues in
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(clusterCount), Int32(d), 1, gathered, Int32(d),
                    centroidValues, Int32(d), 0, &products, Int32(clusterCount))
            }
            for r in 0..<count {
                var best = 0
                var bestDistance = Float.infinity
                for c in 0..<clusterCount {
                    let distance = norms[c] - 2 * products[r * clusterCount + c]
                    if distance < bestDistance { (best, bestDistance) = (c, distance) }
                }
                nearest[start + r] = Int32(best)
            }
            start += count
        }
        return nearest
    }
}
