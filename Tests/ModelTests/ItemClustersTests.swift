import Testing

@testable import RecstreamModel

@Suite("Clustered (approximate) top-k")
struct ItemClustersTests {
    /// Best-first brute force in double precision, excluded rows left out.
    func exact(_ query: [Float], _ items: EmbeddingTable, bias: [Float], excluded: Set<Int32>, k: Int) -> [(Int32, Double)] {
        let scored = (0..<Int32(items.count)).filter { !excluded.contains($0) }.map { item in
            (item, Reference.dot(query, items.vector(Int(item))) + Double(bias[Int(item)]))
        }
        return Array(scored.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(k))
    }

    /// Items around `centres` random centres (the structure learned embeddings have), users near them too.
    func clustered(rows: Int, centres: [[Float]], spread: Float, random: inout SplitMix64) -> EmbeddingTable {
        var table = EmbeddingTable(dimension: centres[0].count)
        for _ in 0..<rows {
            let centre = centres[Int.random(in: 0..<centres.count, using: &random)]
            table.append(centre.map { $0 + spread * random.gaussian() })
        }
        return table
    }

    @Test func partitionPlacesEveryRowOnce() {
        var random = SplitMix64(seed: 3)
        let items = random.table(rows: 1_000, dimension: 8, scale: 1)
        let clusters = ItemClusters(items: items)
        #expect(clusters.count == 32)
        #expect(clusters.coveredItems == 1_000)
        let all = clusters.members.flatMap { $0 }
        #expect(all.sorted() == (0..<Int32(1_000)).map { $0 })
        for (cluster, members) in clusters.members.enumerated() {
            #expect(members == members.sorted())
            for (index, row) in members.enumerated() {
                #expect(clusters.placement[Int(row)].cluster == Int32(cluster) && clusters.placement[Int(row)].index == Int32(index))
            }
        }
    }

    @Test func probingEveryClusterIsExactWithBiasExclusionsAndRowsAddedAfterTheBuild() {
        var random = SplitMix64(seed: 5)
        let users = random.table(rows: 300, dimension: 12, scale: 1)
        var items = random.table(rows: 400, dimension: 12, scale: 1)
        let clusters = ItemClusters(items: items)
        // 50 rows after the build: candidates of every query.
        for _ in 0..<50 { items.append((0..<12).map { _ in random.gaussian() }) }
        let bias = (0..<450).map { _ in Float.random(in: 0..<0.5, using: &random) }
        let excluded: [Set<Int32>] = (0..<300).map { _ in Set((0..<15).map { _ in Int32.random(in: 0..<450, using: &random) }) }
        var scorer = TopKScorer(k: 20)
        scorer.queryBlock = 64
        let lists = scorer.topK(
            queries: users, queryRows: (0..<Int32(300)).map { $0 }, candidates: items, clusters: clusters, probes: clusters.count,
            bias: bias
        ) { Array(excluded[Int($0)]) }
        for user in 0..<300 {
            let expected = exact(users.vector(user), items, bias: bias, excluded: excluded[user], k: 20)
            #expect(lists[user].items.count == 20)
            for (rank, (item, score)) in expected.enumerated() {
                #expect(abs(Double(lists[user].scores[rank]) - score) < 1e-4, "user \(user) rank \(rank)")
                let nearTie = expected.contains { $0.0 != item && abs($0.1 - score) < 1e-4 }
                #expect(nearTie || lists[user].items[rank] == item, "user \(user) rank \(rank)")
            }
        }
    }

    @Test func aTenthOfTheClustersFindsMostOfTheTrueTopTenOnClusteredVectors() {
        var random = SplitMix64(seed: 7)
        let centres = (0..<40).map { _ in (0..<16).map { _ in random.gaussian() } }
        let items = clustered(rows: 2_000, centres: centres, spread: 0.4, random: &random)
        let users = clustered(rows: 300, centres: centres, spread: 0.4, random: &random)
        let clusters = ItemClusters(items: items)
        let bias = [Float](repeating: 0, count: 2_000)
        let lists = TopKScorer(k: 10).topK(
            queries: users, queryRows: (0..<Int32(300)).map { $0 }, candidates: items, clusters: clusters,
            probes: clusters.count / 10)
        var found = 0
        for user in 0..<300 {
            let truth = Set(exact(users.vector(user), items, bias: bias, excluded: [], k: 10).map(\.0))
            found += lists[user].items.filter(truth.contains).count
        }
        let recall = Double(found) / 3_000
        #expect(recall >= 0.9, "recall@10 \(recall)")
    }
}

extension ItemClustersTests {
    @Test func listsStayFullWhenTheProbedClustersHoldFewerThanKCandidates() {
        var random = SplitMix64(seed: 13)
        let users = random.table(rows: 50, dimension: 8, scale: 1)
        let items = random.table(rows: 400, dimension: 8, scale: 1)
        let clusters = ItemClusters(items: items)
        // One probe is about 20 items: not enough for 50 beyond 30 exclusions.
        let excluded: [[Int32]] = (0..<50).map { _ in (0..<30).map { _ in Int32.random(in: 0..<400, using: &random) } }
        let lists = TopKScorer(k: 50).topK(
            queries: users, queryRows: (0..<Int32(50)).map { $0 }, candidates: items, clusters: clusters, probes: 1
        ) { excluded[Int($0)] }
        for user in 0..<50 {
            #expect(lists[user].items.count == 50, "user \(user)")
            #expect(Set(lists[user].items).isDisjoint(with: excluded[user]), "user \(user)")
        }
    }
}

extension ItemClustersTests {
    @Test func scoresOnlyTheProbedClustersWhenTheyHoldEnoughCandidates() {
        var random = SplitMix64(seed: 17)
        let users = random.table(rows: 20, dimension: 8, scale: 1)
        let items = random.table(rows: 900, dimension: 8, scale: 1)
        let clusters = ItemClusters(items: items)
        let lists = TopKScorer(k: 5).topK(
            queries: users, queryRows: (0..<Int32(20)).map { $0 }, candidates: items, clusters: clusters, probes: 2)
        // Every listed item comes from two clusters at most: the others were not scored.
        for list in lists {
            let sources = Set(list.items.map { clusters.placement[Int($0)].cluster })
            #expect(sources.count <= 2, "\(sources)")
        }
    }
}

extension ItemClustersTests {
    @Test func clustersOfAnEmptyCatalogScoreEveryItemAddedSince() {
        var random = SplitMix64(seed: 19)
        let clusters = ItemClusters(items: EmbeddingTable(dimension: 4))
        #expect(clusters.count == 0 && clusters.coveredItems == 0)
        let users = random.table(rows: 3, dimension: 4, scale: 1)
        let items = random.table(rows: 10, dimension: 4, scale: 1)
        let rows = (0..<Int32(3)).map { $0 }
        let approximate = TopKScorer(k: 4).topK(queries: users, queryRows: rows, candidates: items, clusters: clusters, probes: 1)
        #expect(approximate == TopKScorer(k: 4).topK(queries: users, queryRows: rows, candidates: items))
    }
}

extension ItemClustersTests {
    /// Boosted items count wherever they are: an item with a large boost
    /// outside the one probed cluster is scored exactly and heads the list,
    /// an excluded one never appears, and a boost inside a probed cluster
    /// moves its item in place (probing every cluster equals the exact
    /// blended brute force).
    @Test func boostedItemsAreScoredExactlyInsideAndOutsideTheProbedClusters() {
        var random = SplitMix64(seed: 23)
        let users = random.table(rows: 40, dimension: 8, scale: 1)
        let items = random.table(rows: 600, dimension: 8, scale: 1)
        let clusters = ItemClusters(items: items)
        let bias = (0..<600).map { _ in Float.random(in: 0..<0.3, using: &random) }
        let excluded: [Set<Int32>] = (0..<40).map { _ in Set((0..<10).map { _ in Int32.random(in: 0..<600, using: &random) }) }
        // Three distinct items with a large boost, and one excluded item with a larger one.
        let boosts: [[(item: Int32, score: Float)]] = (0..<40).map { user in
            var picked = Set<Int32>()
            while picked.count < 3 {
                let item = Int32.random(in: 0..<600, using: &random)
                if !excluded[user].contains(item) { picked.insert(item) }
            }
            return picked.sorted().map { ($0, Float(100)) } + [(excluded[user].first!, Float(200))]
        }
        let rows = (0..<Int32(40)).map { $0 }
        let oneProbe = TopKScorer(k: 10).topK(
            queries: users, queryRows: rows, candidates: items, clusters: clusters, probes: 1, bias: bias,
            exclusions: { Array(excluded[Int($0)]) }, boosts: { boosts[Int($0)] })
        for user in 0..<40 {
            let big = Set(boosts[user].map(\.item)).subtracting(excluded[user])
            #expect(big.count == 3)
            #expect(Set(oneProbe[user].items.prefix(big.count)) == big, "user \(user)")
            #expect(Set(oneProbe[user].items).isDisjoint(with: excluded[user]), "user \(user)")
            for (rank, item) in oneProbe[user].items.prefix(big.count).enumerated() {
                let boost = Double(boosts[user].first { $0.item == item }!.score)
                let want = Reference.dot(users.vector(user), items.vector(Int(item))) + Double(bias[Int(item)]) + boost
                #expect(abs(Double(oneProbe[user].scores[rank]) - want) < 1e-3, "user \(user) rank \(rank)")
            }
        }
        let small: [[(item: Int32, score: Float)]] = (0..<40).map { _ in
            Set((0..<20).map { _ in Int32.random(in: 0..<600, using: &random) }).sorted().map {
                ($0, Float.random(in: 0..<1, using: &random))
            }
        }
        let everyProbe = TopKScorer(k: 10).topK(
            queries: users, queryRows: rows, candidates: items, clusters: clusters, probes: clusters.count, bias: bias,
            exclusions: { Array(excluded[Int($0)]) }, boosts: { small[Int($0)] })
        for user in 0..<40 {
            var blended = bias
            for (item, score) in small[user] { blended[Int(item)] += score }
            let expected = exact(users.vector(user), items, bias: blended, excluded: excluded[user], k: 10)
            for (rank, (item, score)) in expected.enumerated() {
                #expect(abs(Double(everyProbe[user].scores[rank]) - score) < 1e-4, "user \(user) rank \(rank)")
                let nearTie = expected.contains { $0.0 != item && abs($0.1 - score) < 1e-4 }
                #expect(nearTie || everyProbe[user].items[rank] == item, "user \(user) rank \(rank)")
            }
        }
    }
}
