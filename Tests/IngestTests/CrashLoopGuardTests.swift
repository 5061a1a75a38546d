import Foundation
import Logging
import RecstreamStore
import RecstreamStream
import TestSupport
import Testing

@testable import RecstreamIngest

/// What a start makes of the records previous processes died on, against a
/// real server: a record noted by one process that died is applied alone
/// again, one noted by two is a dead letter.
@Suite("Settling the records previous processes died on", .enabled(if: TestServices.postgresRequested))
struct CrashLoopGuardTests {
    let logger = Logger(label: "test")

    func record(offset: Int64) -> SuspectRecord {
        SuspectRecord(topic: "engagements", partition: 1, offset: offset, key: Array("u1".utf8), payload: Array("{\"n\":\(offset)}".utf8))
    }

    /// A fresh database led by this test.
    func fixture() throws -> (FreshDatabase, PostgresConnection, Leadership) {
        let database = try FreshDatabase()
        let connection = try database.migrated()
        let leadership = try #require(
            try Leadership.acquire(conninfo: database.url, sessionTimeoutMs: 5_000, logger: logger, holder: "test"))
        return (database, connection, leadership)
    }

    @Test func aRecordOneProcessDiedOnIsAppliedAloneAgainAndOneTwoDiedOnIsADeadLetter() throws {
        let (database, connection, leadership) = try fixture()
        defer { withExtendedLifetime(database) { leadership.release() } }
        let epoch = try leadership.withEpoch { $0 }
        let notes = CrashGuardRepository(connection: connection)
        var stored = BatchWrites()
        stored.offsets = [PartitionOffset(topic: "engagements", partition: 1, nextOffset: 7)]
        try BatchTransaction(connection: connection).commit(stored)

        // One process noted offset 7 and died: applied alone again, nothing dead-lettered.
        try notes.noteSuspect(record(offset: 7), epoch: epoch)
        var first = CrashLoopGuard(batchMaxEvents: 10)
        #expect(try first.settlePreviousDeaths(connection, logger: logger) == nil)
        #expect(first.suspectsRemaining == 10, "its first batch (batch.max_events here), one record at a time")

        // A second process noted it and died too: a dead letter, and the partition moves past it.
        try notes.noteSuspect(record(offset: 7), epoch: epoch)
        #expect(try notes.loadSuspects().map(\.applications) == [2])
        var second = CrashLoopGuard(batchMaxEvents: 10)
        let writes = try #require(try second.settlePreviousDeaths(connection, logger: logger))
        #expect(second.suspectsRemaining == 0)
        #expect(writes.deadLetters.map(\.offset) == [7] && writes.deadLetters.first?.payload == record(offset: 7).payload)
        #expect(writes.offsets == [PartitionOffset(topic: "engagements", partition: 1, nextOffset: 8)])
        try BatchTransaction(connection: connection).commit(writes)
        #expect(try notes.loadSuspects().isEmpty)
    }

    @Test func aNoteTheStoredOffsetHasPassedIsNeitherRetriedNorADeadLetter() throws {
        let (database, connection, leadership) = try fixture()
        defer { withExtendedLifetime(database) { leadership.release() } }
        let epoch = try leadership.withEpoch { $0 }
        let notes = CrashGuardRepository(connection: connection)
        try notes.noteSuspect(record(offset: 3), epoch: epoch)
        try notes.noteSuspect(record(offset: 3), epoch: epoch)
        try notes.noteSuspect(record(offset: 4), epoch: epoch)

        // The batch that commits offset 3 deletes its note and leaves the one of offset 4.
        var committed = BatchWrites()
        committed.offsets = [PartitionOffset(topic: "engagements", partition: 1, nextOffset: 4)]
        committed.clearsSuspects = true
        try BatchTransaction(connection: connection).commit(committed)
        #expect(try notes.loadSuspects().map(\.offset) == [4])

        // Past both, the remaining note is stale: nothing to settle.
        committed.offsets = [PartitionOffset(topic: "engagements", partition: 1, nextOffset: 9)]
        committed.clearsSuspects = false
        try BatchTransaction(connection: connection).commit(committed)
        var start = CrashLoopGuard(batchMaxEvents: 10)
        #expect(try start.settlePreviousDeaths(connection, logger: logger) == nil)
        #expect(start.suspectsRemaining == 0)
    }
}
