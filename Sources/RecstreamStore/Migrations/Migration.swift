import Foundation

/// One versioned schema change: `schemas/postgres/NNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String

    /// The file name it was read from.
    public var fileName: String { String(format: "%03d_%@.sql", version, name) }

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads every `NNN_name.sql` of `directory`, in version order.
    public static func load(from directory: String) throws -> [Migration] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigrationError(reason: "cannot read the migrations directory \(directory): \(error.localizedDescription)")
        }
        var migrations: [Migration] = []
        for file in files where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]),
                  stem[..<underscore].count == 3, !stem[stem.index(after: underscore)...].isEmpty
            else {
                throw MigrationError(reason: "\(directory)/\(file): migration files are named NNN_name.sql")
            }
            guard let sql = FileManager.default.contents(atPath: "\(directory)/\(file)").flatMap({ String(data: $0, encoding: .utf8) }) else {
                throw MigrationError(reason: "\(directory)/\(file): cannot read it as UTF-8")
            }
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (earlier, later) in zip(migrations, migrations.dropFirst()) where earlier.version == later.version {
            throw MigrationError(reason: "\(directory): \(earlier.fileName) and \(later.fileName) share version \(earlier.version)")
        }
        guard !migrations.isEmpty else { throw MigrationError(reason: "\(directory) holds no NNN_name.sql migration") }
        return migrations
    }

    /// Where the migrations are: `$RECSTREAM_SCHEMA_DIR`, else
    /// `share/recstream/postgres` beside an installed binary's `bin/`, else
    /// this source checkout's `schemas/postgres`.
    public static func defaultDirectory() -> String {
        if let configured = ProcessInfo.processInfo.environment["RECSTREAM_SCHEMA_DIR"], !configured.isEmpty {
            return configured
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let installed = executable.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/recstream/postgres").path
        if FileManager.default.fileExists(atPath: installed) { return installed }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("schemas/postgres").path
    }
}

/// A migration problem, said so that an operator knows what to fix.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public var reason: String

    public var description: String { reason }
}
