import Foundation
import Logging
import RecstreamIngest
import RecstreamModel
import RecstreamStore
import RecstreamStream
import Synchronization

/// `recstream bench topk`: a full recompute of every list on synthetic
/// vectors, with its writes to PostgreSQL (and the compute alone against
/// raw sgemm), then the freshness of lists under a steady event rate.
public struct TopKBenchmark {
    public var users = 100_000
    public var items = 20_000
    public var dimension = 64
    public var k = 100
    /// Events per second for the freshness part, and for how long.
    public var rate = 10_000.0
    public var seconds = 20.0

    public init() {}

    public func run(brokers: String, conninfo: String, log: (String) -> Void) throws -> [String: Double] {
        var results: [String: Double] = [:]
        let database = try ScratchDatabase(server: conninfo, name: "recstream_bench_\(UUID().uuidString.prefix(8).lowercased())")
        let connection = try database.migrated()
        let url = database.conninfo

        var configuration = ModelConfiguration()
        configuration.dimension = dimension
        var random = SplitMix64(seed: 1)
        var snapshot = ModelSnapshot()
        let scale = Float(0.3)
        snapshot.users = (0..<users).map { ("user-\($0)", 0) }
        snapshot.items = (0..<items).map { ("item-\($0)", ItemProfile()) }
        for row in 0..<Int32(users) {
            snapshot.userVectors[row] = (0..<dimension).map { _ in Float.random(in: -scale...scale, using: &random) }
        }
        for row in 0..<Int32(items) {
            snapshot.itemVectors[row] = (0..<dimension).map { _ in Float.random(in: -scale...scale, using: &random) }
        }
        let model = try RecommenderModel(configuration: configuration, restoring: snapshot)
        log("full recompute: \(users) users x \(items) items, d = \(dimension), k = \(k)")

        let (computeSeconds, sgemmSeconds) = ModelBenchmark.topKAgainstSgemm(model.userFactors, model.itemFactors) {
            _ = model.recommend(userRows: (0..<Int32(users)).map { $0 }, k: k)
        }
        results["topk_vs_sgemm_ratio"] = sgemmSeconds / computeSeconds
        // Lists name items by row: store the items first (not timed).
        var items = BatchWrites()
        items.items = snapshot.items.enumerated().map {
            ItemRow(id: Int64($0.offset), externalID: $0.element.externalID, categories: [], uploader: nil, title: nil)
        }
        try BatchTransaction(connection: connection).commit(items)
        let fullSeconds = try timed {
            try FullRecompute.run(model, modelVersion: 1, k: k, connection: connection) { _ in }
        }
        results["full_recompute_seconds"] = fullSeconds
        log(
            String(
                format: "compute alone %.2f s (raw sgemm %.2f s, ratio %.3f); with every list written: %.1f s",
                computeSeconds, sgemmSeconds, results["topk_vs_sgemm_ratio"]!, fullSeconds))

        let freshness = try measureFreshness(brokers: brokers, url: url, log: log)
        results["freshness_p50_ms"] = freshness.p50
        results["freshness_p99_ms"] = freshness.p99
        return results
    }

    /// Events of new users at `rate` for `seconds` into a running pipeline;
    /// for each, the time until its list can be read.
    private func measureFreshness(brokers: String, url: String, log: (String) -> Void) throws -> (p50: Double, p99: Double) {
        var configuration = try DaemonConfiguration.onNewTopics(brokers: brokers, prefix: "bench-fresh")
        configuration.databaseURL = url
        configuration.batchMaxWaitMs = 100
        configuration.topK = k
        configuration.model.dimension = dimension
        var logger = Logger(label: "recstream.bench")
        logger.logLevel = .warning
        let pipeline = try IngestPipeline(configuration: configuration, logger: logger)
        let running = pipeline.start()
        defer { try? running.stop() }
        // Steady state: the clock starts once the daemon holds its partitions.
        // Joining the consumer group is a one-time wait at start (on Tansu,
        // about half of session.timeout.ms), not freshness under a load.
        let joinDeadline = Date().addingTimeInterval(60)
        while pipeline.health.snapshot.assigned.isEmpty && Date() < joinDeadline { Thread.sleep(forTimeInterval: 0.05) }
        let producer = try KafkaProducer(properties: ["bootstrap.servers": brokers, "linger.ms": "5"])
        let total = Int(rate * seconds)
        let rate = self.rate
        // 200 sampled users, spread over the run, polled while events flow:
        // latency = first seen readable - the event's scheduled send time.
        let sample = Array(stride(from: 0, to: total, by: max(1, total / 200)))
        let seen = Mutex<[Int: Double]>([:])
        let stop = Atomic<Bool>(false)
        let polled = DispatchSemaphore(value: 0)
        let start = DispatchTime.now().uptimeNanoseconds
        let poller = try PostgresConnection(conninfo: url)
        Thread.detachNewThread {
            while !stop.load(ordering: .relaxed) {
                let missing = sample.filter { index in seen.withLock { $0[index] == nil } }
                if missing.isEmpty { break }
                if let result = try? poller.execute(
                    "select user_id from user_recommendations where user_id = any($1::text[])",
                    ["{" + missing.map { "f\($0)" }.joined(separator: ",") + "}"])
                {
                    let now = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    seen.withLock { first in
                        for row in 0..<result.rowCount {
                            let index = Int(result.text(row: row, column: 0)!.dropFirst())!
                            if first[index] == nil { first[index] = now }
                        }
                    }
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
            polled.signal()
        }
        for index in 0..<total {
            let due = start + UInt64(Double(index) / rate * 1e9)
            let now = DispatchTime.now().uptimeNanoseconds
            if due > now { Thread.sleep(forTimeInterval: Double(due - now) / 1e9) }
            // One new user per event (a list to wait for), an existing item.
            try producer.send(
                topic: configuration.engagementTopic, key: "f\(index)",
                value: #"{"event_id":"f\#(index)","user_id":"f\#(index)","item_id":"item-\#(index % items)","type":"view","ts":1}"#)
        }
        try producer.flush()
        let sentSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        log(String(format: "freshness: %d events of new users at %.0f events/s (sent in %.1f s)", total, rate, sentSeconds))
        let deadline = Date().addingTimeInterval(300)
        while seen.withLock({ $0.count }) < sample.count && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        stop.store(true, ordering: .relaxed)
        polled.wait()
        let first = seen.withLock { $0 }
        let latencies = first.map { index, time in time - Double(index) / rate * 1000 }.sorted()
        guard !latencies.isEmpty else { return (.infinity, .infinity) }
        let p50 = latencies[latencies.count / 2]
        let p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        log(
            String(
                format: "event produced -> list readable: p50 %.0f ms, p99 %.0f ms (%d sampled users, %d not readable within 300 s)",
                p50, p99, latencies.count, sample.count - latencies.count))
        return (p50, p99)
    }
}
