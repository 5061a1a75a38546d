import ArgumentParser
import RecstreamIngest
import RecstreamStore

struct TopKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topk",
        abstract: "Recompute and publish every user's recommendations, every item's related items and the popular items.",
        discussion: """
            Reads the model stored in PostgreSQL; one full recompute at a time per database. Lists are replaced one \
            by one, so readers never see a missing or half-written list.
            """
    )

    @OptionGroup var settingsOptions: SettingsOptions

    func run() throws {
        let configuration = try settingsOptions.load()
        let connection = try PostgresConnection(conninfo: configuration.databaseURL)
        let model = try ModelPersistence.load(StateRepository(connection: connection), configuration: configuration.model)
        print(
            "model: \(model.users.count) users, \(model.items.count) items, \(model.interactions.pairCount) interactions; k = \(configuration.topK)"
        )
        try FullRecompute.run(
            model, modelVersion: ModelPersistence.version(of: model), k: configuration.topK, connection: connection
        ) { print($0) }
    }
}
