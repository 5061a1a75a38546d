import Dispatch
import Foundation
import Logging
import RecstreamModel
import RecstreamStore
import RecstreamStream
import Synchronization

/// The daemon's main job: consume engagement and catalog events in
/// micro-batches, learn them, and write the new state together with the
/// next Kafka offsets in one PostgreSQL transaction per batch.
///
/// Exactly once: PostgreSQL, not Kafka, holds the offsets. On assignment
/// each partition starts at its stored offset; on revocation the batch in
/// flight is committed first. A crash before the commit loses only work the
/// restarted daemon redoes from the stored offsets and state.
///
/// Batch n is written on the committer's thread while batch n+1 is learned
/// (`prepare`, then `write`: at most one batch in flight, written in order),
/// so the model's work and the transaction overlap.
public final class IngestPipeline: @unchecked Sendable {
    public let configuration: DaemonConfiguration
    let logger: Logger
    let database: ReconnectingConnection
    var model: RecommenderModel
    var deduplicator: EventDeduplicator
    var consumer: KafkaConsumer?
    private var pending: [KafkaMessage] = []
    /// The next batch's size limit.
    private var batchSize: BatchSizeController
    var modelVersion: Int64
    private let stopRequested = Atomic<Bool>(false)
    let counters = Mutex(IngestStatistics())
    /// Liveness, partitions and dependency status, for the health endpoints.
    public let health: PipelineHealth
    let metrics = PipelineMetrics()
    /// Next offset of every partition as committed to PostgreSQL.
    let committedPositions = Mutex<[TopicPartition: Int64]>([:])
    private var scheduledTopK: ScheduledTopKRecompute
    /// Writes batch n while the pipeline computes batch n+1.
    let committer = BatchCommitter()
    /// librdkafka's connection errors already counted in the metrics.
    private let brokerErrorsSeen = Atomic<Int>(0)

    /// Migrates the database, loads the stored model and joins the consumer group.
    public init(configuration: DaemonConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        batchSize = BatchSizeController(
            maximum: configuration.batchMaxEvents,
            cycleTarget: configuration.topKIncremental ? Double(configuration.topKFreshnessTargetMs) / 8_000 : nil)
        let health = PipelineHealth()
        let metrics = metrics
        self.health = health
        database = ReconnectingConnection(conninfo: configuration.databaseURL, logger: logger) { error in
            health.failed(kafka: false, error: error.description)
            health.beat()  // retrying is progress: a restart would not help
            metrics.postgresError()
        }
        scheduledTopK = ScheduledTopKRecompute(
            conninfo: configuration.databaseURL, k: configuration.topK, intervalSeconds: configuration.topKFullIntervalSeconds,
            logger: logger)
        let migrations = try Migration.load(from: Migration.defaultDirectory())
        let loaded = try database.run(attempts: 10) { connection -> (RecommenderModel, [String]) in
            let report = try Migrator(migrations: migrations).migrate(connection)
            if !report.applied.isEmpty { logger.info("schema migrated", metadata: ["applied": "\(report.applied)"]) }
            let state = StateRepository(connection: connection)
            let model = try ModelPersistence.load(state, configuration: configuration.model)
            try state.saveMetadata(
                dimension: configuration.model.dimension, hyperparameters: ModelPersistence.hyperparameters(configuration.model),
                modelVersion: model.interactions.userEventCounts.reduce(0, +))
            return (model, try state.loadRecentEventIDs(limit: configuration.dedupWindowEvents))
        }
        model = loaded.0
        deduplicator = EventDeduplicator(capacity: configuration.dedupWindowEvents, recent: loaded.1)
        modelVersion = model.interactions.userEventCounts.reduce(0, +)
        health.succeeded(kafka: false)
        health.modelLoaded()
        metrics.recordModelSize(model)
        logger.info("model loaded", metadata: [
            "users": "\(model.users.count)", "items": "\(model.items.count)", "interactions": "\(model.interactions.pairCount)",
        ])
        var properties = configuration.kafkaProperties
        properties["bootstrap.servers"] = configuration.brokers
        properties["group.id"] = configuration.groupID
        properties["session.timeout.ms"] = properties["session.timeout.ms"] ?? String(configuration.sessionTimeoutMs)
        properties["enable.partition.eof"] = "false"
        let consumer = try KafkaConsumer(properties: properties, logger: logger) { [weak self] event in
            self?.rebalance(event) ?? [:]
        }
        try consumer.subscribe(topics: [configuration.engagementTopic, configuration.catalogTopic])
        self.consumer = consumer
    }

    /// What has been done so far.
    public var statistics: IngestStatistics { counters.withLock { $0 } }

    /// Sets `recstream_build_info` (recstream and librdkafka versions).
    public static func recordBuildInfo() {
        PipelineMetrics.recordBuildInfo()
    }

    /// Asks the brokers for metadata (from any thread) and records the
    /// outcome in `health`: how `/readyz` learns that the broker is away
    /// even while no records flow.
    public func probeBrokers(timeoutMs: Int32) {
        guard let consumer else { return }
        let reported = consumer.brokerErrorCount
        let unseen = reported - brokerErrorsSeen.exchange(reported, ordering: .relaxed)
        if unseen > 0 { metrics.kafkaError(count: unseen) }
        do {
            try consumer.probeBrokers(timeoutMs: timeoutMs)
            health.succeeded(kafka: true)
        } catch {
            health.failed(kafka: true, error: "\(error)")
            metrics.kafkaError(count: 1)
        }
    }

    /// Refreshes the gauges that change with time rather than with
    /// batches: each owned partition's lag (the end offset last fetched
    /// minus the next offset committed to PostgreSQL) and the age of the
    /// last full top-k recompute.
    public func recordGauges() {
        metrics.recordFullTopK(health.snapshot.lastFullTopK)
        guard let consumer else { return }
        var lag: [TopicPartition: Int64] = [:]
        for (partition, next) in committedPositions.withLock({ $0 }) {
            if let watermarks = try? consumer.fetchedWatermarks(topic: partition.topic, partition: partition.partition), watermarks.high >= 0 {
                lag[partition] = max(0, watermarks.high - next)
            }
        }
        metrics.recordLag(lag)
    }

    /// Asks `run` to finish the batch in flight, commit it, and return.
    public func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    /// `run()` on a thread of its own, for benchmarks and tests.
    public func start() -> BackgroundRun {
        let background = BackgroundRun(pipeline: self)
        Thread.detachNewThread {
            do { try self.run() } catch { background.failure.withLock { $0 = error } }
            background.finished.signal()
        }
        return background
    }

    /// A pipeline running on its own thread.
    public final class BackgroundRun: Sendable {
        private let pipeline: IngestPipeline
        fileprivate let finished = DispatchSemaphore(value: 0)
        fileprivate let failure = Mutex<(any Error)?>(nil)
        private let stopped = Mutex(false)

        fileprivate init(pipeline: IngestPipeline) {
            self.pipeline = pipeline
        }

        /// Asks the pipeline to finish its batch, waits until `run()`
        /// returned, and rethrows what it threw. Later calls return at once.
        public func stop() throws {
            let first = stopped.withLock { stopped in
                defer { stopped = true }
                return !stopped
            }
            guard first else { return }
            pipeline.requestStop()
            finished.wait()
            if let error = failure.withLock({ $0 }) { throw error }
        }
    }

    /// Consumes until `requestStop`; commits the last batch; leaves the group.
    public func run() throws {
        defer { consumer?.close() }
        var cycleStart = DispatchTime.now().uptimeNanoseconds
        while !stopRequested.load(ordering: .relaxed) {
            try collectBatch()
            let records = pending.count
            try flushPending()
            let now = DispatchTime.now().uptimeNanoseconds
            batchSize.cycleFinished(records: records, seconds: Double(now - cycleStart) / 1e9)
            cycleStart = now
            if scheduledTopK.hasWork {
                // Lists name items by row: the batch that stored them goes first.
                try committer.drain()
                if let seconds = scheduledTopK.step(model, modelVersion: modelVersion) {
                    health.fullTopKFinished(seconds: seconds)
                    metrics.recordFullTopK(health.snapshot.lastFullTopK)
                }
            }
        }
        try flushPending()
        try committer.drain()
        let final = statistics
        logger.info("ingest stopped", metadata: [
            "batches": "\(final.batches)", "consumed": "\(final.consumed)", "applied": "\(final.applied)",
            "catalog": "\(final.catalogApplied)", "dead_lettered": "\(final.deadLettered)", "duplicates": "\(final.duplicates)",
            "database_retries": "\(final.databaseRetries)",
        ])
    }

    private func collectBatch() throws {
        guard let consumer else { return }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(configuration.batchMaxWaitMs) * 1_000_000
        while pending.count < batchSize.limit && !stopRequested.load(ordering: .relaxed) {
            health.beat()
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { break }
            do {
                if let message = try consumer.poll(timeoutMs: Int32(min(100, (deadline - now) / 1_000_000 + 1))) {
                    pending.append(message)
                }
            } catch {
                // Broker trouble surfaces here; librdkafka reconnects by itself.
                logger.warning("kafka poll failed", metadata: ["error": "\(error)"])
                health.failed(kafka: true, error: "\(error)")
                metrics.kafkaError(count: 1)
            }
        }
    }

    /// Where assigned partitions start (their stored offsets), or the batch
    /// in flight committed before revoked partitions go.
    private func rebalance(_ event: Rebalance) -> [TopicPartition: StartPosition] {
        switch event {
        case .assigned(let partitions):
            let stored: [PartitionOffset]
            do {
                try committer.drain()
                // Waits (retrying) while PostgreSQL is away: starting anywhere
                // but at the stored offsets would skip or repeat events.
                stored = try database.run { connection in try StateRepository(connection: connection).loadOffsets() }
            } catch {
                logger.critical("cannot read the stored offsets of newly assigned partitions; exiting", metadata: ["error": "\(error)"])
                exit(1)
            }
            var starts: [TopicPartition: StartPosition] = [:]
            for partition in partitions {
                if let offset = stored.first(where: { $0.topic == partition.topic && $0.partition == partition.partition }) {
                    starts[partition] = .offset(offset.nextOffset)
                    committedPositions.withLock { $0[partition] = offset.nextOffset }
                } else {
                    starts[partition] = configuration.offsetReset == "earliest" ? .beginning : .end
                }
            }
            health.assigned(partitions)
            return starts
        case .revoked(let partitions):
            do {
                try flushPending()
                try committer.drain()
            } catch {
                logger.error("could not commit the batch before a revocation", metadata: ["error": "\(error)"])
            }
            health.revoked(partitions)
            committedPositions.withLock { positions in
                for partition in partitions { positions[partition] = nil }
            }
            return [:]
        }
    }

    /// Learns the collected records, hands their writes to the committer, and
    /// scores the touched users' lists while those commit.
    private func flushPending() throws {
        guard !pending.isEmpty else { return }
        let batch = prepare(pending)
        pending = []
        try committer.submit { [self] in try write(batch) }
        // Scored while the batch commits; the model is not touched again
        // until the next batch, after this.
        if let lists = batch.lists {
            lists.fulfil(TopKPublisher(k: configuration.topK).userUpdate(model, rows: lists.users))
        }
    }
}
