import Foundation
import TestSupport
import Testing

/// With its broker gone, `serve` logs each kind of error once per interval
/// with a count, instead of librdkafka's dozens of alike lines a second.
@Suite("serve: logs without a broker", .enabled(if: TestServices.postgresRequested))
struct ServeLogTests {
    @Test func aMissingBrokerIsLoggedOncePerIntervalWithACount() throws {
        let database = try FreshDatabase()
        let deadBroker = "127.0.0.1:\(try Loopback.freePort())"
        let daemon = try ServeProcess(arguments: [
            "serve", "--set", "kafka.brokers=\(deadBroker)", "--set", "database.url=\(database.url)",
            "--set", "http.address=127.0.0.1:\(try Loopback.freePort())",
        ])
        Thread.sleep(forTimeInterval: 12)  // past one 10 s interval
        #expect(daemon.kill(signal: SIGTERM) == 0)
        let lines = daemon.output.split(separator: "\n").filter { $0.contains("kafka error") || $0.contains("librdkafka:") }
        #expect(!lines.isEmpty, "the missing broker is reported")
        // Alike lines: the same but for their numbers and timestamps.
        var alike: [String: Int] = [:]
        for line in lines {
            let message = line.drop { $0 != " " }.replacing(/[0-9]+/, with: "#")
            alike[String(message), default: 0] += 1
        }
        #expect(alike.values.allSatisfy { $0 <= 2 }, "\(alike.filter { $0.value > 2 })")
        #expect(lines.contains { $0.contains("repeated=") }, "the line after an interval counts the lines held back")
    }
}
