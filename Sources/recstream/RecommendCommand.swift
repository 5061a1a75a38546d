import ArgumentParser
import RecstreamStore

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
        let subject: Subject = user.map { .user($0) } ?? .item(item!)
        for line in try lines(conninfo: settings.databaseURL, subject: subject, k: k) { print(line) }
    }

    private enum Subject {
        case user(String)
        case item(String)
    }

    /// Lines to print: a header, then one line per rank.
    private func lines(conninfo: String, subject: Subject, k: Int?) throws -> [String] {
        let connection = try PostgresConnection(conninfo: conninfo)
        var lines: [String] = []
        do {
            try connection.execute("set role recstream_reader")
            lines.append("(read as recstream_reader)")
        } catch {
            lines.append("(read as the connecting role: it may not take recstream_reader)")
        }
        let repository = RecommendationRepository(connection: connection)
        let list: RankedList?
        switch subject {
        case .user(let id):
            list = try repository.userList(id)
            if list == nil {
                let popular = try repository.popular()
                lines.append("user \(id) has no list yet (no history): the popular items")
                return lines + ranked(popular, k: k)
            }
            lines.append("recommendations for user \(id)")
        case .item(let id):
            list = try repository.relatedList(id)
            guard list != nil else { return lines + ["item \(id) has no related list yet"] }
            lines.append("items related to \(id)")
        }
        return lines + ranked(list!, k: k)
    }

    private func ranked(_ list: RankedList, k: Int?) -> [String] {
        zip(list.itemIDs, list.scores).prefix(k ?? list.itemIDs.count).enumerated().map { rank, entry in
            "\(rank + 1)\t\(entry.0)\t\(entry.1)"
        }
    }
}
