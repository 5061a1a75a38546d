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
/// do. The first batch of a process holds at most `firstBatchRecords` and
/// is committed before the next is learned, so a start that dies before any
/// commit died on one of those. From the third such start, its first batch
/// is applied one record at a time, each noted durably first and the note
/// deleted by the transaction that commits it. The next start finds the
/// note of the record its predecessor died on still at its partition's
/// stored offset and applies the records one at a time again; a record
/// noted by two processes that both died on it is committed as a dead
/// letter, with that reason, before the start consumes.
///
/// A process killed from outside (kill -9, the host lost) while records are
/// applied one at a time leaves a note too, on an innocent record: it takes
/// a second death while that same record is applied alone, after three
/// deaths in a row before any commit, to make it a dead letter.
struct CrashLoopGuard {
    /// Starts in a row from the same offsets that make the next records suspects.
    static let startsBeforeSuspicion = 3
    /// Processes that died applying a record alone before it is a dead letter.
    static let applicationsBeforeDeadLetter = 2
    /// The most records the first batch of a process holds: few, so that a
    /// start commits soon (a takeover shows progress at once) and a crash
    /// before that commit narrows the suspects down to them.
    static let firstBatchRecords = 500
    /// The records applied one at a time once suspected: a first batch.
    let suspectRecords: Int
    /// Records still to apply one at a time.
    private(set) var suspectsRemaining = 0
    private var counted = false

    init(batchMaxEvents: Int) {
        suspectRecords = min(Self.firstBatchRecords, batchMaxEvents)
    }

    /// The size limit of this process's first batch; nil once it began applying one.
    var firstBatchLimit: Int? { counted ? nil : suspectRecords }

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

    /// Settles the records previous processes died on, noted and still at
    /// their partitions' stored offsets: returns the writes that dead-letter
    /// those two processes died on (and delete the notes their offsets
    /// pass), nil when there are none, and applies the next records one at
    /// a time again when one was noted by a single process.
    mutating func settlePreviousDeaths(_ connection: PostgresConnection, logger: Logger) throws -> BatchWrites? {
        let suspects = try CrashGuardRepository(connection: connection).loadSuspects()
        guard !suspects.isEmpty else { return nil }
        let stored = try StateRepository(connection: connection).loadOffsets()
        var writes = BatchWrites()
        writes.clearsSuspects = true
        for suspect in suspects {
            let next = stored.first { $0.topic == suspect.topic && $0.partition == suspect.partition }?.nextOffset
            guard next == nil || next == suspect.offset else { continue }
            guard suspect.applications >= Self.applicationsBeforeDeadLetter else {
                suspectsRemaining = suspectRecords
                logger.warning(
                    "the daemon died while applying a record alone, once: applying the next records one at a time again",
                    metadata: ["record": "\(suspect.topic)[\(suspect.partition)]@\(suspect.offset)", "records": "\(suspectRecords)"])
                continue
            }
            writes.deadLetters.append(
                DeadLetter(
                    topic: suspect.topic, partition: suspect.partition, offset: suspect.offset, key: suspect.key, payload: suspect.payload,
                    reason:
                        "the daemon died while applying it (applied alone by \(suspect.applications) processes, after the daemon died repeatedly before any commit)"
                ))
            writes.offsets.append(PartitionOffset(topic: suspect.topic, partition: suspect.partition, nextOffset: suspect.offset + 1))
            writes.clearsStarts = true
        }
        return writes.deadLetters.isEmpty ? nil : writes
    }

    /// A clean stop: the next start counts from 1 again.
    static func stoppedCleanly(_ database: ReconnectingConnection, leadership: Leadership) {
        try? database.run(attempts: 1) { connection in
            try leadership.withEpoch { try CrashGuardRepository(connection: connection).clearStarts(epoch: $0) }
        }
    }
}
