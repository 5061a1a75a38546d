import Foundation

/// `recstream serve` running as a child process, its output kept.
final class ServeProcess {
    private let process = Process()
    private let log: URL

    init(arguments: [String], environment extra: [String: String] = [:]) throws {
        process.executableURL = RecstreamProcess.executable
        process.arguments = arguments
        process.environment = RecstreamProcess.environment(adding: extra)
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
