import Dispatch
import Foundation
import Logging
import RecstreamModel
import RecstreamStore
import RecstreamStream

/// The pipeline thread's work and the state only it touches: the model,
/// the duplicate filter, the records of the batch being collected, the
/// batch size limit and the full-recompute schedule. Each cycle collects a
/// batch, learns it (`prepare`), hands its writes to the committer's thread,
/// and scores its users' lists while they commit.
///
/// Confined to the pipeline thread: `run` and `rebalance` (which librdkafka
/// calls inside `poll`, on that thread) are its only entries. It is
/// `@unchecked Sendable` only so that the pipeline, which other threads hold,
/// can own it.
final class PipelineLoop: @unchecked Sendable {
    let configuration: DaemonConfiguration
    var model: RecommenderModel
    var modelVersion: Int64
    var deduplicator: EventDeduplicator
    private var pending: [KafkaMessage] = []
    /// The next batch's size limit.
    private var batchSize: BatchSizeController
    private var fullRecompute: FullRecomputeSchedule
    /// Writes batch n on its thread while this one learns batch n+1.
    private let committer = BatchCommitter()
    private let database: ReconnectingConnection
    private let consumer: KafkaConsumer
    private let writer: BatchWriter
    let health: PipelineHealth
    let metrics: PipelineMetrics
    private let logger: Logger
    /// A broker that is away fails every poll alike: logged once per interval.
    private let pollErrors = LogThrottle()

    init(
        configuration: DaemonConfiguration, model: RecommenderModel, recentEventIDs: [String], database: ReconnectingConnection,
        consumer: KafkaConsumer, writer: BatchWriter, health: PipelineHealth, metrics: PipelineMetrics, logger: Logger
    ) {
        self.configuration = configuration
        self.model = model
        modelVersion = ModelPersistence.version(of: model)
        deduplicator = EventDeduplicator(capacity: configuration.dedupWindowEvents, recent: recentEventIDs)
        batchSize = BatchSizeController(
            maximum: configuration.batchMaxEvents,
            cycleTarget: configuration.topKIncremental ? Double(configuration.topKFreshnessTargetMs) / 8_000 : nil)
        fullRecompute = FullRecomputeSchedule(
            conninfo: configuration.databaseURL, k: configuration.topK, intervalSeconds: configuration.topKFullIntervalSeconds,
            logger: logger)
        self.database = database
        self.consumer = consumer
        self.writer = writer
        self.health = health
        self.metrics = metrics
        self.logger = logger
    }

    /// Cycles until `stopRequested()`, then commits the last batch.
    func run(until stopRequested: () -> Bool) throws {
        var cycleStart = DispatchTime.now().uptimeNanoseconds
        while !stopRequested() {
            try collectBatch(until: stopRequested)
            let records = pending.count
            try flushPending()
            let now = DispatchTime.now().uptimeNanoseconds
            batchSize.cycleFinished(records: records, seconds: Double(now - cycleStart) / 1e9)
            cycleStart = now
            if fullRecompute.hasWork {
                // Lists name items by row: the batch that stored them goes first.
                try committer.drain()
                if let seconds = fullRecompute.step(model, modelVersion: modelVersion) {
                    health.fullRecomputeFinished(seconds: seconds)
                    metrics.recordFullRecompute(health.snapshot.lastFullRecompute)
                }
            }
        }
        try flushPending()
        try committer.drain()
    }

    private func collectBatch(until stopRequested: () -> Bool) throws {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(configuration.batchMaxWaitMs) * 1_000_000
        while pending.count < batchSize.limit && !stopRequested() {
            health.beat()
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { break }
            do {
                if let message = try consumer.poll(timeoutMs: Int32(min(100, (deadline - now) / 1_000_000 + 1))) {
                    pending.append(message)
                }
            } catch {
                // Broker trouble surfaces here; librdkafka reconnects by itself.
                if let heldBack = pollErrors.admit("\(error)") {
                    logger.warning("kafka poll failed", metadata: ["error": "\(error)", "repeated": "\(heldBack)"])
                }
                health.failed(.kafka, error: "\(error)")
                metrics.kafkaError(count: 1)
            }
        }
    }

    /// Learns the collected records, hands their writes to the committer, and
    /// scores the touched users' lists while those commit.
    private func flushPending() throws {
        guard !pending.isEmpty else { return }
        let batch = prepare(pending)
        pending = []
        try committer.submit { [writer] in try writer.write(batch) }
        // Scored while the batch commits; the model is not touched again
        // until the next batch, after this.
        if let lists = batch.lists {
            lists.fulfil(ListPublisher(k: configuration.topK).userUpdate(model, rows: lists.users, modelVersion: batch.writes.modelVersion))
        }
    }

    /// Where assigned partitions start (their stored offsets), or the batch
    /// in flight committed before revoked partitions go.
    func rebalance(_ event: Rebalance) -> [TopicPartition: StartPosition] {
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
                    writer.progress.positions.withLock { $0[partition] = offset.nextOffset }
                } else {
                    starts[partition] = configuration.offsetReset == .earliest ? .beginning : .end
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
            writer.progress.positions.withLock { positions in
                for partition in partitions { positions[partition] = nil }
            }
            return [:]
        }
    }
}
