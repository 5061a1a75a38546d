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
    public var transitions: [TransitionRow] = []
    /// Every tried transition weight's hits, when the batch tested them.
    public var blendTuning: [BlendTuningRow] = []
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
    /// Whether the batch commits records noted as suspects (`CrashGuardRepository`):
    /// its transaction deletes the notes its offsets pass.
    public var clearsSuspects = false
    /// Whether the batch also forgets every partition's count of starts from the same offset.
    public var clearsStarts = false

    public init() {}
}

/// Commits a batch's state changes and its Kafka offsets in one PostgreSQL
/// transaction (offsets last).
public struct BatchTransaction {
    public let connection: PostgresConnection
    /// The longest one statement of a fenced batch may run: far beyond any
    /// batch's, short enough that a writer paused inside a COPY frees the
    /// leadership row within a minute.
    public static let statementTimeoutMs = 60_000

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Writes `writes` in one transaction. With `epoch`, the transaction first
    /// reads the writer epoch `for share` and throws `WriterFenced`, writing
    /// nothing, when it is not `epoch`; a takeover, which updates that row,
    /// waits for the transaction or comes before it. So that a paused writer
    /// cannot hold a takeover back for long, the server ends the transaction
    /// when it idles longer than `idleTimeoutMs` or a statement runs longer
    /// than `statementTimeoutMs`.
    public func commit(_ writes: BatchWrites, fencedBy epoch: Int64? = nil, idleTimeoutMs: Int = 5_000) throws {
        let state = StateRepository(connection: connection)
        try connection.transaction {
            if let epoch { try checkEpoch(epoch, idleTimeoutMs: idleTimeoutMs) }
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
            try state.appendTransitions(writes.transitions, modelVersion: writes.modelVersion)
            try state.saveBlendTuning(writes.blendTuning)
            try state.insertDeadLetters(writes.deadLetters)
            try state.recordEventIDs(writes.eventIDs)
            try state.saveOffsets(writes.offsets)
            let guardNotes = CrashGuardRepository(connection: connection)
            if writes.clearsSuspects { try guardNotes.clearSuspects() }
            if writes.clearsStarts { try guardNotes.clearStarts() }
        }
    }

    /// Folds the stored transition rows (`StateRepository.compactTransitions`)
    /// when `epoch` is the writer epoch: a daemon that lost the lead starts
    /// none. The epoch row is not held, so a takeover need not wait for a
    /// long rewrite; one that finishes after a takeover is harmless, as it
    /// keeps every pair's count and leaves the new writer's rows alone.
    public func compactTransitions(fencedBy epoch: Int64) throws -> (before: Int, after: Int) {
        try connection.transaction {
            let stored = try connection.execute("select epoch from leadership").text(row: 0, column: 0).flatMap { Int64($0) }
            guard stored == epoch else { throw WriterFenced(epoch: epoch, storedEpoch: stored) }
            return try StateRepository(connection: connection).compactTransitions()
        }
    }

    /// Reads the writer epoch `for share` and throws `WriterFenced` when it
    /// is not `epoch`; sets this transaction's timeouts, in the same round trip.
    private func checkEpoch(_ epoch: Int64, idleTimeoutMs: Int) throws {
        let stored = try connection.execute(
            """
            select epoch, set_config('idle_in_transaction_session_timeout', $1, true), set_config('statement_timeout', $2, true)
            from leadership for share
            """, ["\(idleTimeoutMs)ms", "\(Self.statementTimeoutMs)ms"]
        ).text(row: 0, column: 0).flatMap { Int64($0) }
        guard stored == epoch else { throw WriterFenced(epoch: epoch, storedEpoch: stored) }
    }
}

/// The database's writer epoch is not the writer's: another daemon took the
/// lead, and this one must not write.
public struct WriterFenced: Error, CustomStringConvertible, Sendable {
    public var epoch: Int64
    public var storedEpoch: Int64?

    public var description: String {
        "another daemon leads this database (writer epoch \(storedEpoch.map(String.init) ?? "none"), this daemon's \(epoch)): this one stops writing"
    }
}
