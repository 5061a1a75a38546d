import ArgumentParser
import Foundation
import RecstreamDaemon

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
        report.lines.forEach { print($0) }
        if !report.servicesReachable { throw ExitCode.failure }
    }
}
