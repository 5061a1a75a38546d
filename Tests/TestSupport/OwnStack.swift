import Foundation

/// A PostgreSQL cluster or a Tansu broker of one test's own (`ops/stack`
/// under a fresh stack name), for tests that stop or freeze a service
/// without taking it away from the others. `remove()` stops what runs and
/// deletes its data.
public struct OwnStack {
    static let stackScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ops/stack").path

    public let name: String

    public init(prefix: String) {
        name = TestServices.uniqueName(prefix)
    }

    /// Starts (or restarts, with its data) the PostgreSQL cluster; returns its URL
    /// (trust authentication, loopback).
    @discardableResult
    public func startPostgres() throws -> String {
        try Self.stack("pg-up", name: name)
        return try Self.stack("pg-url", name: name).components(separatedBy: "\n").last!
    }

    /// Stops the PostgreSQL server (fast shutdown), keeping its data.
    public func stopPostgres() throws { try Self.stack("pg-stop", name: name) }

    /// Stops the PostgreSQL server as a crash would (immediate shutdown: the next start recovers from the WAL).
    public func crashPostgres() throws { try Self.stack("pg-crash", name: name) }

    /// Starts the broker; returns its bootstrap address.
    public func startKafka() throws -> String {
        try Self.stack("kafka-up", name: name)
        return try Self.stack("kafka-brokers", name: name).components(separatedBy: "\n").last!
    }

    /// Freezes the broker (SIGSTOP): it stops answering but keeps its topics.
    public func freezeKafka() throws { try Self.stack("kafka-freeze", name: name) }

    public func thawKafka() throws { try Self.stack("kafka-thaw", name: name) }

    /// Stops everything and deletes the data.
    public func remove() throws { try Self.stack("down --purge", name: name) }

    /// Runs `ops/stack COMMAND` for the stack `name` and returns its output.
    /// (posix_spawn + waitpid: Foundation's Process did not always notice
    /// this script's exit once it had started a daemon.)
    @discardableResult
    static func stack(_ command: String, name: String) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("stack-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let script = "RECSTREAM_STACK='\(name)' '\(stackScript)' \(command) > '\(output)' 2>&1 < /dev/null"
        var pid: pid_t = 0
        let words: [String] = ["/bin/sh", "-c", script]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { word in strdup(word) } + [nil]
        defer { for argument in arguments { free(argument) } }
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
}
