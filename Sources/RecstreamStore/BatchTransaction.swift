/// Everything one consumed batch changes, written atomically: if any part
/// fails, nothing is written and the offsets stay where they were, so the
/// batch is consumed again from the same position.
public struct BatchWrites: Sendable {
    /// New users (stored users never change).
    public var users: [UserRow] = []
    public var items: [ItemRow] = []
    public var interactions: [InteractionRow] = []
    public var userVectors: [VectorRow] = []
    public var itemVectors: [VectorRow] = []
    public var centroids: [CentroidRow] = []
    public var deadLetters: [DeadLetter] = []
    /// Ids of the events applied, for duplicate detection.
    public var eventIDs: [String] = []
    /// The next offset of every partition the batch read.
    public var offsets: [PartitionOffset] = []
    /// The model version after the batch: its vectors carry it, and so do the
    /// lists published for it.
    public var modelVersion: Int64 = 0
    /// The model's dimension and hyperparameters (JSON), when the batch
    /// records them (`model_metadata`, written first: vectors are checked
    /// against its dimension).
    public var metadata: (dimension: Int, hyperparameters: String)?

    public init() {}
}

/// Commits a batch's state changes and its Kafka offsets in one PostgreSQL
/// transaction (offsets last).
public struct BatchTransaction {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public func commit(_ writes: BatchWrites) throws {
        let state = StateRepository(connection: connection)
        try connection.transaction {
            if let metadata = writes.metadata {
                try state.saveMetadata(
                    dimension: metadata.dimension, hyperparameters: metadata.hyperparameters, modelVersion: writes.modelVersion)
            }
            try state.insertUsers(writes.users)
            try state.upsertItems(writes.items)
            try state.upsertInteractions(writes.interactions)
            try state.upsertVectors(writes.userVectors, side: .user)
            try state.upsertVectors(writes.itemVectors, side: .item)
            try state.upsertCentroids(writes.centroids)
            try state.insertDeadLetters(writes.deadLetters)
            try state.recordEventIDs(writes.eventIDs)
            try state.saveOffsets(writes.offsets)
        }
    }
}
