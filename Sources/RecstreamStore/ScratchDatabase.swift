/// A database of its own on the server `conninfo` names, for a benchmark or
/// a test: created now, dropped (with its connections) when this goes away.
/// Used from one thread at a time, as the connection it holds.
public final class ScratchDatabase {
    public let name: String
    /// A conninfo of the server's settings with this database.
    public let conninfo: String
    private let server: PostgresConnection

    public init(server serverConninfo: String, name: String) throws {
        server = try PostgresConnection(conninfo: serverConninfo)
        guard let conninfo = ConninfoDatabase.replacing(database: name, in: serverConninfo) else {
            throw PostgresError(sqlState: nil, message: "cannot parse the connection string", context: "scratch database")
        }
        self.name = name
        self.conninfo = conninfo
        try server.execute("create database \(name)")
    }

    deinit {
        _ = try? server.execute("drop database if exists \(name) with (force)")
    }

    public func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo: conninfo)
    }

    /// A connection with every migration applied.
    public func migrated() throws -> PostgresConnection {
        let connection = try connect()
        _ = try Migrator(migrations: Migration.all).migrate(connection)
        return connection
    }
}
