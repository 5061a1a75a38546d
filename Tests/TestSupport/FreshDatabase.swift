import Foundation
import RecstreamStore

/// A database of its own for one test, created on the test server and
/// dropped when the value goes away; `migrated()` also applies the schema.
public final class FreshDatabase {
    public let name: String
    public let conninfo: String
    private let admin: PostgresConnection

    public init() throws {
        conninfo = try TestServices.databaseURL()
        admin = try PostgresConnection(conninfo: conninfo)
        name = TestServices.uniqueName("recstream_test")
        try admin.execute("create database \(name)")
    }

    deinit {
        _ = try? admin.execute("drop database if exists \(name) with (force)")
    }

    public func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo: conninfo, database: name)
    }

    public static func migrations() throws -> [Migration] {
        try Migration.load(from: Migration.defaultDirectory())
    }

    /// A conninfo of this database (the server's settings, this dbname).
    public var url: String {
        ConninfoDatabase.replacing(database: name, in: conninfo)!
    }

    /// A connection to this database with every migration applied.
    public func migrated() throws -> PostgresConnection {
        let connection = try connect()
        _ = try Migrator(migrations: try Self.migrations()).migrate(connection)
        return connection
    }
}
