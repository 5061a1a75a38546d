import ArgumentParser
import Foundation
import RecstreamIngest

/// `recstream config check FILE` and `recstream config example`.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with configuration files.",
        subcommands: [Check.self, Example.self]
    )

    struct Example: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "example",
            abstract: "Print a configuration file that sets every key to its default, each with what it does.",
            discussion: "The same text as config/recstream.example.toml (a test keeps the two equal)."
        )

        func run() {
            print(DaemonConfiguration.exampleFile, terminator: "")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check a configuration file as serve would read it, without connecting to anything.",
            discussion: """
                Reads FILE, then the RECSTREAM_* environment variables and --set overrides, exactly as \\
                serve does. Prints every problem with its key and reason (unknown key, wrong type, out of \\
                range, missing required) and exits 2; prints "ok" and exits 0 when there is none.
                """
        )

        @Argument(help: "The TOML file to check.")
        var file: String

        @Option(name: .customLong("set"), help: ArgumentHelp("Override a setting (repeatable).", valueName: "section.key=value"))
        var overrides: [String] = []

        func run() throws {
            _ = try SettingsOptions.load(file: file, overrides: overrides)
            print("\(file): ok")
        }
    }
}
