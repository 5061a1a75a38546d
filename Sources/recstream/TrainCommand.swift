import ArgumentParser
import RecstreamDaemon

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Run full WALS sweeps over the model stored in PostgreSQL and write it back (stop serve first).",
        discussion: "Prints the objective after each sweep; writes every vector, the centroids and the metadata in one transaction."
    )

    @OptionGroup var settingsOptions: SettingsOptions

    @Option(help: "Number of full sweeps.")
    var sweeps = 5

    func run() throws {
        try Training.run(configuration: try settingsOptions.load(), sweeps: sweeps) { print($0) }
    }
}
