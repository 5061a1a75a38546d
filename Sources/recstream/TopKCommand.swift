import ArgumentParser
import RecstreamDaemon

struct TopKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topk",
        abstract: "Recompute and publish every user's recommendations, every item's related items and the popular items.",
        discussion: "Reads the model stored in PostgreSQL; one recompute at a time per database. Lists are replaced one by one, so readers never see a missing or half-written list."
    )

    @OptionGroup var settingsOptions: SettingsOptions

    func run() throws {
        try TopKRecompute.run(configuration: try settingsOptions.load()) { print($0) }
    }
}
