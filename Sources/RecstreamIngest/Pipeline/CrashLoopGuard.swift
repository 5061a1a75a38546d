import Foundation
import Logging
import RecstreamStore
import RecstreamStream

/// Keeps a record that crashes the process from crashing it forever.
///
/// Each start that begins applying records counts itself, for each
/// partition of its first batch, against that partition's stored offset
/// (`CrashGuardRepository.countStart`): a commit of the partition moves the
/// offset and a clean stop clears every count, so a count only grows while
/// starts die before the partition moves, whatever the other partitions
/// do. From the third such start, the next `2 x batch.max_events` records (what the batch being
/// committed and the one being learned can hold) are applied one at a
/// time, each noted durably first and the note deleted by the transaction
/// that commits it. The next start finds the note of the record its
/// predecessor died on still at its partition's stored offset and commits
/// it as a dead letter, with that reason, before it consumes.
///
/// A process killed from outside (kill -9, the host lost) while records are
/// applied one at a time leaves a note too: that record is dead-lettered as
/// if it had crashed the daemon. It takes three deaths in a row before any
/// commit to get there.
struct CrashLoopGuard {
    /// Starts in a row from the same offsets that make the next records suspects.
    static let startsBeforeSuspicion = 3
    let suspectRecords: Int
    /// Records still to apply one at a time.
    private(set) var suspectsRemaining = 0
    private var counted = false

    init(batchMaxEvents: Int) {
        suspectRecords = 2 * batchMaxEvents
    }

    /// Before the first batch of this process is applied: counts this start,
    /// and from the third in a row makes the next records suspects.
    mutating func beganApplying(
        _ records: [KafkaMessage], _ database: ReconnectingConnection, leadership: Leadership, logger: Logger
    ) throws {
        guard !counted else { return }
        counted = true
        let partitions = Set(records.map { TopicPartition(topic: $0.topic, partition: $0.partition) }).sorted()
        let starts = try database.run { connection in
            let stored = try StateRepository(connection: connection).loadOffsets()
            let offsets = partitions.map { partition in
                PartitionOffset(
                    topic: partition.topic, partition: partition.partition,
                    nextOffset: stored.first { $0.topic == partition.topic && $0.partition == partition.partition }?.nextOffset ?? -1)
            }
            return try leadership.withEpoch { try CrashGuardRepository(connection: connection).countStart(from: offsets, epoch: $0) }
        }
        guard let starts, starts >= Self.startsBeforeSuspicion else { return }
        suspectsRemaining = suspectRecords
        logger.warning(
            "the daemon died \(starts - 1) times in a row before committing anything from these offsets: applying the next records one at a time to find the one it dies on",
            metadata: ["records": "\(suspectRecords)"])
    }

    /// Notes `record`, committed, before it is applied alone.
    mutating func noteSuspect(_ record: KafkaMessage, _ database: ReconnectingConnection, leadership: Leadership) throws {
        suspectsRemaining -= 1
        try database.run { connection in
            try leadership.withEpoch { epoch in
                try CrashGuardRepository(connection: connection).noteSuspect(
                    SuspectRecord(
                        topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, payload: record.value),
                    epoch: epoch)
            }
        }
    }

    /// The writes that dead-letter the records a previous process died on
    /// (noted and still at their partitions' stored offsets) and clear every
    /// note; nil when there are none.
    static func deadLettersOfPreviousDeaths(_ connection: PostgresConnection) throws -> BatchWrites? {
        let suspects = try CrashGuardRepository(connection: connection).loadSuspects()
        guard !suspects.isEmpty else { return nil }
        let stored = try StateRepository(connection: connection).loadOffsets()
        var writes = BatchWrites()
        writes.clearsSuspects = true
        for suspect in suspects {
            let next = stored.first { $0.topic == suspect.topic && $0.partition == suspect.partition }?.nextOffset
            guard next == nil || next == suspect.offset else { continue }
            writes.deadLetters.append(
                DeadLetter(
                    topic: suspect.topic, partition: suspect.partition, offset: suspect.offset, key: suspect.key, payload: suspect.payload,
                    reason: "the daemon died while applying it (applied alone, after the daemon died repeatedly before any commit)"))
            writes.offsets.append(PartitionOffset(topic: suspect.topic, partition: suspect.partition, nextOffset: suspect.offset + 1))
            writes.clearsStarts = true
        }
        return writes
    }

    /// A clean stop: the next start counts from 1 again.
    static func stoppedCleanly(_ database: ReconnectingConnection, leadership: Leadership) {
        try? database.run(attempts: 1) { connection in
            try leadership.withEpoch { try CrashGuardRepository(connection: connection).clearStarts(epoch: $0) }
        }
    }
}
