import ArgumentParser
import Foundation
import RecstreamDaemon

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the PostgreSQL schema migrations that are missing (idempotent).",
        discussion: """
            Each migration runs in its own transaction under an advisory lock; applied files are \
            recorded with their SHA-256, and one that changed since is refused.
            """
    )

    @Option(help: "PostgreSQL URL or conninfo (default: RECSTREAM_DATABASE_URL, then the PG* variables).")
    var databaseURL: String?

    @Option(help: "Directory of NNN_name.sql migrations (default: RECSTREAM_SCHEMA_DIR, the installed share/recstream/postgres, or the checkout's schemas/postgres).")
    var schemaDirectory: String?

    func run() throws {
        let conninfo = databaseURL ?? ProcessInfo.processInfo.environment["RECSTREAM_DATABASE_URL"] ?? ""
        let lines: [String]
        if let schemaDirectory {
            lines = try SchemaMigration.run(conninfo: conninfo, directory: schemaDirectory)
        } else {
            lines = try SchemaMigration.run(conninfo: conninfo)
        }
        lines.forEach { print($0) }
    }
}
