import CBLAS
import Synchronization

extension TopKScorer {
    /// Approximate top-k: each query scores the clusters' centroids (plus
    /// their members' mean bias), then exactly only the items of its best
    /// `probes` clusters (more while those hold fewer than k candidates
    /// beyond its exclusions) and the rows added since the clusters were
    /// built. Without clusters (an empty catalog at the build), exhaustive.
    ///
    /// The candidates are first copied in cluster order, each row followed by
    /// its bias (one pass over the catalog, as the exhaustive path's bias
    /// column). Within a block of queries, each probed cluster is one sgemm
    /// of the queries that probe it times its rows; each query's candidates
    /// then go through one selection. Equal scores keep cluster order, not
    /// row order.
    ///
    /// - Parameters:
    ///   - probes: clusters scored exactly per query (at least 1).
    ///   - bias: optional per-candidate score offset, one per candidate row.
    ///   - exclusions: candidate rows a query must not get.
    ///   - boosts: per query, scores added to some candidates, each named
    ///     once; those outside the probed clusters are scored exactly too.
    public func topK(
        queries: EmbeddingTable, queryRows: [Int32], candidates: EmbeddingTable, clusters: ItemClusters, probes: Int,
        bias: [Float]? = nil, exclusions: @Sendable (Int32) -> [Int32] = { _ in [] },
        boosts: @Sendable (Int32) -> [(item: Int32, score: Float)] = { _ in [] }
    ) -> [ScoredItems] {
        precondition(queries.dimension == candidates.dimension && clusters.coveredItems <= candidates.count)
        precondition(bias.map { $0.count >= candidates.count } ?? true, "bias shorter than the candidate set")
        guard clusters.count > 0 else {
            return topK(
                queries: queries, queryRows: queryRows, candidates: candidates, bias: bias, exclusions: exclusions, boosts: boosts)
        }
        let d = queries.dimension
        let width = d + 1
        let k = self.k
        let probes = max(1, min(probes, clusters.count))
        // Rows added since the build form one more cluster, which every query probes.
        let tail = (Int32(clusters.coveredItems)..<Int32(candidates.count)).map { $0 }
        let groups = clusters.members + (tail.isEmpty ? [] : [tail])
        let ordered = ClusterOrderedCandidates(groups: groups, candidates: candidates, bias: bias)
        let centroids = Self.appendingBias(
            clusters.members.map { members in
                bias.map { bias in members.isEmpty ? 0 : members.reduce(0) { $0 + bias[Int($1)] } / Float(members.count) } ?? 0
            }, to: clusters.centroids, count: clusters.count)
        let largestGroup = groups.map(\.count).max() ?? 0
        let queryBlock = min(self.queryBlock, max(queryRows.count, 1))
        let blockCount = (queryRows.count + queryBlock - 1) / queryBlock
        let results = Mutex([ScoredItems](repeating: ScoredItems(items: [], scores: []), count: queryRows.count))
        parallelChunks(count: blockCount) { blocks, _ in
            let selector = TopKSelector(capacity: k)
            let clusterOrder = TopKSelector(capacity: clusters.count)
            var gathered = [Float](repeating: 1, count: queryBlock * width)
            var centroidScores = [Float](repeating: 0, count: queryBlock * clusters.count)
            var probeQueries = [Float](repeating: 0, count: queryBlock * width)
            var probeScores = [Float](repeating: 0, count: queryBlock * largestGroup)
            var candidateScores: [Float] = []
            var candidateIDs: [Int32] = []
            for block in blocks {
                let first = block * queryBlock
                let rows = min(queryBlock, queryRows.count - first)
                queries.withUnsafeValues { values in
                    for r in 0..<rows {
                        let source = values + Int(queryRows[first + r]) * d
                        for c in 0..<d { gathered[r * width + c] = source[c] }
                    }
                }
                centroids.withUnsafeBufferPointer { centroidValues in
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(clusters.count), Int32(width), 1, gathered,
                        Int32(width), centroidValues.baseAddress!, Int32(width), 0, &centroidScores, Int32(clusters.count))
                }
                // Each query probes its best `probes` clusters, and more while
                // they hold fewer than k candidates beyond its exclusions.
                let excluded = (0..<rows).map { exclusions(queryRows[first + $0]) }
                var probing = [[Int32]](repeating: [], count: groups.count)
                // Per query: each probed group and where its scores start among the query's candidates.
                var probed = [[(group: Int32, start: Int)]](repeating: [], count: rows)
                var rowStart = [Int](repeating: 0, count: rows + 1)
                for r in 0..<rows {
                    clusterOrder.removeAll()
                    centroidScores.withUnsafeBufferPointer {
                        clusterOrder.offer($0.baseAddress! + r * clusters.count, count: clusters.count, firstID: 0)
                    }
                    let needed = k + excluded[r].count
                    var count = 0
                    for (taken, cluster) in clusterOrder.sorted().items.enumerated() {
                        guard taken < probes || count + tail.count < needed else { break }
                        probing[Int(cluster)].append(Int32(r))
                        count += groups[Int(cluster)].count
                    }
                    if !tail.isEmpty {
                        probing[groups.count - 1].append(Int32(r))
                        count += tail.count
                    }
                    rowStart[r + 1] = rowStart[r] + count
                }
                if candidateScores.count < rowStart[rows] {
                    candidateScores = [Float](repeating: 0, count: rowStart[rows])
                    candidateIDs = [Int32](repeating: 0, count: rowStart[rows])
                }
                var filled = [Int](repeating: 0, count: rows)
                for (group, users) in probing.enumerated() where !users.isEmpty && !groups[group].isEmpty {
                    let members = groups[group].count
                    gathered.withUnsafeBufferPointer { source in
                        probeQueries.withUnsafeMutableBufferPointer { target in
                            for (u, r) in users.enumerated() {
                                (target.baseAddress! + u * width).update(from: source.baseAddress! + Int(r) * width, count: width)
                            }
                        }
                    }
                    ordered.values.withUnsafeBufferPointer { values in
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(users.count), Int32(members), Int32(width), 1, probeQueries,
                            Int32(width), values.baseAddress! + ordered.start[group] * width, Int32(width), 0, &probeScores,
                            Int32(members))
                    }
                    groups[group].withUnsafeBufferPointer { ids in
                        probeScores.withUnsafeBufferPointer { scores in
                            candidateScores.withUnsafeMutableBufferPointer { targetScores in
                                candidateIDs.withUnsafeMutableBufferPointer { targetIDs in
                                    for (u, r) in users.enumerated() {
                                        probed[Int(r)].append((Int32(group), filled[Int(r)]))
                                        let offset = rowStart[Int(r)] + filled[Int(r)]
                                        (targetScores.baseAddress! + offset).update(from: scores.baseAddress! + u * members, count: members)
                                        (targetIDs.baseAddress! + offset).update(from: ids.baseAddress!, count: members)
                                        filled[Int(r)] += members
                                    }
                                }
                            }
                        }
                    }
                }
                var lists: [ScoredItems] = []
                lists.reserveCapacity(rows)
                func place(_ item: Int32) -> (group: Int32, index: Int) {
                    Int(item) < clusters.coveredItems
                        ? (clusters.placement[Int(item)].cluster, Int(clusters.placement[Int(item)].index))
                        : (Int32(groups.count - 1), Int(item) - clusters.coveredItems)
                }
                for r in 0..<rows {
                    let offset = rowStart[r]
                    let count = rowStart[r + 1] - rowStart[r]
                    // Boosted items of probed clusters move in place; the others are scored here.
                    var extraScores: [Float] = []
                    var extraIDs: [Int32] = []
                    let excludedItems = Set(excluded[r])
                    for (item, boost) in boosts(queryRows[first + r]) where item >= 0 && Int(item) < candidates.count {
                        let (group, index) = place(item)
                        if let entry = probed[r].first(where: { $0.group == group }) {
                            candidateScores[offset + entry.start + index] += boost
                        } else if !excludedItems.contains(item) {
                            let row = ordered.start[Int(group)] + index
                            var score = boost
                            for c in 0..<width { score += gathered[r * width + c] * ordered.values[row * width + c] }
                            extraScores.append(score)
                            extraIDs.append(item)
                        }
                    }
                    for item in excluded[r] where item >= 0 && Int(item) < candidates.count {
                        let (group, index) = place(item)
                        for entry in probed[r] where entry.group == group {
                            candidateScores[offset + entry.start + index] = -.infinity
                        }
                    }
                    selector.removeAll()
                    candidateScores.withUnsafeBufferPointer { scores in
                        candidateIDs.withUnsafeBufferPointer { ids in
                            selector.offer(scores.baseAddress! + offset, ids: ids.baseAddress! + offset, count: count)
                        }
                    }
                    if !extraScores.isEmpty { selector.offer(extraScores, ids: extraIDs, count: extraScores.count) }
                    lists.append(selector.sorted())
                }
                results.withLock { all in
                    for r in 0..<rows { all[first + r] = lists[r] }
                }
            }
        }
        return results.withLock { $0 }
    }
}

/// The candidates' vectors copied group by group (d + 1 values per row:
/// the vector, then its bias or 0), so each group is one contiguous block.
private struct ClusterOrderedCandidates {
    var values: [Float]
    /// Each group's first row in `values`.
    var start: [Int]

    init(groups: [[Int32]], candidates: EmbeddingTable, bias: [Float]?) {
        let d = candidates.dimension
        let rows = groups.reduce(0) { $0 + $1.count }
        var values = [Float](repeating: 0, count: rows * (d + 1))
        var start: [Int] = []
        var row = 0
        candidates.withUnsafeValues { source in
            values.withUnsafeMutableBufferPointer { target in
                for group in groups {
                    start.append(row)
                    for item in group {
                        let destination = target.baseAddress! + row * (d + 1)
                        destination.update(from: source + Int(item) * d, count: d)
                        destination[d] = bias?[Int(item)] ?? 0
                        row += 1
                    }
                }
            }
        }
        self.values = values
        self.start = start
    }
}
