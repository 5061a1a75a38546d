import ArgumentParser
import Foundation
import Logging
import RecstreamModel
import RecstreamService
import RecstreamStore
import RecstreamStream

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the versions of recstream, librdkafka, libpq and BLAS; probe configured services.",
        discussion: """
            When RECSTREAM_KAFKA_BROKERS or RECSTREAM_DATABASE_URL are set (ops/recstream sets them \
            from the local stack), also checks that the broker accepts this librdkafka and that \
            PostgreSQL answers; exits 1 when one does not.
            """
    )

    func run() throws {
        let report = VersionReport(environment: ProcessInfo.processInfo.environment)
        for line in report.lines { print(line) }
        if !report.servicesReachable { throw ExitCode.failure }
    }
}

/// What `recstream version` prints: the versions of recstream and of the C
/// libraries the loader actually picked, and — when services are configured —
/// whether the broker accepts this librdkafka and which PostgreSQL answers.
struct VersionReport {
    var lines: [String] = []
    /// False when a configured service could not be reached.
    var servicesReachable = true

    init(environment: [String: String]) {
        lines.append("recstream \(RecstreamVersion.current)")
        lines.append("librdkafka \(LibrdkafkaRuntime.version)")
        lines.append("libpq \(LibpqRuntime.version)")
        lines.append("blas \(BLASRuntime.configuration) (threads \(BLASRuntime.threads))")
        if let brokers = environment["RECSTREAM_KAFKA_BROKERS"], !brokers.isEmpty {
            lines.append(Self.probeBroker(brokers))
        }
        if let database = environment["RECSTREAM_DATABASE_URL"] {
            lines.append(Self.probeDatabase(database))
        }
        servicesReachable = !lines.contains { $0.contains("UNREACHABLE") }
    }

    private static func probeBroker(_ brokers: String) -> String {
        var logger = Logger(label: "recstream.version")
        logger.logLevel = .critical
        do {
            let admin = try KafkaAdmin(properties: ["bootstrap.servers": brokers], logger: logger)
            let topics = try admin.topicPartitionCounts(timeoutMs: 5_000)
            let listing = topics.keys.sorted().map { "\($0)(\(topics[$0]!))" }.joined(separator: " ")
            return "kafka \(brokers): reachable; topics: \(listing.isEmpty ? "none" : listing)"
        } catch {
            return "kafka \(brokers): UNREACHABLE: \(error)"
        }
    }

    private static func probeDatabase(_ url: String) -> String {
        do {
            let connection = try PostgresConnection(conninfo: url)
            let version = connection.serverVersion
            return "postgresql \(connection.redactedConninfo): reachable; server \(version / 10_000).\(version % 10_000)"
        } catch {
            return "postgresql: UNREACHABLE: \(error)"
        }
    }
}
