import ArgumentParser
import Foundation
import RecstreamDaemon

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Reproducible benchmarks.",
        subcommands: [ModelBench.self, StoreBench.self, IngestBench.self]
    )
}

/// What every benchmark prints: its lines as it goes, then with `--json` one
/// JSON object of the results as the last line.
struct BenchOutput: ParsableArguments {
    @Flag(help: "End with one JSON object of the results on the last line.")
    var json = false

    func report(_ measure: (_ log: (String) -> Void) throws -> [String: Double]) throws {
        let results = try measure { print($0) }
        guard json else { return }
        let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Top-k vs raw sgemm, WALS projections/s, SGD events/s and one full sweep, on synthetic data (d = 64)."
    )

    @OptionGroup var output: BenchOutput

    func run() throws {
        try output.report { ModelBenchmark().run(log: $0) }
    }
}

struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Bulk PostgreSQL writes and reads of the state tables, on a scratch database of RECSTREAM_DATABASE_URL's server."
    )

    @OptionGroup var output: BenchOutput

    func run() throws {
        let conninfo = ProcessInfo.processInfo.environment["RECSTREAM_DATABASE_URL"] ?? ""
        try output.report { try StoreBenchmark().run(conninfo: conninfo, log: $0) }
    }
}

struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "The daemon's pipeline end to end on the local stack (fresh topics, scratch database), and the model alone."
    )

    @OptionGroup var output: BenchOutput

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        try output.report {
            try IngestBenchmark().run(
                brokers: environment["RECSTREAM_KAFKA_BROKERS"] ?? "127.0.0.1:9092", conninfo: environment["RECSTREAM_DATABASE_URL"] ?? "", log: $0)
        }
    }
}
