/// Applies migrations: each in its own transaction, all under a session
/// advisory lock (so concurrent daemons migrate one at a time), recording
/// version, name and SHA-256 of every applied file. Running it again is a
/// no-op; an applied file that changed since is refused, by name.
public struct Migrator: Sendable {
    /// The advisory lock key ("recstrm1").
    public static let lockKey: Int64 = 0x7265_6373_7472_6D31
    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations
    }

    /// What one run did.
    public struct Report: Sendable, Equatable {
        public var applied: [Int] = []
        public var alreadyApplied: [Int] = []
    }

    public func migrate(_ connection: PostgresConnection) throws -> Report {
        try connection.execute("select pg_advisory_lock($1)", [String(Self.lockKey)])
        defer { _ = try? connection.execute("select pg_advisory_unlock($1)", [String(Self.lockKey)]) }
        try connection.execute(
            """
            create table if not exists schema_migrations (
                version integer primary key,
                name text not null,
                sha256 text not null,
                applied_at timestamptz not null default now()
            )
            """)
        let rows = try connection.execute("select version, name, sha256 from schema_migrations order by version")
        var recorded: [Int: (name: String, sha256: String)] = [:]
        for row in 0..<rows.rowCount {
            recorded[Int(rows.text(row: row, column: 0)!)!] = (rows.text(row: row, column: 1)!, rows.text(row: row, column: 2)!)
        }
        let known = Set(migrations.map(\.version))
        if let unknown = recorded.keys.sorted().first(where: { !known.contains($0) }) {
            throw MigrationError(
                reason:
                    "the database has migration \(unknown) (\(recorded[unknown]!.name)) that this recstream does not know: it is older than the schema; upgrade recstream"
            )
        }
        var report = Report()
        for migration in migrations {
            let digest = try connection.execute("select encode(sha256(convert_to($1, 'UTF8')), 'hex')", [migration.sql]).text(
                row: 0, column: 0)!
            if let applied = recorded[migration.version] {
                guard applied.sha256 == digest else {
                    throw MigrationError(
                        reason:
                            "migration \(migration.fileName) was changed after it was applied (sha256 \(applied.sha256.prefix(12))... then, \(digest.prefix(12))... now): restore it and put the change in a new migration"
                    )
                }
                report.alreadyApplied.append(migration.version)
                continue
            }
            // Roles are shared by every database of a cluster, but the advisory
            // lock is per database: two databases migrating at once can both
            // decide to create the reader role, and the second fails with a
            // duplicate. The rolled-back migration then finds the role and passes.
            var attempt = 0
            while true {
                attempt += 1
                do {
                    try connection.transaction {
                        try connection.executeScript(migration.sql)
                        try connection.execute(
                            "insert into schema_migrations (version, name, sha256) values ($1, $2, $3)",
                            [String(migration.version), migration.name, digest])
                    }
                    break
                } catch let error as PostgresError where attempt < 3 && Self.isConcurrentRoleCreation(error) {
                    continue
                } catch let error as PostgresError {
                    throw MigrationError(reason: "migration \(migration.fileName) failed and was rolled back: \(error)")
                }
            }
            report.applied.append(migration.version)
        }
        return report
    }

    /// A role created concurrently by another database's migration.
    static func isConcurrentRoleCreation(_ error: PostgresError) -> Bool {
        error.sqlState == "42710" || (error.sqlState == "23505" && error.message.contains("pg_authid_rolname_index"))
    }
}
