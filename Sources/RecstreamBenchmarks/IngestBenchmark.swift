import Foundation
import Logging
import RecstreamIngest
import RecstreamModel
import RecstreamStore
import RecstreamStream

/// `recstream bench ingest`: the daemon's pipeline end to end on the local
/// stack (fresh topics, a scratch database), and the same events through
/// the model alone.
public struct IngestBenchmark {
    public var events = 200_000
    public var users = 50_000
    public var items = 10_000
    public var dimension = 64

    public init() {}

    public func run(brokers: String, conninfo: String, log: (String) -> Void) throws -> [String: Double] {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        var configuration = try DaemonConfiguration.onNewTopics(brokers: brokers, prefix: "bench")
        configuration.model.dimension = dimension
        configuration.model.sweepInterval = 0
        // Zipf-like popularity: item = floor(items * u^3).
        var random = SplitMix64(seed: 1)
        var decoded: [Engagement] = []
        decoded.reserveCapacity(events)
        let producer = try KafkaProducer(properties: ["bootstrap.servers": brokers, "linger.ms": "20", "batch.num.messages": "10000"])
        for index in 0..<events {
            let user = "u\(Int.random(in: 0..<users, using: &random))"
            let item = "i\(Int(Double(items) * pow(Double.random(in: 0..<1, using: &random), 3)))"
            let type = EventType.allCases[index % 3]
            decoded.append(Engagement(user: user, item: item, type: type))
            try producer.send(
                topic: configuration.engagementTopic, key: user,
                value: #"{"event_id":"b\#(index)","user_id":"\#(user)","item_id":"\#(item)","type":"\#(type.rawValue)","ts":\#(index)}"#)
        }
        try producer.flush()
        log("\(events) events produced to \(configuration.engagementTopic) (\(users) users, \(items) items, d = \(dimension))")

        var results: [String: Double] = [:]
        configuration.topKIncremental = false
        let ingest = try drain(configuration, conninfo: conninfo, suffix: "\(suffix)a")
        results["end_to_end_events_per_s"] = ingest.eventsPerSecond
        let latencies = ingest.statistics.commitMilliseconds.sorted()
        results["batch_commit_p50_ms"] = latencies[latencies.count / 2]
        results["batch_commit_p99_ms"] = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        log(
            String(
                format: "end to end (Kafka -> model -> PostgreSQL): %.0f events/s over %d batches; batch commit p50 %.1f ms, p99 %.1f ms",
                ingest.eventsPerSecond, ingest.statistics.batches, results["batch_commit_p50_ms"]!, results["batch_commit_p99_ms"]!))
        configuration.topKIncremental = true
        configuration.groupID += "-topk"
        let withTopK = try drain(configuration, conninfo: conninfo, suffix: "\(suffix)b")
        results["end_to_end_with_topk_events_per_s"] = withTopK.eventsPerSecond
        log(
            String(
                format: "the same with each batch's users' top-%d lists republished: %.0f events/s", configuration.topK,
                withTopK.eventsPerSecond))

        var model = RecommenderModel(configuration: configuration.model)
        let batch = configuration.batchMaxEvents
        let modelSeconds = timed {
            var index = 0
            while index < decoded.count {
                model.apply(Array(decoded[index..<min(index + batch, decoded.count)]))
                index += batch
            }
        }
        results["model_only_events_per_s"] = Double(events) / modelSeconds
        log(
            String(
                format: "the same events, decoded, through the model alone (batches of %d): %.0f events/s", batch,
                results["model_only_events_per_s"]!))
        return results
    }

    /// Drains the topic into a scratch database; events per second from the
    /// first committed batch on (the group join is not throughput).
    private func drain(_ configuration: DaemonConfiguration, conninfo: String, suffix: String) throws -> (
        eventsPerSecond: Double, statistics: IngestStatistics
    ) {
        var configuration = configuration
        let database = try ScratchDatabase(server: conninfo, name: "recstream_bench_\(suffix)")
        configuration.databaseURL = database.conninfo
        var logger = Logger(label: "recstream.bench")
        logger.logLevel = .warning
        let pipeline = try IngestPipeline(configuration: configuration, logger: logger)
        let running = pipeline.start()
        var first: (time: UInt64, consumed: Int)?
        while pipeline.statistics.consumed < events {
            let statistics = pipeline.statistics
            if first == nil && statistics.batches > 0 { first = (DispatchTime.now().uptimeNanoseconds, statistics.consumed) }
            Thread.sleep(forTimeInterval: 0.005)
        }
        let end = DispatchTime.now().uptimeNanoseconds
        try running.stop()
        let start = first ?? (end - 1, 0)
        return (Double(events - start.consumed) / (Double(end - start.time) / 1e9), pipeline.statistics)
    }
}
