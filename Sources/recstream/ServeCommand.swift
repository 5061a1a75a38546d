import ArgumentParser
import Foundation
import RecstreamIngest
import RecstreamService

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: Kafka events in, model updates, state and offsets in PostgreSQL.",
        discussion: """
            Settings come from the defaults, then --config FILE (TOML; see recstream.example.toml), then \
            RECSTREAM_KAFKA_BROKERS, RECSTREAM_DATABASE_URL and RECSTREAM__SECTION__KEY variables, then \
            --set section.key=value. A bad setting is refused (exit 2) before anything connects. \
            /healthz, /readyz and /metrics listen on http.address. SIGTERM or SIGINT: the batch in flight \
            is committed, then recstream exits 0. Under systemd (Type=notify) it reports READY, STATUS, \
            WATCHDOG and STOPPING.
            """
    )

    @OptionGroup var settingsOptions: SettingsOptions

    func run() async throws {
        try await Daemon.run(configuration: try settingsOptions.load())
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
        try Self.load(file: config, overrides: overrides)
    }

    /// `file`, the environment and `overrides` read as serve reads them, or
    /// every problem on stderr and exit status 2.
    static func load(file: String?, overrides: [String]) throws -> DaemonConfiguration {
        do {
            return try DaemonConfiguration.load(file: file, environment: ProcessInfo.processInfo.environment, overrides: overrides)
        } catch {
            FileHandle.standardError.write(Data("recstream: configuration refused:\n\(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
