import Dispatch
import Foundation
import Logging
import RecstreamStore
import RecstreamStream
import Synchronization

/// The second half of the pipeline, on the committer's thread: writes one
/// prepared batch (its transaction, fenced by the leadership's epoch and
/// retried while PostgreSQL is away, so the batch is kept until it is
/// written), hands its users' lists to the list publisher, commits the
/// offsets to Kafka (for lag monitoring only) and counts what it did.
///
/// The list publisher is a third thread with a connection of its own: it
/// waits for the pipeline thread to score a committed batch's lists and
/// writes them while the committer writes the next batch, so the two
/// transactions run on two server backends at once. One publish waits at
/// most; lists are published in batch order. Folding the transition rows
/// (`TransitionCompaction`) has a thread and connection of its own too.
struct BatchWriter: Sendable {
    let configuration: DaemonConfiguration
    let database: ReconnectingConnection
    let listDatabase: ReconnectingConnection
    private let listPublishing = BatchCommitter(label: "recstream.list-publish")
    let consumer: KafkaConsumer
    let leadership: Leadership
    let health: PipelineHealth
    let metrics: PipelineMetrics
    let logger: Logger
    let transitionCompaction: TransitionCompaction
    let progress = CommittedProgress()

    func write(_ batch: PreparedBatch) throws {
        // After a refusal, later batches are not written: their records come
        // again once the pipeline thread has reloaded the state (`PipelineLoop.isolate`).
        guard !progress.isRefused else { return }
        var attempts = 0
        let commitStart = DispatchTime.now().uptimeNanoseconds
        health.commitStarted()
        do {
            try database.run { connection in
                attempts += 1
                try leadership.withEpoch { epoch in
                    try BatchTransaction(connection: connection).commit(
                        batch.writes, fencedBy: epoch, idleTimeoutMs: configuration.leadershipSessionTimeoutMs)
                }
            }
        } catch let error as PostgresError where error.refusesTheData {
            health.commitFinished()
            progress.refuse(BatchRefusal(records: batch.records, nextOffsets: batch.writes.offsets, source: batch.source, error: error))
            logger.error(
                "PostgreSQL refused a batch: isolating its records",
                metadata: ["records": "\(batch.records)", "error": "\(error)"])
            return
        }
        let commitNanoseconds = DispatchTime.now().uptimeNanoseconds - commitStart
        health.commitFinished()
        health.succeeded(.postgres)
        progress.positions.withLock { positions in
            for offset in batch.writes.offsets {
                positions[TopicPartition(topic: offset.topic, partition: offset.partition)] = offset.nextOffset
            }
        }
        transitionCompaction.committed(rows: batch.writes.transitions.count, steps: batch.transitionSteps)
        if progress.statistics.withLock({ $0.batches }) % 100 == 99 {
            try? database.run(attempts: 1) { try StateRepository(connection: $0).trimEventIDs(keep: configuration.dedupWindowEvents) }
        }
        var observed = batch.observed
        observed.commitNanoseconds = Int64(commitNanoseconds)
        if let lists = batch.lists {
            try listPublishing.submit { [configuration, listDatabase, metrics, timestamps = observed.eventTimestampsMs] in
                let update = lists.wait()
                try listDatabase.run { connection in try ListPublisher(k: configuration.topK).publish(update, connection: connection) }
                metrics.recordFreshness(eventTimestampsMs: timestamps, visibleAt: Date())
            }
        } else {
            metrics.recordFreshness(eventTimestampsMs: observed.eventTimestampsMs, visibleAt: Date())
        }
        metrics.record(observed)
        try? consumer.commitAsync(
            batch.writes.offsets.map {
                TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: $0.nextOffset)
            })
        progress.statistics.withLock {
            $0.batches += 1
            $0.consumed += batch.records
            $0.applied += batch.applied
            $0.catalogApplied += batch.catalogApplied
            $0.deadLettered += batch.writes.deadLetters.count
            $0.duplicates += batch.duplicates
            $0.databaseRetries += attempts - 1
            if $0.commitMilliseconds.count >= 10_000 { $0.commitMilliseconds.removeFirst(5_000) }
            $0.commitMilliseconds.append(Double(commitNanoseconds) / 1e6)
        }
        if let first = batch.writes.deadLetters.first {
            logger.notice(
                "records dead-lettered",
                metadata: [
                    "count": "\(batch.writes.deadLetters.count)",
                    "first": "\(first.topic)[\(first.partition)]@\(first.offset): \(first.reason)",
                ])
        }
    }

    /// Waits until the lists handed to the publisher are written; rethrows
    /// a publish's failure.
    func drainLists() throws {
        try listPublishing.drain()
    }
}

/// What the pipeline has committed, shared by its threads: the statistics
/// (the committer thread counts), each owned partition's next offset as
/// committed to PostgreSQL (the committer thread advances it, rebalances on
/// the pipeline thread set and clear it, the lag gauges read it), and a
/// batch PostgreSQL refused (the committer records it, the pipeline thread
/// takes it).
final class CommittedProgress: Sendable {
    let statistics = Mutex(IngestStatistics())
    let positions = Mutex<[TopicPartition: Int64]>([:])
    private let refusal = Mutex<BatchRefusal?>(nil)

    var isRefused: Bool { refusal.withLock { $0 != nil } }

    func refuse(_ refused: BatchRefusal) {
        refusal.withLock { $0 = $0 ?? refused }
    }

    /// The refusal, if any, and none from now on.
    func takeRefusal() -> BatchRefusal? {
        refusal.withLock { refused in
            defer { refused = nil }
            return refused
        }
    }
}

/// A batch whose transaction PostgreSQL refused for a data reason.
struct BatchRefusal: Sendable {
    var records: Int
    /// The next offsets the batch would have committed: where its records end.
    var nextOffsets: [PartitionOffset]
    /// The batch's one record, when it had one: the record the database refuses.
    var source: KafkaMessage?
    var error: PostgresError
}
