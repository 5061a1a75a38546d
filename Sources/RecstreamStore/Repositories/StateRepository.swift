/// The daemon's durable state: entities, interactions, embeddings,
/// centroids, dead letters and Kafka offsets. Writes are bulk (binary COPY
/// into a staging table, then one upsert) and must run inside a transaction;
/// `BatchTransaction` puts one batch's writes in one.
public struct StateRepository: Sendable {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    // MARK: Writes

    /// Inserts new users (a user already stored under its id stays as it is:
    /// users never change once created).
    public func insertUsers(_ rows: [UserRow]) throws {
        try connection.copyMerge(
            into: "users", columns: ["id", "external_id"], conflict: "on conflict (id) do nothing", rows: rows.count
        ) { writer in
            for row in rows {
                writer.beginRow(fieldCount: 2)
                writer.append(row.id)
                writer.append(row.externalID)
            }
        }
    }

    public func upsertItems(_ rows: [ItemRow]) throws {
        try connection.copyMerge(
            into: "items", columns: ["id", "external_id", "categories", "uploader", "title"],
            conflict: "on conflict (id) do update set categories = excluded.categories, uploader = excluded.uploader, title = excluded.title",
            rows: rows.count
        ) { writer in
            for row in rows {
                writer.beginRow(fieldCount: 5)
                writer.append(row.id)
                writer.append(row.externalID)
                writer.append(textArray: row.categories)
                if let uploader = row.uploader { writer.append(uploader) } else { writer.appendNull() }
                if let title = row.title { writer.append(title) } else { writer.appendNull() }
            }
        }
    }

    /// Writes each pair's accumulated weight and recency as the model holds
    /// them (absolute values: replaying a batch cannot double-count).
    public func upsertInteractions(_ rows: [InteractionRow]) throws {
        try connection.copyMerge(
            into: "interactions", columns: ["user_id", "item_id", "weight", "last_sequence"],
            conflict: "on conflict (user_id, item_id) do update set weight = excluded.weight, last_sequence = excluded.last_sequence",
            rows: rows.count
        ) { writer in
            for row in rows {
                writer.beginRow(fieldCount: 4)
                writer.append(row.user)
                writer.append(row.item)
                writer.append(row.weight)
                writer.append(row.lastSequence)
            }
        }
    }

    public func upsertVectors(_ rows: [VectorRow], side: EmbeddingSide, version: Int64) throws {
        try connection.copyMerge(
            into: side.table, columns: [side.idColumn, "vector", "version"],
            conflict: "on conflict (\(side.idColumn)) do update set vector = excluded.vector, version = excluded.version, updated_at = now()",
            rows: rows.count
        ) { writer in
            for row in rows {
                writer.beginRow(fieldCount: 3)
                writer.append(row.id)
                writer.append(realArray: row.vector)
                writer.append(version)
            }
        }
    }

    public func upsertCentroids(_ rows: [CentroidRow]) throws {
        try connection.copyMerge(
            into: "centroids", columns: ["kind", "key", "vector_sum", "member_count"],
            conflict: "on conflict (kind, key) do update set vector_sum = excluded.vector_sum, member_count = excluded.member_count",
            rows: rows.count
        ) { writer in
            for row in rows {
                writer.beginRow(fieldCount: 4)
                writer.append(row.kind.rawValue)
                writer.append(row.key)
                writer.append(doubleArray: row.sum)
                writer.append(Int32(row.count))
            }
        }
    }

    public func insertDeadLetters(_ rows: [DeadLetter]) throws {
        guard !rows.isEmpty else { return }
        var writer = BinaryCopyWriter()
        for row in rows {
            writer.beginRow(fieldCount: 6)
            writer.append(row.topic)
            writer.append(row.partition)
            writer.append(row.offset)
            if let key = row.key { writer.append(bytes: key) } else { writer.appendNull() }
            if let payload = row.payload { writer.append(bytes: payload) } else { writer.appendNull() }
            writer.append(row.reason)
        }
        try connection.copyIn(
            "copy dead_letters (topic, partition, \"offset\", key, payload, reason) from stdin (format binary)", data: writer.finish())
    }

    /// Remembers the event ids one batch applied (one row per batch).
    public func recordEventIDs(_ ids: [String]) throws {
        guard !ids.isEmpty else { return }
        var writer = BinaryCopyWriter()
        writer.beginRow(fieldCount: 1)
        writer.append(textArray: ids)
        try connection.copyIn("copy processed_event_batches (event_ids) from stdin (format binary)", data: writer.finish())
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

    public func saveOffsets(_ rows: [PartitionOffset]) throws {
        try connection.copyMerge(
            into: "consumer_offsets", columns: ["topic", "partition", "next_offset"],
            conflict: "on conflict (topic, partition) do update set next_offset = excluded.next_offset, updated_at = now()",
            rows: rows.count
        ) { writer in
            for row in rows {
                writer.beginRow(fieldCount: 3)
                writer.append(row.topic)
                writer.append(row.partition)
                writer.append(row.nextOffset)
            }
        }
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
        try connection.copyRows("select id, external_id from users order by id") { reader in
            UserRow(id: try reader.readInt64().required("users.id"), externalID: try reader.readString().required("users.external_id"))
        }
    }

    public func loadItems() throws -> [ItemRow] {
        try connection.copyRows("select id, external_id, categories, uploader, title from items order by id") { reader in
            ItemRow(
                id: try reader.readInt64().required("items.id"), externalID: try reader.readString().required("items.external_id"),
                categories: try reader.readTextArray().required("items.categories"), uploader: try reader.readString(),
                title: try reader.readString())
        }
    }

    public func loadInteractions() throws -> [InteractionRow] {
        try connection.copyRows("select user_id, item_id, weight, last_sequence from interactions order by user_id, last_sequence, item_id") { reader in
            InteractionRow(
                user: try reader.readInt64().required("interactions.user_id"), item: try reader.readInt64().required("interactions.item_id"),
                weight: try reader.readFloat().required("interactions.weight"),
                lastSequence: try reader.readInt64().required("interactions.last_sequence"))
        }
    }

    public func loadVectors(side: EmbeddingSide) throws -> [VectorRow] {
        try connection.copyRows("select \(side.idColumn), vector from \(side.table) order by \(side.idColumn)") { reader in
            VectorRow(id: try reader.readInt64().required("\(side.table).id"), vector: try reader.readRealArray().required("\(side.table).vector"))
        }
    }

    public func loadCentroids() throws -> [CentroidRow] {
        try connection.copyRows("select kind, key, vector_sum, member_count from centroids order by kind, key") { reader in
            let kind = try reader.readString().required("centroids.kind")
            return CentroidRow(
                kind: try CentroidRow.Kind(rawValue: kind).required("centroids.kind (\(kind))"), key: try reader.readString().required("centroids.key"),
                sum: try reader.readDoubleArray().required("centroids.vector_sum"),
                count: Int(try reader.readInt32().required("centroids.member_count")))
        }
    }

    public func loadOffsets() throws -> [PartitionOffset] {
        let result = try connection.execute("select topic, partition, next_offset from consumer_offsets order by topic, partition")
        return (0..<result.rowCount).map { row in
            PartitionOffset(
                topic: result.text(row: row, column: 0)!, partition: Int32(result.text(row: row, column: 1)!)!,
                nextOffset: Int64(result.text(row: row, column: 2)!)!)
        }
    }

    public func loadDeadLetters(limit: Int = 1000) throws -> [DeadLetter] {
        try connection.copyRows("select topic, partition, \"offset\", key, payload, reason from dead_letters order by id limit \(max(0, limit))") { reader in
            DeadLetter(
                topic: try reader.readString().required("dead_letters.topic"), partition: try reader.readInt32().required("dead_letters.partition"),
                offset: try reader.readInt64().required("dead_letters.offset"), key: try reader.readBytes(), payload: try reader.readBytes(),
                reason: try reader.readString().required("dead_letters.reason"))
        }
    }

    /// (dimension, hyperparameters JSON, model version), nil before the first save.
    public func loadMetadata() throws -> (dimension: Int, hyperparameters: String, modelVersion: Int64)? {
        let result = try connection.execute("select dimension, hyperparameters::text, model_version from model_metadata")
        guard result.rowCount == 1 else { return nil }
        return (Int(result.text(row: 0, column: 0)!)!, result.text(row: 0, column: 1)!, Int64(result.text(row: 0, column: 2)!)!)
    }
}
