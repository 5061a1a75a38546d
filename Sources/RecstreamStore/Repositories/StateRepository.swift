/// The daemon's durable state: entities, interactions, embeddings,
/// centroids, dead letters, the duplicate window and Kafka offsets. Writes
/// are bulk (`BulkTables`: binary COPY, merged through a staging table where
/// rows may exist already) and must run inside a transaction;
/// `BatchTransaction` puts one batch's writes in one. It holds no state of
/// its own: use it on the thread that owns the connection.
public struct StateRepository: Sendable {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    // MARK: Writes

    /// Inserts new users (a user already stored under its id stays as it is).
    public func insertUsers(_ rows: [UserRow]) throws {
        try connection.write(rows, into: BulkTables.users)
    }

    public func upsertItems(_ rows: [ItemRow]) throws {
        try connection.write(rows, into: BulkTables.items)
    }

    /// Writes each pair's accumulated weight and recency as the model holds
    /// them (absolute values: replaying a batch cannot double-count).
    public func upsertInteractions(_ rows: [InteractionRow]) throws {
        try connection.write(rows, into: BulkTables.interactions)
    }

    public func upsertVectors(_ rows: [VectorRow], side: EmbeddingSide) throws {
        try connection.write(rows, into: BulkTables.embeddings(side))
    }

    public func upsertCentroids(_ rows: [CentroidRow]) throws {
        try connection.write(rows, into: BulkTables.centroids)
    }

    /// Appends the weights one batch added to its steps, all of
    /// `modelVersion`, unless a batch of that version or a later one was
    /// written already: a batch written twice (a retry after a commit whose
    /// acknowledgement was lost) counts once.
    public func appendTransitions(_ rows: [TransitionRow], modelVersion: Int64) throws {
        guard !rows.isEmpty else { return }
        precondition(rows.allSatisfy { $0.modelVersion == modelVersion }, "a batch appends rows of its own version")
        let newest = try connection.execute("select max(model_version) from item_transitions").text(row: 0, column: 0).flatMap { Int64($0) }
        if let newest, newest >= modelVersion { return }
        try connection.write(rows, into: BulkTables.transitions)
    }

    /// Folds each pair's rows into one (the sum of their weights, the newest
    /// of their versions), in one statement: the rows appended meanwhile by
    /// other transactions are left as they are, and every pair's sum stays
    /// what it was. Returns the rows before and after.
    public func compactTransitions() throws -> (before: Int, after: Int) {
        let result = try connection.execute(
            """
            with folded as (delete from item_transitions returning from_item, to_item, weight, model_version),
            inserted as (
                insert into item_transitions (from_item, to_item, weight, model_version)
                select from_item, to_item, sum(weight), max(model_version) from folded group by from_item, to_item
                returning 1)
            select (select count(*) from folded), (select count(*) from inserted)
            """)
        return (Int(result.text(row: 0, column: 0) ?? "") ?? 0, Int(result.text(row: 0, column: 1) ?? "") ?? 0)
    }

    public func saveBlendTuning(_ rows: [BlendTuningRow]) throws {
        try connection.write(rows, into: BulkTables.blendTuning)
    }

    public func insertDeadLetters(_ rows: [DeadLetter]) throws {
        try connection.write(rows, into: BulkTables.deadLetters)
    }

    /// Remembers the event ids one batch applied (one row per batch).
    public func recordEventIDs(_ ids: [String]) throws {
        guard !ids.isEmpty else { return }
        try connection.write([EventIDBatchRow(ids: ids)], into: BulkTables.eventIDBatches)
    }

    /// Forgets the batches whose ids all lie beyond the newest `keep` ids.
    public func trimEventIDs(keep: Int) throws {
        try connection.execute(
            """
            delete from processed_event_batches b using (
                select seq, sum(cardinality(event_ids)) over (order by seq desc) - cardinality(event_ids) as newer
                from processed_event_batches) w
            where b.seq = w.seq and w.newer >= $1
            """, [String(keep)])
    }

    public func saveOffsets(_ rows: [PartitionOffset]) throws {
        try connection.write(rows, into: BulkTables.offsets)
    }

    /// Records the model's dimension, hyperparameters (JSON) and version.
    public func saveMetadata(dimension: Int, hyperparameters json: String, modelVersion: Int64) throws {
        try connection.execute(
            """
            insert into model_metadata (dimension, hyperparameters, model_version) values ($1, $2::jsonb, $3)
            on conflict (singleton) do update set dimension = excluded.dimension, hyperparameters = excluded.hyperparameters,
                model_version = excluded.model_version, updated_at = now()
            """,
            [String(dimension), json, String(modelVersion)])
    }

    // MARK: Reads

    public func loadUsers() throws -> [UserRow] {
        try connection.read(BulkTables.users, "order by id")
    }

    public func loadItems() throws -> [ItemRow] {
        try connection.read(BulkTables.items, "order by id")
    }

    /// Every pair, each user's in the order of its last events.
    public func loadInteractions() throws -> [InteractionRow] {
        try connection.read(BulkTables.interactions, "order by user_id, last_sequence, item_id")
    }

    public func loadVectors(side: EmbeddingSide) throws -> [VectorRow] {
        let table = BulkTables.embeddings(side)
        return try connection.read(table, "order by \(table.idColumn)")
    }

    public func loadCentroids() throws -> [CentroidRow] {
        try connection.read(BulkTables.centroids, "order by kind, key")
    }

    /// Every stored transition row, in no particular order: a pair may have
    /// several, and its count is the sum of their weights.
    public func loadTransitions() throws -> [TransitionRow] {
        try connection.read(BulkTables.transitions, "")
    }

    public func loadBlendTuning() throws -> [BlendTuningRow] {
        try connection.read(BulkTables.blendTuning, "order by popularity_weight, transition_weight")
    }

    public func loadOffsets() throws -> [PartitionOffset] {
        try connection.read(BulkTables.offsets, "order by topic, partition")
    }

    public func loadDeadLetters(limit: Int = 1000) throws -> [DeadLetter] {
        try connection.read(BulkTables.deadLetters, "order by id limit \(max(0, limit))")
    }

    /// The newest `limit` event ids, oldest first.
    public func loadRecentEventIDs(limit: Int) throws -> [String] {
        guard limit > 0 else { return [] }
        let ids = try connection.copyRows(
            """
            select e.id from (
                select seq, event_ids, sum(cardinality(event_ids)) over (order by seq desc) - cardinality(event_ids) as newer
                from processed_event_batches) w
            cross join lateral unnest(w.event_ids) with ordinality as e(id, position)
            where w.newer < \(limit) order by w.seq, e.position
            """
        ) { reader in
            try reader.readString().required("processed_event_batches.event_ids")
        }
        return Array(ids.suffix(limit))
    }

    /// (dimension, hyperparameters JSON, model version), nil before the first save.
    public func loadMetadata() throws -> (dimension: Int, hyperparameters: String, modelVersion: Int64)? {
        let result = try connection.execute("select dimension, hyperparameters::text, model_version from model_metadata")
        guard result.rowCount == 1 else { return nil }
        return (Int(result.text(row: 0, column: 0)!)!, result.text(row: 0, column: 1)!, Int64(result.text(row: 0, column: 2)!)!)
    }
}
