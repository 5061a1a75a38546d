import RecstreamModel
import RecstreamStore

/// `recstream train`: full WALS sweeps over the model stored in PostgreSQL,
/// written back in one transaction (all vectors, centroids, metadata). Run
/// it while `serve` is stopped, or `serve` keeps its older vectors in memory
/// and overwrites these with its next batches.
public enum Training {
    public static func run(configuration: DaemonConfiguration, sweeps: Int, log: (String) -> Void) throws {
        let connection = try PostgresConnection(conninfo: configuration.databaseURL)
        _ = try Migrator(migrations: try Migration.load(from: Migration.defaultDirectory())).migrate(connection)
        let state = StateRepository(connection: connection)
        var model = try ModelPersistence.load(state, configuration: configuration.model)
        log("model: \(model.users.count) users, \(model.items.count) items, \(model.interactions.pairCount) interactions")
        let training = model.training
        for sweep in 1...max(1, sweeps) {
            model.fullSweep()
            let objective = training.objective(
                users: model.userFactors, items: model.itemFactors, interactions: model.interactions,
                userGramian: model.userGramian, itemGramian: model.itemGramian)
            log("sweep \(sweep): objective \(objective)")
        }
        let changes = ModelChanges(sweptUsers: 0..<Int32(model.users.count), sweptItems: 0..<Int32(model.items.count))
        let modelVersion = model.interactions.userEventCounts.reduce(0, +)
        var writes = ModelPersistence.writes(
            model, changes: changes, catalogItems: [], firstNewUser: Int32(model.users.count), firstNewItem: Int32(model.items.count))
        writes.modelVersion = modelVersion
        try BatchTransaction(connection: connection).commit(writes)
        try state.saveMetadata(
            dimension: configuration.model.dimension, hyperparameters: ModelPersistence.hyperparameters(configuration.model),
            modelVersion: modelVersion)
        log("wrote \(writes.userVectors.count) user and \(writes.itemVectors.count) item vectors")
    }
}
