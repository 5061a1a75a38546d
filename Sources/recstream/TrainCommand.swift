import ArgumentParser
import Logging
import RecstreamIngest
import RecstreamStore

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Run full WALS sweeps over the model stored in PostgreSQL and write it back (stop serve first).",
        discussion: """
            Prints the objective after each sweep; writes every vector, the centroids and the metadata in one \
            transaction. It takes the database's leadership, so it refuses to run while a serve leads the database.
            """
    )

    @OptionGroup var settingsOptions: SettingsOptions

    @Option(help: "Number of full sweeps.")
    var sweeps = 5

    func run() throws {
        let configuration = try settingsOptions.load()
        let connection = try PostgresConnection(conninfo: configuration.databaseURL)
        _ = try Migrator(migrations: Migration.all).migrate(connection)
        guard
            let leadership = try Leadership.acquire(
                conninfo: configuration.databaseURL, sessionTimeoutMs: configuration.leadershipSessionTimeoutMs,
                logger: Logger(label: "recstream.train"))
        else { throw LeadershipHeld() }
        defer { leadership.release() }
        leadership.onLost { reason in print("leadership lost: \(reason)") }
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
        let writes = try ModelPersistence.saveAll(model, connection: connection, leadership: leadership)
        print("wrote \(writes.userVectors.count) user and \(writes.itemVectors.count) item vectors")
    }
}
