public import RecstreamStore

/// A database of its own for one test on the test server, dropped when the
/// value goes away.
public final class FreshDatabase {
    private let scratch: ScratchDatabase

    public init() throws {
        scratch = try ScratchDatabase(server: try TestServices.databaseURL(), name: TestServices.uniqueName("recstream_test"))
    }

    public var name: String { scratch.name }

    /// A conninfo of this database (the server's settings, this dbname).
    public var url: String { scratch.conninfo }

    public func connect() throws -> PostgresConnection { try scratch.connect() }

    /// A connection to this database with every migration applied.
    public func migrated() throws -> PostgresConnection { try scratch.migrated() }
}
