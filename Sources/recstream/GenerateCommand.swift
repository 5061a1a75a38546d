import ArgumentParser
import Foundation
import RecstreamEvaluation

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a seeded synthetic stream (latent-factor tastes, skewed popularity, sessions) as JSONL.",
        discussion:
            "Writes DIR/engagements.jsonl (engagement events in time order) and DIR/catalog.jsonl (one catalog event per item), ready for `replay` and for `eval --format jsonl`."
    )

    @Option(help: "Output directory.")
    var out: String

    @Option var users = SyntheticStream().users
    @Option var items = SyntheticStream().items
    @Option var events = SyntheticStream().events
    @Option var seed = SyntheticStream().seed

    func run() throws {
        var generator = SyntheticStream()
        generator.users = users
        generator.items = items
        generator.events = events
        generator.seed = seed
        let log = generator.generate()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var engagements = Data()
        for event in log.events {
            engagements.append(event.json())
            engagements.append(0x0A)
        }
        var catalog = Data()
        for item in log.catalog.keys.sorted(by: { $0.localizedStandardCompare($1) == .orderedAscending }) {
            catalog.append(log.catalog[item]!.json())
            catalog.append(0x0A)
        }
        try engagements.write(to: URL(fileURLWithPath: out).appendingPathComponent("engagements.jsonl"))
        try catalog.write(to: URL(fileURLWithPath: out).appendingPathComponent("catalog.jsonl"))
        print("\(log.events.count) engagement events and \(log.catalog.count) catalog events written to \(out)")
    }
}
