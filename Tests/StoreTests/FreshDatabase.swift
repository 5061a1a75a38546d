import Foundation
import RecstreamStore
import TestSupport

/// A database of its own for one test, created on the test server and
/// dropped when the value goes away; `migrated()` also applies the schema.
final class FreshDatabase {
    let name: String
    let conninfo: String
    private let admin: PostgresConnection

    init() throws {
        conninfo = try TestServices.databaseURL()
        admin = try PostgresConnection(conninfo: conninfo)
        name = TestServices.uniqueName("recstream_test")
        try admin.execute("create database \(name)")
    }

    deinit {
        _ = try? admin.execute("drop database if exists \(name) with (force)")
    }

    func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo: conninfo, database: name)
    }

    static func migrations() throws -> [Migration] {
        try Migration.load(from: Migration.defaultDirectory())
    }

    /// A connection to this database with every migration applied.
    func migrated() throws -> PostgresConnection {
        let connection = try connect()
        _ = try Migrator(migrations: try Self.migrations()).migrate(connection)
        return connection
    }
}
