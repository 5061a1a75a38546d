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
    /// After PostgreSQL refused a batch: batches of at most `limit` records
    /// until the refused batch's records are committed (`end` reached in
    /// every partition), halving at each new refusal down to single records.
    private var isolation: (limit: Int, end: [PartitionOffset])?
    private var fullRecompute: FullRecomputeSchedule
    /// Exact lists, or approximate ones while behind the freshness target.
    private var listScoring: ListScoring
    private var crashGuard: CrashLoopGuard
    /// Fault injection for the crash-loop tests: an engagement with this
    /// item id crashes the process (`RECSTREAM_TEST_CRASH_ON_ITEM`).
    let crashOnItem = ProcessInfo.processInfo.environment["RECSTREAM_TEST_CRASH_ON_ITEM"]
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
        crashGuard = CrashLoopGuard(batchMaxEvents: configuration.batchMaxEvents)
        listScoring = ListScoring(
            freshnessTargetMs: configuration.topKFreshnessTargetMs, probeFraction: configuration.topKOverloadProbeFraction)
        self.database = database
        self.consumer = consumer
        self.writer = writer
        self.health = health
        self.metrics = metrics
        self.logger = logger
    }

    /// Cycles until `stopRequested()`, then commits the last batch.
    func run(until stopRequested: () -> Bool) throws {
        try deadLetterWhatPreviousRunsDiedOn()
        var cycleStart = DispatchTime.now().uptimeNanoseconds
        while !stopRequested() {
            try isolateRefusedRecords()
            try collectBatch(until: stopRequested)
            let records = pending.count
            try flushPending()
            let now = DispatchTime.now().uptimeNanoseconds
            batchSize.cycleFinished(records: records, seconds: Double(now - cycleStart) / 1e9)
            cycleStart = now
            if fullRecompute.hasWork && !writer.progress.isRefused {
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
        try writer.drainLists()
        CrashLoopGuard.stoppedCleanly(database, leadership: writer.leadership)
    }

    /// Commits, as dead letters, the records previous processes died on
    /// while applying them one at a time (`CrashLoopGuard`).
    private func deadLetterWhatPreviousRunsDiedOn() throws {
        guard let writes = try database.run({ try crashGuard.settlePreviousDeaths($0, logger: logger) }) else { return }
        var batch = PreparedBatch(writes: writes, records: writes.deadLetters.count)
        for letter in writes.deadLetters {
            batch.observed.records += 1
            batch.observed.consumedByTopic[letter.topic, default: 0] += 1
            batch.observed.deadLetteredByTopic[letter.topic, default: 0] += 1
        }
        try committer.submit { [writer, batch] in try writer.write(batch) }
        try committer.drain()
        for letter in writes.deadLetters {
            logger.error(
                "dead-lettered the record the daemon died on", metadata: ["record": "\(letter.topic)[\(letter.partition)]@\(letter.offset)"]
            )
        }
    }

    private func collectBatch(until stopRequested: () -> Bool) throws {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(configuration.batchMaxWaitMs) * 1_000_000
        let limit = min(batchSize.limit, isolation?.limit ?? .max, crashGuard.firstBatchLimit ?? .max)
        while pending.count < limit && !stopRequested() {
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
                    logger.warning("kafka poll failed", metadata: LogThrottle.metadata(["error": "\(error)"], heldBack: heldBack))
                }
                health.failed(.kafka, error: "\(error)")
                metrics.kafkaError(count: 1)
            }
        }
    }

    /// Flushes the collected records: in one batch, or, while the crash
    /// guard suspects them, one record at a time. The first batch of the
    /// process is committed before the next is learned (`CrashLoopGuard`).
    private func flushPending() throws {
        guard !pending.isEmpty else { return }
        let isFirst = crashGuard.firstBatchLimit != nil
        try crashGuard.beganApplying(pending, database, leadership: writer.leadership, logger: logger)
        let records = pending
        pending = []
        guard crashGuard.suspectsRemaining > 0 else {
            try flush(records)
            if isFirst { try committer.drain() }
            return
        }
        // One at a time, each noted first, until the suspects are through.
        for (index, record) in records.enumerated() {
            guard crashGuard.suspectsRemaining > 0 else { return try flush(Array(records[index...])) }
            try crashGuard.noteSuspect(record, database, leadership: writer.leadership)
            try flush([record], clearingSuspects: true)
            try committer.drain()
        }
    }

    /// Learns `records`, hands their writes to the committer, and scores the
    /// touched users' lists while those commit.
    private func flush(_ records: [KafkaMessage], clearingSuspects: Bool = false) throws {
        var batch = prepare(records)
        batch.writes.clearsSuspects = clearingSuspects
        let weights = model.blendWeights
        health.setBlend(popularity: weights.popularity, transitions: weights.transitions, tests: model.blend.tests)
        try committer.submit { [writer, batch] in try writer.write(batch) }
        // Scored while the batch commits; the model is not touched again
        // until the next batch, after this.
        if let lists = batch.lists {
            let oldest = batch.observed.eventTimestampsMs.min()
            listScoring.observe(oldestEventAgeMs: oldest.map { Int64(Date().timeIntervalSince1970 * 1000) - $0 })
            lists.fulfil(listScoring.userUpdate(model, rows: lists.users, modelVersion: batch.writes.modelVersion, k: configuration.topK))
            health.setListsApproximate(listScoring.approximate)
            metrics.recordListScoring(approximate: listScoring.approximate, lists: lists.users.count)
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

    /// When PostgreSQL refused a batch for a data reason: waits for the
    /// committer, reloads the state as committed (the model learned records
    /// that were never stored), and reads again from the stored offsets in
    /// batches of half the refused size. A refused single record becomes a
    /// dead letter with the database's reason, and the stream goes on after it.
    private func isolateRefusedRecords() throws {
        guard writer.progress.isRefused else {
            if let current = isolation, Self.passed(current.end, writer.progress.positions.withLock { $0 }, owned: health.snapshot.assigned)
            {
                isolation = nil
            }
            return
        }
        // Batches queued after the refused one are skipped, not written: let them pass first.
        try committer.drain()
        guard let refusal = writer.progress.takeRefusal() else { return }
        pending = []
        if refusal.records == 1, let record = refusal.source {
            var writes = BatchWrites()
            writes.deadLetters = [
                DeadLetter(
                    topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, payload: record.value,
                    reason: "PostgreSQL refused it: \(refusal.error)")
            ]
            writes.offsets = [PartitionOffset(topic: record.topic, partition: record.partition, nextOffset: record.offset + 1)]
            var batch = PreparedBatch(writes: writes, records: 1)
            batch.observed.records = 1
            batch.observed.consumedByTopic[record.topic] = 1
            batch.observed.deadLetteredByTopic[record.topic] = 1
            try committer.submit { [writer, batch] in try writer.write(batch) }
            try committer.drain()
        } else {
            isolation = (max(1, refusal.records / 2), refusal.nextOffsets)
        }
        let (reloaded, recentEventIDs, _) = try database.run { try Self.loadState(StateRepository(connection: $0), configuration) }
        model = reloaded
        listScoring.forgetClusters()
        modelVersion = ModelPersistence.version(of: reloaded)
        deduplicator = EventDeduplicator(capacity: configuration.dedupWindowEvents, recent: recentEventIDs)
        metrics.recordModel(model)
        let stored = try database.run { connection in try StateRepository(connection: connection).loadOffsets() }
        let reset: Int64 = configuration.offsetReset == .earliest ? -2 : -1
        try consumer.seek(
            health.snapshot.assigned.sorted().map { partition in
                let next = stored.first { $0.topic == partition.topic && $0.partition == partition.partition }?.nextOffset
                return TopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: next ?? reset)
            })
        logger.notice(
            "reading again from the stored offsets to isolate the refused records",
            metadata: ["batch_limit": "\(isolation?.limit ?? 1)", "refused_records": "\(refusal.records)"])
    }

    /// What the pipeline has learned, as PostgreSQL holds it: the model,
    /// the duplicate window's event ids, and how many transition rows
    /// hold the model's steps.
    static func loadState(
        _ state: StateRepository, _ configuration: DaemonConfiguration
    ) throws -> (model: RecommenderModel, recentEventIDs: [String], transitionRows: Int) {
        let (model, transitionRows) = try ModelPersistence.loadCountingTransitionRows(state, configuration: configuration.model)
        return (model, try state.loadRecentEventIDs(limit: configuration.dedupWindowEvents), transitionRows)
    }

    /// Whether the committed positions reached `end` in every partition still owned.
    private static func passed(_ end: [PartitionOffset], _ positions: [TopicPartition: Int64], owned: Set<TopicPartition>) -> Bool {
        end.allSatisfy { offset in
            let partition = TopicPartition(topic: offset.topic, partition: offset.partition)
            guard owned.contains(partition) else { return true }
            return (positions[partition] ?? -1) >= offset.nextOffset
        }
    }
}
