import ArgumentParser
import Foundation
import RecstreamStore

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the PostgreSQL schema migrations that are missing (idempotent; serve does it at start too).",
        discussion: """
            The migrations are compiled into recstream. Each runs in its own transaction under an advisory \
            lock; applied ones are recorded with their SHA-256, and one that changed since is refused.
            """
    )

    @Option(help: "PostgreSQL URL or conninfo (default: RECSTREAM_DATABASE_URL, then the PG* variables).")
    var databaseURL: String?

    func run() throws {
        let conninfo = databaseURL ?? ProcessInfo.processInfo.environment["RECSTREAM_DATABASE_URL"] ?? ""
        let report = try Migrator(migrations: Migration.all).migrate(try PostgresConnection(conninfo: conninfo))
        for migration in Migration.all {
            print("\(migration.fileName): " + (report.applied.contains(migration.version) ? "applied" : "already applied"))
        }
    }
}
