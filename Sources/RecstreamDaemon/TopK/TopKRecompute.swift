import RecstreamModel
import RecstreamStore

/// `recstream topk`: every user's and item's list recomputed from the model
/// stored in PostgreSQL and published, with progress.
public enum TopKRecompute {
    public static func run(configuration: DaemonConfiguration, log: (String) -> Void) throws {
        let connection = try PostgresConnection(conninfo: configuration.databaseURL)
        let state = StateRepository(connection: connection)
        let model = try ModelPersistence.load(state, configuration: configuration.model)
        let modelVersion = model.interactions.userEventCounts.reduce(0, +)
        log("model: \(model.users.count) users, \(model.items.count) items, \(model.interactions.pairCount) interactions; k = \(configuration.topK)")
        try TopKPublisher(k: configuration.topK).publishAll(model, modelVersion: modelVersion, connection: connection, progress: log)
    }
}
