import Dispatch
import RecstreamStore
import Synchronization
import TestSupport
import Testing

@Suite("Schema migrations against a real server", .enabled(if: TestServices.postgresRequested))
struct MigrationTests {
    @Test func migrateTwiceIsANoOpAndTheTablesExist() throws {
        let database = try FreshDatabase()
        let connection = try database.connect()
        let migrations = Migration.all
        let first = try Migrator(migrations: migrations).migrate(connection)
        #expect(first.applied == migrations.map(\.version))
        #expect(first.alreadyApplied.isEmpty)
        let second = try Migrator(migrations: migrations).migrate(connection)
        #expect(second.applied.isEmpty)
        #expect(second.alreadyApplied == migrations.map(\.version))
        let tables = try connection.execute("select count(*) from pg_tables where schemaname = 'public'").text(row: 0, column: 0)
        #expect(tables == "19")
        let recorded = try connection.execute("select count(*) from schema_migrations").text(row: 0, column: 0)
        #expect(recorded == String(migrations.count))
    }

    /// Roles belong to the cluster, the migration lock to one database: eight
    /// new databases of one new cluster migrating at once all succeed (the
    /// first migration creates the reader role; CI once saw two do it).
    @Test func databasesOfOneClusterMigrateAtTheSameTime() throws {
        let cluster = OwnStack(prefix: "roles")
        defer {
            do { try cluster.remove() } catch { Issue.record("the cluster was not removed: \(error)") }
        }
        let server = try cluster.startPostgres()
        let databases = try (0..<8).map { try ScratchDatabase(server: server, name: "concurrent_\($0)") }
        let urls = databases.map(\.conninfo)
        let migrator = Migrator(migrations: Migration.all)
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: urls.count) { index in
            do {
                _ = try migrator.migrate(try PostgresConnection(conninfo: urls[index]))
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let roles = try PostgresConnection(conninfo: server).execute("select count(*) from pg_roles where rolname = 'recstream_reader'")
        #expect(roles.text(row: 0, column: 0) == "1")
    }

    @Test func aChangedAppliedFileIsRefusedByName() throws {
        let database = try FreshDatabase()
        let connection = try database.connect()
        var migrations = Migration.all
        _ = try Migrator(migrations: migrations).migrate(connection)
        migrations[0].sql += "\n-- an edit after the fact\n"
        do {
            _ = try Migrator(migrations: migrations).migrate(connection)
            Issue.record("a changed migration must be refused")
        } catch let error as MigrationError {
            #expect(error.reason.contains("migration \(migrations[0].fileName) was changed after it was applied"))
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() throws {
        let database = try FreshDatabase()
        let connection = try database.connect()
        let broken = Migration(version: 1, name: "broken", sql: "create table half_done (id int); select no_such_function();")
        #expect(throws: MigrationError.self) { _ = try Migrator(migrations: [broken]).migrate(connection) }
        let leftovers = try connection.execute("select count(*) from pg_tables where tablename in ('half_done')").text(row: 0, column: 0)
        #expect(leftovers == "0")
        #expect(try connection.execute("select count(*) from schema_migrations").text(row: 0, column: 0) == "0")
    }

    /// Migration 6 stores lists by item row: lists published before it read
    /// back the same through the views; a list naming an unstored item goes
    /// (the next refresh publishes it again).
    @Test func listsPublishedBeforeVersionSixReadTheSameAfterIt() throws {
        let database = try FreshDatabase()
        let connection = try database.connect()
        let migrations = Migration.all
        _ = try Migrator(migrations: migrations.filter { $0.version < 6 }).migrate(connection)
        try connection.execute("insert into items (id, external_id) values (0, 'a'), (1, 'b,\"c'), (2, 'd')")
        try connection.execute(
            """
            insert into user_recommendations (user_id, item_ids, scores, model_version) values
                ('u1', array['d', 'a', 'b,"c'], '{3,2,1}', 7), ('u2', '{}', '{}', 7), ('u3', array['a', 'gone'], '{2,1}', 7)
            """)
        try connection.execute(
            "insert into item_related (item_id, item_ids, scores, model_version) values ('a', array['d', 'b,\"c'], '{0.5,0.25}', 7)")
        let upgrade = try Migrator(migrations: migrations).migrate(connection)
        #expect(upgrade.applied == migrations.filter { $0.version >= 6 }.map(\.version))
        let repository = RecommendationRepository(connection: connection)
        #expect(try repository.userList("u1") == RankedList(id: "u1", itemIDs: ["d", "a", "b,\"c"], scores: [3, 2, 1]))
        #expect(try repository.userList("u2") == RankedList(id: "u2", itemIDs: [], scores: []))
        #expect(try repository.userList("u3") == nil)
        #expect(try repository.relatedList("a")?.itemIDs == ["d", "b,\"c"])
        let stored = try connection.execute("select item_rows::text from user_recommendation_lists where user_id = 'u1'").text(
            row: 0, column: 0)
        #expect(stored == "{2,0,1}")
    }

    @Test func aDatabaseAheadOfTheBinaryIsRefused() throws {
        let database = try FreshDatabase()
        let connection = try database.connect()
        var migrations = Migration.all
        migrations.append(Migration(version: 999, name: "future", sql: "create table future_table (id int);"))
        _ = try Migrator(migrations: migrations).migrate(connection)
        do {
            _ = try Migrator(migrations: Array(migrations.dropLast())).migrate(connection)
            Issue.record("an unknown applied migration must be refused")
        } catch let error as MigrationError {
            #expect(error.reason.contains("migration 999 (future)"))
        }
    }
}
