import Foundation
import Logging
import RecstreamDaemon
import RecstreamModel
import RecstreamStore
import RecstreamStream
import TestSupport
import Testing

/// PostgreSQL stopped for 10 s in the middle of a stream: the pipeline
/// keeps its batch, retries, and ends where it would have without the outage.
/// The cluster is one of its own (`ops/stack pg-up` under a fresh stack
/// name), so no other test loses its database.
@Suite("Ingest through a PostgreSQL outage", .enabled(if: TestServices.kafkaRequested && TestServices.postgresRequested))
struct DatabaseOutageTests {
    static let stackScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ops/stack").path

    /// Runs `ops/stack COMMAND` for the stack `name` and returns its output.
    /// (posix_spawn + waitpid: Foundation's Process did not always notice
    /// this script's exit once it had started a daemon.)
    @discardableResult
    func stack(_ command: String, name: String, purge: Bool = false) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("stack-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let script = "RECSTREAM_STACK='\(name)' '\(Self.stackScript)' \(command)\(purge ? " --purge" : "") > '\(output)' 2>&1 < /dev/null"
        var pid: pid_t = 0
        let words: [String] = ["/bin/sh", "-c", script]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { word in strdup(word) } + [nil]
        defer { arguments.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, arguments, environ) == 0 else {
            throw StackFailure(command: command, output: "cannot start /bin/sh")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0 else { throw StackFailure(command: command, output: text) }
        return text
    }

    struct StackFailure: Error, CustomStringConvertible {
        var command: String
        var output: String
        var description: String { "ops/stack \(command) failed: \(output)" }
    }

    @Test func aTenSecondOutageLosesNothingAndNeedsNoRestart() throws {
        let name = TestServices.uniqueName("outage")
        try stack("pg-up", name: name)
        defer {
            do { try stack("down", name: name, purge: true) } catch { Issue.record("the outage stack was not removed: \(error)") }
        }
        var configuration = try DaemonConfiguration.forTests(
            databaseURL: try stack("pg-url", name: name).components(separatedBy: "\n").last!, prefix: "it-outage")
        configuration.batchMaxEvents = 200
        configuration.model.dimension = 8
        let producer = try KafkaProducer(properties: ["bootstrap.servers": configuration.brokers, "linger.ms": "5"])
        var expected: [String: Float] = [:]
        func produce(_ range: Range<Int>) throws {
            for index in range {
                let user = "u\(index % 50)"
                let item = "i\(index % 70)"
                expected["\(user)/\(item)", default: 0] += 1
                try producer.send(topic: configuration.engagementTopic, key: user, value: #"{"event_id":"o\#(index)","user_id":"\#(user)","item_id":"\#(item)","type":"view","ts":1}"#)
            }
            try producer.flush()
        }

        try produce(0..<2_000)
        let pipeline = try IngestPipeline(configuration: configuration, logger: Logger(label: "test"))
        let running = pipeline.start()
        defer { try? running.stop() }
        let firstDeadline = Date().addingTimeInterval(60)
        while pipeline.statistics.consumed < 2_000 && Date() < firstDeadline { Thread.sleep(forTimeInterval: 0.05) }

        try stack("pg-stop", name: name)
        try produce(2_000..<4_000)
        Thread.sleep(forTimeInterval: 10)
        let duringOutage = pipeline.statistics
        try stack("pg-up", name: name)
        let deadline = Date().addingTimeInterval(90)
        while pipeline.statistics.consumed < 4_000 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        try running.stop()

        #expect(duringOutage.consumed < 4_000, "a batch waits for PostgreSQL instead of moving on")
        #expect(pipeline.statistics.databaseRetries > 0)
        #expect(pipeline.statistics.consumed == 4_000)
        let state = StateRepository(connection: try PostgresConnection(conninfo: configuration.databaseURL))
        let users = Dictionary(uniqueKeysWithValues: try state.loadUsers().map { ($0.id, $0.externalID) })
        let items = Dictionary(uniqueKeysWithValues: try state.loadItems().map { ($0.id, $0.externalID) })
        var stored: [String: Float] = [:]
        for row in try state.loadInteractions() { stored["\(users[row.user]!)/\(items[row.item]!)"] = row.weight }
        #expect(stored == expected)
        #expect(try state.loadOffsets().reduce(0) { $0 + $1.nextOffset } == 4_000)
    }
}
