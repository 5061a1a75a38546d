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

struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Top-k vs raw sgemm, WALS projections/s, SGD events/s and one full sweep, on synthetic data (d = 64)."
    )

    @Flag(help: "End with one JSON object of the results on the last line.")
    var json = false

    func run() throws {
        let results = ModelBenchmark().run { print($0) }
        if json {
            let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Bulk PostgreSQL writes and reads of the state tables, on a scratch database of RECSTREAM_DATABASE_URL's server."
    )

    @Flag(help: "End with one JSON object of the results on the last line.")
    var json = false

    func run() throws {
        let conninfo = ProcessInfo.processInfo.environment["RECSTREAM_DATABASE_URL"] ?? ""
        let results = try StoreBenchmark().run(conninfo: conninfo) { print($0) }
        if json {
            let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "The daemon's pipeline end to end on the local stack (fresh topics, scratch database), and the model alone."
    )

    @Flag(help: "End with one JSON object of the results on the last line.")
    var json = false

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let results = try IngestBenchmark().run(
            brokers: environment["RECSTREAM_KAFKA_BROKERS"] ?? "127.0.0.1:9092", conninfo: environment["RECSTREAM_DATABASE_URL"] ?? ""
        ) { print($0) }
        if json {
            let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
