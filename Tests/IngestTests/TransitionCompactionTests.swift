import Foundation
import Logging
import RecstreamStore
import TestSupport
import Testing

@testable import RecstreamIngest

/// When the daemon folds the appended transition rows, against a real server.
@Suite("Folding the transition rows", .enabled(if: TestServices.postgresRequested))
struct TransitionCompactionTests {
    let logger = Logger(label: "test")

    /// Commits `batches` batches, each adding weight 1 to the steps
    /// `from -> from + 1` for `from` in `0..<steps`, through `compaction`.
    func commit(batches: ClosedRange<Int64>, steps: Int, _ connection: PostgresConnection, _ compaction: TransitionCompaction) throws {
        for version in batches {
            var writes = BatchWrites()
            writes.modelVersion = version
            writes.transitions = (0..<Int64(steps)).map { TransitionRow(from: $0, to: $0 + 1, weight: 1, modelVersion: version) }
            try BatchTransaction(connection: connection).commit(writes)
            compaction.committed(rows: steps, steps: steps)
        }
    }

    /// A fresh database led by `holder`, and a compaction folding from `minimumRows` rows on.
    func fixture(holder: String, minimumRows: Int) throws -> (FreshDatabase, PostgresConnection, Leadership, TransitionCompaction) {
        let database = try FreshDatabase()
        let connection = try database.migrated()
        let leadership = try #require(
            try Leadership.acquire(conninfo: database.url, sessionTimeoutMs: 5_000, logger: logger, holder: holder))
        let compaction = TransitionCompaction(
            storedRows: 0, database: ReconnectingConnection(conninfo: database.url, logger: logger), leadership: leadership,
            logger: logger, minimumRows: minimumRows)
        return (database, connection, leadership, compaction)
    }

    func waitForFolds(_ count: Int, _ compaction: TransitionCompaction) async throws {
        let deadline = Date() + 30
        while compaction.folds < count && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }

    @Test func rowsAreFoldedOnceTheyAreTwiceTheStepsAndNotBefore() async throws {
        let (database, connection, leadership, compaction) = try fixture(holder: "test", minimumRows: 100)
        defer { withExtendedLifetime(database) { leadership.release() } }
        let state = StateRepository(connection: connection)

        // Two batches over the same 40 steps: 80 rows, not more than twice the steps.
        try commit(batches: 1...2, steps: 40, connection, compaction)
        #expect(compaction.folds == 0 && compaction.storedRows == 80)
        // A third makes 120 rows for 40 steps: folded to 40, each step weighing 3.
        try commit(batches: 3...3, steps: 40, connection, compaction)
        try await waitForFolds(1, compaction)
        #expect(compaction.folds == 1)
        #expect(try compaction.storedRows == 40 && state.loadTransitions().count == 40)
        #expect(try state.loadTransitions().allSatisfy { $0.weight == 3 && $0.modelVersion == 3 })

        // Steps that never repeat are never folded, however many rows they make.
        for version in Int64(4)...8 {
            var writes = BatchWrites()
            writes.modelVersion = version
            writes.transitions = (0..<Int64(50)).map {
                TransitionRow(from: 1_000 + version * 100 + $0, to: 1, weight: 1, modelVersion: version)
            }
            try BatchTransaction(connection: connection).commit(writes)
            compaction.committed(rows: 50, steps: 40 + 50 * Int(version - 3))
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(try compaction.folds == 1 && compaction.storedRows == 290 && state.loadTransitions().count == 290)
    }

    @Test func aDaemonThatLostTheLeadFoldsNothing() async throws {
        let (database, connection, leadership, compaction) = try fixture(holder: "old", minimumRows: 10)
        defer { withExtendedLifetime(database) { leadership.release() } }
        // Another daemon took over (its epoch is newer).
        try connection.execute("update leadership set epoch = epoch + 1, holder = 'new'")
        try commit(batches: 1...3, steps: 10, connection, compaction)
        try await waitForFolds(1, compaction)
        #expect(try compaction.folds == 1 && StateRepository(connection: connection).loadTransitions().count == 30)
    }
}
