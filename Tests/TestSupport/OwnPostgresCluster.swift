import Foundation

/// A PostgreSQL cluster of one test's own (`ops/stack pg-up` under a fresh
/// stack name), for tests that stop and restart PostgreSQL without taking
/// the shared test database away from the others. `remove()` stops it and
/// deletes its data.
public struct OwnPostgresCluster {
    static let stackScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ops/stack").path

    public let name: String
    /// Its URL (trust authentication, loopback).
    public let url: String

    /// Creates and starts the cluster.
    public init(prefix: String) throws {
        name = TestServices.uniqueName(prefix)
        try Self.stack("pg-up", name: name)
        url = try Self.stack("pg-url", name: name).components(separatedBy: "\n").last!
    }

    /// Stops the server (fast shutdown); `start()` brings it back with its data.
    public func stop() throws { try Self.stack("pg-stop", name: name) }

    public func start() throws { try Self.stack("pg-up", name: name) }

    /// Stops the server and deletes the cluster.
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
}
