import Foundation

/// A command run to completion, its stdout and stderr kept together.
enum ChildProcess {
    struct Result {
        let status: Int32
        let output: String
    }

    /// Runs `executable` with `arguments`, `input` on its stdin, and waits.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String], input: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}

/// The `recstream` executable built beside the test binary, run with this
/// process's environment minus the test stack's settings (a test passes
/// the ones it wants).
enum RecstreamProcess {
    static var executable: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().appendingPathComponent("recstream")
    }

    static func environment(adding extra: [String: String]) -> [String: String] {
        var inherited = ProcessInfo.processInfo.environment
        inherited["RECSTREAM_KAFKA_BROKERS"] = nil
        inherited["RECSTREAM_DATABASE_URL"] = nil
        return inherited.merging(extra) { $1 }
    }

    static func run(_ arguments: [String], environment: [String: String]) throws -> ChildProcess.Result {
        try ChildProcess.run(executable, arguments, environment: Self.environment(adding: environment))
    }
}
