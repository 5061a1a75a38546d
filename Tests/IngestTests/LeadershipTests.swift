import Foundation
import Logging
import RecstreamStore
import TestSupport
import Testing

@testable import RecstreamIngest

/// One writer per database, against a real server.
@Suite("Leadership of a database", .enabled(if: TestServices.postgresRequested))
struct LeadershipTests {
    let logger = Logger(label: "test")

    func migrated() throws -> FreshDatabase {
        let database = try FreshDatabase()
        _ = try database.migrated()
        return database
    }

    func acquire(_ database: FreshDatabase, timeoutMs: Int = 5_000, holder: String) throws -> Leadership? {
        try Leadership.acquire(conninfo: database.url, sessionTimeoutMs: timeoutMs, logger: logger, holder: holder)
    }

    @Test func oneLeaderAtATimeEachWithANewEpoch() throws {
        let database = try migrated()
        let first = try #require(try acquire(database, holder: "a"))
        #expect(try acquire(database, holder: "b") == nil, "the lock is held")
        first.release()
        let second = try #require(try acquire(database, holder: "b"))
        #expect(second.epoch == first.epoch + 1)
        let row = try database.connect().execute("select epoch, holder from leadership")
        #expect(row.text(row: 0, column: 0) == String(second.epoch) && row.text(row: 0, column: 1) == "b")
        second.release()
    }

    /// A batch of an old epoch writes nothing, and a takeover waits for a
    /// batch that read the epoch before it.
    @Test func aBatchOfAnOldEpochIsRefusedAndWritesNothing() throws {
        let database = try migrated()
        let old = try #require(try acquire(database, holder: "old"))
        let oldEpoch = old.epoch
        old.release()
        let new = try #require(try acquire(database, holder: "new"))
        var writes = BatchWrites()
        writes.users = [UserRow(id: 0, externalID: "u")]
        writes.offsets = [PartitionOffset(topic: "t", partition: 0, nextOffset: 5)]
        let connection = try database.connect()
        #expect(throws: WriterFenced.self) { try BatchTransaction(connection: connection).commit(writes, fencedBy: oldEpoch) }
        let state = StateRepository(connection: connection)
        #expect(try state.loadUsers().isEmpty && state.loadOffsets().isEmpty)
        try new.withEpoch { try BatchTransaction(connection: connection).commit(writes, fencedBy: $0) }
        #expect(try state.loadUsers().count == 1)
        new.release()
    }

    /// A lost session (the server ended it) is taken again with a new epoch
    /// when no one else led meanwhile; when someone did, the leadership is lost.
    @Test func aLostSessionIsTakenAgainOnlyWhenNoOneElseLed() throws {
        let database = try migrated()
        let admin = try database.connect()
        func endLeaderSessions() throws {
            try admin.execute(
                "select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and objid = $1 and granted",
                [String(UInt32(truncatingIfNeeded: 0x7265_6373_7472_6D6C))])
        }
        let leader = try #require(try acquire(database, timeoutMs: 1_000, holder: "a"))
        let lost = LockedBox<String?>(nil)
        leader.onLost { lost.set($0) }
        let epoch = leader.epoch
        try endLeaderSessions()
        let deadline = Date().addingTimeInterval(10)
        while leader.epoch == epoch && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(leader.epoch == epoch + 1, "taken again with a new epoch")
        #expect(lost.get() == nil && leader.lostReason == nil)

        // Now another daemon takes over while the session is gone.
        try endLeaderSessions()
        let usurper = try #require(try acquire(database, holder: "b"))
        while lost.get() == nil && Date() < deadline.addingTimeInterval(10) { Thread.sleep(forTimeInterval: 0.05) }
        #expect(lost.get() != nil && leader.lostReason != nil)
        #expect(throws: LeadershipLost.self) { try leader.withEpoch { _ in } }
        usurper.release()
        leader.release()
    }

    /// The heartbeat beats from the moment the leadership is taken: a leader
    /// busy with something else (loading its model) keeps its session past
    /// the session timeout.
    @Test func aLeaderKeepsItsSessionFromTheStart() throws {
        let database = try migrated()
        let leader = try #require(try acquire(database, timeoutMs: 1_000, holder: "busy"))
        Thread.sleep(forTimeInterval: 2.5)
        #expect(try acquire(database, holder: "waiting") == nil, "the lock is still held")
        #expect(leader.lostReason == nil)
        let row = try database.connect().execute("select epoch from leadership")
        #expect(row.text(row: 0, column: 0) == String(leader.epoch), "not taken again either")
        leader.release()
    }

    /// A silent leader (its heartbeat stopped, as a frozen process's would)
    /// loses the lock after the session timeout: the server ends its session.
    @Test func aSilentLeaderLosesTheLockAfterTheSessionTimeout() throws {
        let database = try migrated()
        let silent = try #require(try acquire(database, timeoutMs: 1_000, holder: "silent"))
        silent.stopHeartbeat()
        #expect(try acquire(database, holder: "waiting") == nil)
        Thread.sleep(forTimeInterval: 1.5)
        let next = try #require(try acquire(database, holder: "next"), "the server ended the silent session")
        #expect(next.epoch == silent.epoch + 1)
        next.release()
        silent.release()
    }
}
