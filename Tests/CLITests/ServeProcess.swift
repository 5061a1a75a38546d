import Foundation

/// `recstream serve` running as a child process, its output kept.
final class ServeProcess {
    private let process = Process()
    private let log: URL

    init(arguments: [String], environment extra: [String: String] = [:]) throws {
        let buildDirectory = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        process.executableURL = buildDirectory.appendingPathComponent("recstream")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["RECSTREAM_KAFKA_BROKERS"] = nil
        environment["RECSTREAM_DATABASE_URL"] = nil
        process.environment = environment.merging(extra) { $1 }
        log = FileManager.default.temporaryDirectory.appendingPathComponent("recstream-serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    var processIdentifier: Int32 { process.processIdentifier }

    var output: String {
        (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    }

    /// Sends `signal`, waits for the exit, and returns the exit status
    /// (or the signal number for a killed process).
    @discardableResult
    func kill(signal: Int32) -> Int32 {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: log)
    }
}
