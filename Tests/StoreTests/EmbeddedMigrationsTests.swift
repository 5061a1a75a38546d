import Foundation
import RecstreamStore
import Testing

/// The migrations compiled into the binary are the files of
/// `Sources/RecstreamStore/Schema`, byte for byte, each listed once.
@Suite("Embedded migrations")
struct EmbeddedMigrationsTests {
    static let schemaDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/RecstreamStore/Schema")

    @Test func everySchemaFileIsEmbeddedAsItIsInVersionOrder() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.schemaDirectory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(Migration.all.map(\.fileName) == files, "a new file in Schema needs its line in Migration.all")
        for migration in Migration.all {
            let text = try String(contentsOf: Self.schemaDirectory.appendingPathComponent(migration.fileName), encoding: .utf8)
            #expect(migration.sql == text, "\(migration.fileName)")
        }
        #expect(Migration.all.map(\.version) == Array(1...Migration.all.count))
    }
}
