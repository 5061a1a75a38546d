import ArgumentParser
import RecstreamDaemon

struct RecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Print what an app reads: a user's recommendations or an item's related items (rank, item, score).",
        discussion: "Reads the published tables with the reader role's rights. A user with no list gets the popular items."
    )

    @OptionGroup var settingsOptions: SettingsOptions

    @Option(help: "External user id.")
    var user: String?

    @Option(help: "External item id.")
    var item: String?

    @Option(help: "Print at most this many ranks.")
    var k: Int?

    func validate() throws {
        guard (user == nil) != (item == nil) else { throw ValidationError("give exactly one of --user and --item") }
    }

    func run() throws {
        let settings = try settingsOptions.load()
        let subject: RecommendationLookup.Subject = user.map { .user($0) } ?? .item(item!)
        try RecommendationLookup.lines(conninfo: settings.databaseURL, subject: subject, k: k).forEach { print($0) }
    }
}
