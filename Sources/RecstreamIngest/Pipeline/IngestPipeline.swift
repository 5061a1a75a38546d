import Dispatch
import Foundation
public import Logging
import RecstreamModel
import RecstreamStore
import RecstreamStream
import Synchronization

/// The daemon's main job: consume engagement and catalog events in
/// micro-batches, learn them, and write the new state together with the
/// next Kafka offsets in one PostgreSQL transaction per batch
/// (docs/architecture.md follows one event through it).
///
/// Exactly once: PostgreSQL, not Kafka, holds the offsets. On assignment
/// each partition starts at its stored offset; on revocation the batch in
/// flight is committed first. A crash before the commit loses only work the
/// restarted daemon redoes from the stored offsets and state.
///
/// One writer: the pipeline writes only while it holds the database's
/// `Leadership`, and every batch transaction checks its epoch.
///
/// Threads. `run()` is the pipeline thread: it polls Kafka, learns each
/// batch and scores its users' lists, and only it touches the model
/// (`PipelineLoop`). Each batch's transaction and list publishing run on the
/// committer's thread (`BatchWriter`) while the next batch is learned. Any
/// thread may read `health` and `statistics` and call `probeBrokers`,
/// `recordGauges` and `requestStop`; the health monitor and the HTTP
/// endpoints do.
public final class IngestPipeline: Sendable {
    public let configuration: DaemonConfiguration
    /// Liveness, partitions and dependency status, for the health endpoints.
    public let health: PipelineHealth
    private let consumer: KafkaConsumer
    private let writer: BatchWriter
    private let loop: PipelineLoop
    private let leadership: Leadership
    private let metrics: PipelineMetrics
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    /// librdkafka's connection errors already counted in the metrics.
    private let brokerErrorsSeen = Atomic<Int>(0)

    /// Migrates the database and takes its leadership, or uses `leadership`,
    /// taken already on a migrated database (`Leadership.awaitLeadership`);
    /// throws `LeadershipHeld` when another daemon leads. Then loads the
    /// stored model and joins the consumer group.
    public init(
        configuration: DaemonConfiguration, logger: Logger, health: PipelineHealth = PipelineHealth(role: .leader),
        leadership: Leadership? = nil
    ) throws {
        self.configuration = configuration
        self.logger = logger
        let metrics = PipelineMetrics()
        self.health = health
        self.metrics = metrics
        func connection() -> ReconnectingConnection {
            ReconnectingConnection(conninfo: configuration.databaseURL, logger: logger) { error in
                health.failed(.postgres, error: error.description)
                health.beat()  // retrying is progress: a restart would not help
                metrics.postgresError()
            }
        }
        let database = connection()
        if leadership == nil {
            try database.run(attempts: 10) { connection in
                let report = try Migrator(migrations: Migration.all).migrate(connection)
                if !report.applied.isEmpty { logger.info("schema migrated", metadata: ["applied": "\(report.applied)"]) }
            }
        }
        // The state is loaded once this daemon leads: no one else writes it from here on.
        guard
            let leadership = try leadership
                ?? Leadership.acquire(
                    conninfo: configuration.databaseURL, sessionTimeoutMs: configuration.leadershipSessionTimeoutMs, logger: logger)
        else { throw LeadershipHeld() }
        self.leadership = leadership
        health.setRole(.leader)
        let (model, recentEventIDs, transitionRows) = try database.run(attempts: 10) { connection in
            let state = StateRepository(connection: connection)
            let loaded = try PipelineLoop.loadState(state, configuration)
            try state.saveMetadata(
                dimension: configuration.model.dimension, hyperparameters: ModelPersistence.hyperparameters(configuration.model),
                modelVersion: ModelPersistence.version(of: loaded.model))
            return loaded
        }
        health.succeeded(.postgres)
        health.modelLoaded()
        metrics.recordModel(model)
        logger.info(
            "model loaded",
            metadata: [
                "users": "\(model.users.count)", "items": "\(model.items.count)", "interactions": "\(model.interactions.pairCount)",
            ])
        var properties = configuration.kafkaProperties
        properties["bootstrap.servers"] = configuration.brokers
        properties["group.id"] = configuration.groupID
        properties["session.timeout.ms"] = properties["session.timeout.ms"] ?? String(configuration.sessionTimeoutMs)
        properties["enable.partition.eof"] = "false"
        consumer = try KafkaConsumer(properties: properties, logger: logger)
        writer = BatchWriter(
            configuration: configuration, database: database, listDatabase: connection(), consumer: consumer, leadership: leadership,
            health: health, metrics: metrics, logger: logger,
            transitionCompaction: TransitionCompaction(
                storedRows: transitionRows, database: connection(), leadership: leadership, logger: logger))
        loop = PipelineLoop(
            configuration: configuration, model: model, recentEventIDs: recentEventIDs, database: database, consumer: consumer,
            writer: writer, health: health, metrics: metrics, logger: logger)
        try consumer.subscribe(topics: [configuration.engagementTopic, configuration.catalogTopic]) { [weak loop] event in
            loop?.rebalance(event) ?? [:]
        }
        leadership.onLost { [weak self] reason in
            logger.critical("leadership lost: this daemon stops writing", metadata: ["reason": "\(reason)"])
            health.setRole(.fenced)
            self?.requestStop()
        }
    }

    /// What has been done so far.
    public var statistics: IngestStatistics { writer.progress.statistics.withLock { $0 } }

    /// Consumes until `requestStop`; commits the last batch; leaves the group.
    /// The calling thread becomes the pipeline thread.
    public func run() throws {
        defer {
            // A daemon fenced out does not leave the group: the new leader may be joining it (`KafkaConsumer.abandon`).
            if leadership.lostReason == nil { consumer.close() } else { consumer.abandon() }
            leadership.release()
        }
        // The pipeline makes many small BLAS calls per batch and parallelises
        // its large work itself (`parallelChunks`). OpenBLAS's own workers,
        // woken by a call, spin on sched_yield for about 0.1 s before they
        // sleep: between batches that took a fifth of a core from the
        // committer and PostgreSQL.
        try BLASRuntime.singleThreaded { try loop.run { stopRequested.load(ordering: .relaxed) } }
        let final = statistics
        logger.info(
            "ingest stopped",
            metadata: [
                "batches": "\(final.batches)", "consumed": "\(final.consumed)", "applied": "\(final.applied)",
                "catalog": "\(final.catalogApplied)", "dead_lettered": "\(final.deadLettered)", "duplicates": "\(final.duplicates)",
                "database_retries": "\(final.databaseRetries)",
            ])
    }

    /// Asks `run` to finish the batch in flight, commit it, and return.
    public func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    /// Asks the brokers for metadata and records the outcome in `health`:
    /// how `/readyz` learns that the broker is away even while no records flow.
    public func probeBrokers(timeoutMs: Int32) {
        let reported = consumer.brokerErrorCount
        let unseen = reported - brokerErrorsSeen.exchange(reported, ordering: .relaxed)
        if unseen > 0 { metrics.kafkaError(count: unseen) }
        do {
            try consumer.probeBrokers(timeoutMs: timeoutMs)
            health.succeeded(.kafka)
        } catch {
            health.failed(.kafka, error: "\(error)")
            metrics.kafkaError(count: 1)
        }
    }

    /// Refreshes the gauges that change with time rather than with
    /// batches: each owned partition's lag (the end offset last fetched
    /// minus the next offset committed to PostgreSQL) and the age of the
    /// last full recompute.
    public func recordGauges() {
        metrics.recordFullRecompute(health.snapshot.lastFullRecompute)
        var lag: [TopicPartition: Int64] = [:]
        for (partition, next) in writer.progress.positions.withLock({ $0 }) {
            if let watermarks = try? consumer.fetchedWatermarks(topic: partition.topic, partition: partition.partition),
                watermarks.high >= 0
            {
                lag[partition] = max(0, watermarks.high - next)
            }
        }
        metrics.recordLag(lag)
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
}
