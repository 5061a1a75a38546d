import RecstreamStore

/// `recstream migrate`: brings the database's schema up to this recstream's
/// migrations (also the first thing `serve` does).
public enum SchemaMigration {
    /// Applies what is missing and returns one line per migration.
    public static func run(conninfo: String, directory: String = Migration.defaultDirectory()) throws -> [String] {
        let migrations = try Migration.load(from: directory)
        let connection = try PostgresConnection(conninfo: conninfo)
        let report = try Migrator(migrations: migrations).migrate(connection)
        return migrations.map { migration in
            "\(migration.fileName): " + (report.applied.contains(migration.version) ? "applied" : "already applied")
        }
    }
}
