import Foundation
import Metrics
import RecstreamModel
import RecstreamStream

/// The pipeline's metrics, emitted through swift-metrics: whatever backend
/// the process bootstrapped (Prometheus in `serve`) receives them, and
/// they cost nothing without one. The names are the Prometheus names.
/// The pipeline and committer threads and the health monitor emit them;
/// swift-metrics handles are thread-safe.
struct PipelineMetrics: Sendable {
    private let postgresErrors = Counter(label: "recstream_postgres_errors_total")
    private let kafkaErrors = Counter(label: "recstream_kafka_errors_total")
    private let batchSize = Recorder(label: "recstream_batch_size", aggregate: true)
    private let commitLatency = Timer(label: "recstream_batch_commit_seconds")
    private let freshness = Timer(label: "recstream_freshness_seconds")
    private let users = Gauge(label: "recstream_users")
    private let items = Gauge(label: "recstream_items")
    private let freshItems = Gauge(label: "recstream_fresh_items")
    private let listsApproximate = Gauge(label: "recstream_lists_approximate")
    private let popularityWeight = Gauge(label: "recstream_popularity_weight")
    private let transitionWeight = Gauge(label: "recstream_transition_weight")
    private let blendTests = Gauge(label: "recstream_blend_tests")
    private let approximateLists = Counter(label: "recstream_lists_approximate_total")

    /// What one committed batch did, by topic and by event type.
    struct Batch {
        var consumedByTopic: [String: Int] = [:]
        var appliedByType: [String: Int] = [:]
        var duplicatesByType: [String: Int] = [:]
        var deadLetteredByTopic: [String: Int] = [:]
        var records = 0
        var commitNanoseconds: Int64 = 0
        /// Kafka timestamps (ms since the epoch) of the engagement events applied.
        var eventTimestampsMs: [Int64] = []
    }

    func record(_ batch: Batch) {
        for (topic, count) in batch.consumedByTopic {
            Counter(label: "recstream_events_consumed_total", dimensions: [("topic", topic)]).increment(by: count)
        }
        for (topic, count) in batch.deadLetteredByTopic {
            Counter(label: "recstream_events_dead_lettered_total", dimensions: [("topic", topic)]).increment(by: count)
        }
        for (type, count) in batch.appliedByType {
            Counter(label: "recstream_events_applied_total", dimensions: [("type", type)]).increment(by: count)
        }
        for (type, count) in batch.duplicatesByType {
            Counter(label: "recstream_events_duplicate_total", dimensions: [("type", type)]).increment(by: count)
        }
        batchSize.record(batch.records)
        commitLatency.recordNanoseconds(batch.commitNanoseconds)
    }

    /// Event produced -> its user's list (or, without incremental top-k,
    /// its state) visible in PostgreSQL, for each event of a batch.
    func recordFreshness(eventTimestampsMs: [Int64], visibleAt: Date) {
        let nowMs = Int64(visibleAt.timeIntervalSince1970 * 1000)
        for timestamp in eventTimestampsMs {
            freshness.recordNanoseconds(max(0, nowMs - timestamp) * 1_000_000)
        }
    }

    /// The model's gauges: its size, and the blend weights its lists use.
    func recordModel(_ model: RecommenderModel) {
        users.record(model.users.count)
        items.record(model.items.count)
        freshItems.record(model.items.count - model.warmItemCount)
        let weights = model.blendWeights
        popularityWeight.record(Double(weights.popularity))
        transitionWeight.record(Double(weights.transitions))
        blendTests.record(model.blend.tests)
    }

    /// The last full recompute's duration and age; not exported before the first one.
    func recordFullRecompute(_ last: (seconds: Double, finishedAt: Date)?) {
        guard let last else { return }
        Gauge(label: "recstream_topk_full_recompute_seconds").record(last.seconds)
        Gauge(label: "recstream_topk_full_recompute_age_seconds").record(Date().timeIntervalSince(last.finishedAt))
    }

    /// Whether the batch's `lists` were scored approximately (1) or exactly (0).
    func recordListScoring(approximate: Bool, lists: Int) {
        listsApproximate.record(approximate ? 1 : 0)
        if approximate { approximateLists.increment(by: lists) }
    }

    func postgresError() {
        postgresErrors.increment()
    }

    func kafkaError(count: Int) {
        kafkaErrors.increment(by: count)
    }

    /// Each partition's lag: records the broker has that are not committed yet.
    func recordLag(_ lag: [TopicPartition: Int64]) {
        for (partition, records) in lag {
            Gauge(label: "recstream_consumer_lag", dimensions: [("topic", partition.topic), ("partition", String(partition.partition))])
                .record(records)
        }
    }
}
