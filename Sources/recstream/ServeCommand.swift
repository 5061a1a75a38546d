import ArgumentParser
import Dispatch
import Foundation
import Logging
import RecstreamDaemon

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: Kafka events in, model updates, state and offsets in PostgreSQL.",
        discussion: """
            Settings come from the defaults, then --config FILE (TOML; see recstream.example.toml), then \
            RECSTREAM_KAFKA_BROKERS, RECSTREAM_DATABASE_URL and RECSTREAM__SECTION__KEY variables, then \
            --set section.key=value. A bad setting is refused before anything connects. SIGTERM or \
            SIGINT: the batch in flight is committed, then recstream exits 0.
            """
    )

    @OptionGroup var settingsOptions: SettingsOptions

    func run() throws {
        let settings = try settingsOptions.load()
        LoggingSystem.bootstrap { StreamLogHandler.standardOutput(label: $0) }
        var logger = Logger(label: "recstream")
        logger.logLevel = .info
        let pipeline = try IngestPipeline(configuration: settings, logger: logger)
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                logger.info("stopping", metadata: ["signal": "\(signalNumber)"])
                pipeline.requestStop()
            }
            source.resume()
            sources.append(source)
        }
        try pipeline.run()
        sources.forEach { $0.cancel() }
    }
}

/// `--config FILE` and `--set section.key=value`, shared by the commands that
/// read the daemon's settings.
struct SettingsOptions: ParsableArguments {
    @Option(help: "TOML configuration file.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a setting (repeatable).", valueName: "section.key=value"))
    var overrides: [String] = []

    /// The settings, or every problem on stderr and exit status 2.
    func load() throws -> DaemonConfiguration {
        do {
            return try DaemonConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment, overrides: overrides)
        } catch {
            FileHandle.standardError.write(Data("recstream: configuration refused:\n\(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
