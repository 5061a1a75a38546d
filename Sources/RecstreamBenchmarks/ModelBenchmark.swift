import CBLAS
import Foundation
import RecstreamModel

/// `recstream bench model`: the model's kernels on synthetic data, each
/// compared where it makes sense with the raw BLAS work it rests on, in the
/// same run (this machine is noisy, ratios are what carry over).
public struct ModelBenchmark {
    public var dimension = 64
    public var users = 100_000
    public var items = 20_000
    public var k = 100
    public var projections = 20_000
    public var interactionsPerProjection = 50
    public var sgdEvents = 2_000_000
    public var sweepInteractions = 5_000_000
    public var seed: UInt64 = 1

    public init() {}

    /// Runs every measurement; `log` receives human-readable lines.
    public func run(log: (String) -> Void) -> [String: Double] {
        var random = SplitMix64(seed: seed)
        var results: [String: Double] = [:]
        let userTable = randomTable(rows: users, scale: 0.1, &random)
        let itemTable = randomTable(rows: items, scale: 0.1, &random)
        log("shapes: \(users) users x \(items) items, d = \(dimension), k = \(k); BLAS threads \(BLASRuntime.threads)")

        let (topKSeconds, sgemmSeconds) = Self.topKAgainstSgemm(userTable, itemTable) {
            _ = TopKScorer(k: k).topK(queries: userTable, queryRows: (0..<Int32(users)).map { $0 }, candidates: itemTable)
        }
        let flops = 2.0 * Double(users) * Double(items) * Double(dimension)
        log(
            String(
                format: "raw sgemm %d x %d x %d (blocks of 4096 users): %.2f s, %.1f GFLOP/s", users, items, dimension, sgemmSeconds,
                flops / sgemmSeconds / 1e9))
        results["topk_seconds"] = topKSeconds
        results["sgemm_seconds"] = sgemmSeconds
        results["topk_vs_sgemm_ratio"] = sgemmSeconds / topKSeconds
        log(
            String(
                format: "top-%d for all users: %.2f s; throughput ratio top-k / sgemm = %.3f", k, topKSeconds, sgemmSeconds / topKSeconds))

        clusteredTopK(userTable, itemTable, into: &results, log: log)

        let solver = WALSSolver(gramian: Gramian(exactOf: itemTable), unobservedWeight: 1, regularization: 0.05)
        var batch = ProjectionBatch()
        for target in 0..<Int32(projections) {
            let rows = (0..<interactionsPerProjection).map { _ in Int32.random(in: 0..<Int32(items), using: &random) }
            batch.append(target: target, neighbours: rows, confidences: rows.map { _ in Float.random(in: 2...5, using: &random) })
        }
        var projected = EmbeddingTable(dimension: dimension, reservingRows: projections)
        for _ in 0..<projections { projected.appendZero() }
        let projectionSeconds = timed { _ = solver.solve(batch, factors: itemTable, into: &projected) }
        results["wals_projections_per_s"] = Double(projections) / projectionSeconds
        log(
            String(
                format: "WALS projections by Cholesky (%d interactions each, all cores): %.0f /s", interactionsPerProjection,
                Double(projections) / projectionSeconds))
        var conjugateGradient = solver
        conjugateGradient.method = .conjugateGradient(iterations: 3)
        var fromZero = EmbeddingTable(dimension: dimension, reservingRows: projections)
        for _ in 0..<projections { fromZero.appendZero() }
        let conjugateGradientSeconds = timed { _ = conjugateGradient.solve(batch, factors: itemTable, into: &fromZero) }
        results["wals_cg3_projections_per_s"] = Double(projections) / conjugateGradientSeconds
        log(
            String(
                format: "WALS projections by 3 conjugate-gradient steps (inexact): %.0f /s", Double(projections) / conjugateGradientSeconds)
        )

        results["sgd_events_per_s"] = BLASRuntime.singleThreaded { sgdEventsPerSecond(userTable, itemTable, &random) }
        log(String(format: "SGD with gravity, one core: %.0f events/s", results["sgd_events_per_s"]!))

        results["sweep_seconds"] = sweepSeconds(&random, log: log)
        log(
            String(
                format: "full sweep %d users x %d items x %d interactions: %.2f s", users, items, sweepInteractions,
                results["sweep_seconds"]!))
        return results
    }

    /// The approximate top-k of overloaded pipelines (a tenth of the item
    /// clusters per user) against exhaustive top-k for 10,000 users: the
    /// speed-up and the recall of the exact lists. The vectors are uniform
    /// random, which have no cluster structure: the recall is a floor, learned
    /// embeddings cluster.
    func clusteredTopK(
        _ userTable: EmbeddingTable, _ itemTable: EmbeddingTable, into results: inout [String: Double], log: (String) -> Void
    ) {
        let rows = (0..<Int32(min(users, 10_000))).map { $0 }
        var clusters: ItemClusters?
        let buildSeconds = timed { clusters = ItemClusters(items: itemTable) }
        let probes = max(1, clusters!.count / 10)
        var exact: [ScoredItems] = []
        var approximate: [ScoredItems] = []
        let exactSeconds = timed { exact = TopKScorer(k: k).topK(queries: userTable, queryRows: rows, candidates: itemTable) }
        let approximateSeconds = timed {
            approximate = TopKScorer(k: k).topK(
                queries: userTable, queryRows: rows, candidates: itemTable, clusters: clusters!, probes: probes)
        }
        let found = zip(exact, approximate).reduce(0) { found, pair in found + Set(pair.0.items).intersection(pair.1.items).count }
        results["clustered_topk_speedup"] = exactSeconds / approximateSeconds
        results["clustered_topk_recall"] = Double(found) / Double(rows.count * k)
        results["clustered_topk_build_seconds"] = buildSeconds
        log(
            String(
                format:
                    "top-%d of %d users by %d of %d clusters: %.2fx faster than exhaustive (%.3f s vs %.3f s), recall %.3f; clusters built in %.2f s",
                k, rows.count, probes, clusters!.count, exactSeconds / approximateSeconds, approximateSeconds, exactSeconds,
                results["clustered_topk_recall"]!, buildSeconds))
    }

    /// Seconds of `topK` and of raw sgemm over the same tables, each the
    /// median of three runs taken in turns, after one untimed run of each:
    /// the first run of either pays page faults and thread start-up, and
    /// this machine drifts by several percent within a minute.
    static func topKAgainstSgemm(_ users: EmbeddingTable, _ items: EmbeddingTable, topK: () -> Void) -> (topK: Double, sgemm: Double) {
        topK()
        _ = rawSgemmSeconds(users, items)
        var topKRuns: [Double] = []
        var sgemmRuns: [Double] = []
        for _ in 0..<3 {
            topKRuns.append(timed(topK))
            sgemmRuns.append(rawSgemmSeconds(users, items))
        }
        return (topKRuns.sorted()[1], sgemmRuns.sorted()[1])
    }

    /// `cblas_sgemm` of users x items^T in blocks of 4,096 users, the work top-k rests on.
    static func rawSgemmSeconds(_ users: EmbeddingTable, _ items: EmbeddingTable) -> Double {
        let block = 4096
        let d = users.dimension
        var output = [Float](repeating: 0, count: block * items.count)
        return timed {
            users.withUnsafeValues { u in
                items.withUnsafeValues { v in
                    var start = 0
                    while start < users.count {
                        let rows = min(block, users.count - start)
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(items.count), Int32(d),
                            1, u + start * d, Int32(d), v, Int32(d), 0, &output, Int32(items.count))
                        start += rows
                    }
                }
            }
        }
    }

    private func sgdEventsPerSecond(_ users: EmbeddingTable, _ items: EmbeddingTable, _ random: inout SplitMix64) -> Double {
        var users = users
        var items = items
        let userGramian = Gramian(exactOf: users)
        let itemGramian = Gramian(exactOf: items)
        let gU = userGramian.floatValues
        let gV = itemGramian.floatValues
        let lambdaU = Float(userGramian.largestEigenvalue())
        let lambdaV = Float(itemGramian.largestEigenvalue())
        let pairs = (0..<sgdEvents).map { _ in
            (Int32.random(in: 0..<Int32(self.users), using: &random), Int32.random(in: 0..<Int32(self.items), using: &random))
        }
        let sgd = GravitySGD(learningRate: 0.05, unobservedWeight: 1, regularization: 0.05)
        var scratch = [Float](repeating: 0, count: 4 * dimension)
        let d = dimension
        let seconds = timed {
            users.withUnsafeMutableValues { u in
                items.withUnsafeMutableValues { v in
                    for (user, item) in pairs {
                        _ = sgd.step(
                            user: u + Int(user) * d, item: v + Int(item) * d, confidence: 3, userGramian: gU, itemGramian: gV,
                            lambdaMaxUser: lambdaU, lambdaMaxItem: lambdaV, dimension: d, scratch: &scratch)
                    }
                }
            }
        }
        return Double(sgdEvents) / seconds
    }

    private func sweepSeconds(_ random: inout SplitMix64, log: (String) -> Void) -> Double {
        var interactions = InteractionStore()
        interactions.ensure(users: users, items: items)
        // Popularity skew: item rows drawn from a power law.
        for _ in 0..<sweepInteractions {
            let user = Int32.random(in: 0..<Int32(users), using: &random)
            let item = Int32(Double(items) * pow(Double.random(in: 0..<1, using: &random), 2))
            interactions.record(user: user, item: item, weight: 1)
        }
        var userTable = randomTable(rows: users, scale: 0.1, &random)
        var itemTable = randomTable(rows: items, scale: 0.1, &random)
        let training = WALSTraining(unobservedWeight: 1, regularization: 0.05, confidence: ConfidenceModel(alpha: 1))
        log("sweep data: \(interactions.pairCount) distinct pairs")
        return timed { _ = training.sweep(users: &userTable, items: &itemTable, interactions: interactions) }
    }

    private func randomTable(rows: Int, scale: Float, _ random: inout SplitMix64) -> EmbeddingTable {
        var table = EmbeddingTable(dimension: dimension, reservingRows: rows)
        for _ in 0..<rows { table.append((0..<dimension).map { _ in Float.random(in: -scale...scale, using: &random) }) }
        return table
    }
}
