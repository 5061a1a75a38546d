import ArgumentParser
import RecstreamIngest
import RecstreamStore

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Run full WALS sweeps over the model stored in PostgreSQL and write it back (stop serve first).",
        discussion: """
            Prints the objective after each sweep; writes every vector, the centroids and the metadata in one \
            transaction. While serve runs, it keeps its own vectors in memory and overwrites these with its next batches.
            """
    )

    @OptionGroup var settingsOptions: SettingsOptions

    @Option(help: "Number of full sweeps.")
    var sweeps = 5

    func run() throws {
        let configuration = try settingsOptions.load()
        let connection = try PostgresConnection(conninfo: configuration.databaseURL)
        _ = try Migrator(migrations: Migration.all).migrate(connection)
        var model = try ModelPersistence.load(StateRepository(connection: connection), configuration: configuration.model)
        print("model: \(model.users.count) users, \(model.items.count) items, \(model.interactions.pairCount) interactions")
        let training = model.training
        for sweep in 1...max(1, sweeps) {
            model.fullSweep()
            let objective = training.objective(
                users: model.userFactors, items: model.itemFactors, interactions: model.interactions,
                userGramian: model.userGramian, itemGramian: model.itemGramian)
            print("sweep \(sweep): objective \(objective)")
        }
        let writes = try ModelPersistence.saveAll(model, connection: connection)
        print("wrote \(writes.userVectors.count) user and \(writes.itemVectors.count) item vectors")
    }
}
