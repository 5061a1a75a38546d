import ArgumentParser
import Foundation
import RecstreamBenchmarks

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Reproducible benchmarks; without a sub-benchmark, all of them (the store and ingest ones need the local stack).",
        subcommands: [ModelBench.self, StoreBench.self, IngestBench.self, TopKBench.self]
    )

    @OptionGroup var output: BenchOutput

    /// Every benchmark, then one table of every key, then (with --json) one JSON object.
    func run() throws {
        let (brokers, conninfo) = (BenchServices.brokers, BenchServices.conninfo)
        try output.report { log in
            var all: [String: Double] = [:]
            for name in ["model", "store", "ingest", "topk"] {
                log("== bench \(name)")
                let results: [String: Double]
                switch name {
                case "model": results = ModelBenchmark().run(log: log)
                case "store": results = try StoreBenchmark().run(conninfo: conninfo, log: log)
                case "topk": results = try TopKBenchmark().run(brokers: brokers, conninfo: conninfo, log: log)
                default: results = try IngestBenchmark().run(brokers: brokers, conninfo: conninfo, log: log)
                }
                for (key, value) in results { all["\(name).\(key)"] = value }
            }
            log("")
            let width = all.keys.map(\.count).max() ?? 0
            for key in all.keys.sorted() {
                log(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + String(format: "%.3f", all[key]!))
            }
            return all
        }
    }
}

/// The local stack the benchmarks that need services run against, from
/// `ops/stack env` (`RECSTREAM_KAFKA_BROKERS`, `RECSTREAM_DATABASE_URL`).
enum BenchServices {
    static var brokers: String { ProcessInfo.processInfo.environment["RECSTREAM_KAFKA_BROKERS"] ?? "127.0.0.1:9092" }
    static var conninfo: String { ProcessInfo.processInfo.environment["RECSTREAM_DATABASE_URL"] ?? "" }
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
        try output.report { try StoreBenchmark().run(conninfo: BenchServices.conninfo, log: $0) }
    }
}

struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "The daemon's pipeline end to end on the local stack (fresh topics, scratch database), and the model alone."
    )

    @OptionGroup var output: BenchOutput

    func run() throws {
        try output.report { try IngestBenchmark().run(brokers: BenchServices.brokers, conninfo: BenchServices.conninfo, log: $0) }
    }
}

struct TopKBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topk",
        abstract: "Full recompute of 100,000 users x 20,000 items with its writes, then list freshness under 10,000 events/s (local stack)."
    )

    @OptionGroup var output: BenchOutput

    @Option(help: "Events per second of new users in the freshness part (the rate this machine holds is the question it answers).")
    var rate = 10_000.0

    func run() throws {
        var benchmark = TopKBenchmark()
        benchmark.rate = rate
        try output.report { try benchmark.run(brokers: BenchServices.brokers, conninfo: BenchServices.conninfo, log: $0) }
    }
}
