import RecstreamModel
import RecstreamStore

/// Turns the model's top-k into the rows apps read: lists by external ids,
/// written through `RecommendationRepository` (one row per list, replaced
/// whole, so a reader never sees half a list and a table is never emptied).
struct TopKPublisher {
    var k: Int
    /// Users per top-k block and per publishing transaction.
    var chunk = 10_000

    /// Each user's top-k (own items excluded, popularity prior added).
    func userLists(_ model: RecommenderModel, rows: [Int32]) -> [ListRow] {
        zip(rows, model.recommend(userRows: rows, k: k)).map { row, list in
            ListRow(id: model.users.ids[Int(row)], itemRows: list.items.map(Int64.init), scores: list.scores)
        }
    }

    /// Each item's k most similar other items by cosine.
    func relatedLists(_ model: RecommenderModel, rows: [Int32]) -> [ListRow] {
        zip(rows, model.related(itemRows: rows, k: k)).map { row, list in
            ListRow(id: model.items.ids[Int(row)], itemRows: list.items.map(Int64.init), scores: list.scores)
        }
    }

    /// Users' lists with the popular list, computed from the model, ready to publish.
    struct UserListUpdate: Sendable {
        var lists: [ListRow]
        var popular: RankedList
    }

    /// The lists of `rows` and the popular list, computed now.
    func userUpdate(_ model: RecommenderModel, rows: [Int32]) -> UserListUpdate {
        let popular = model.popular(k: k)
        return UserListUpdate(
            lists: userLists(model, rows: rows),
            popular: RankedList(id: "", itemIDs: popular.items.map { model.items.ids[Int($0)] }, scores: popular.scores))
    }

    /// Writes an update in one transaction.
    func publish(_ update: UserListUpdate, modelVersion: Int64, connection: PostgresConnection) throws {
        let repository = RecommendationRepository(connection: connection)
        try connection.transaction {
            try repository.publishUserLists(update.lists, modelVersion: modelVersion)
            try repository.replacePopular(itemIDs: update.popular.itemIDs, scores: update.popular.scores, modelVersion: modelVersion)
        }
    }

    /// Computes and publishes the lists of `rows` (and the popular list) in one transaction.
    func publishUsers(_ model: RecommenderModel, rows: [Int32], modelVersion: Int64, connection: PostgresConnection) throws {
        try publish(userUpdate(model, rows: rows), modelVersion: modelVersion, connection: connection)
    }

    /// Every user's and every item's list, slice by slice; `progress`
    /// hears how far it got. One recompute at a time per database.
    func publishAll(
        _ model: RecommenderModel, modelVersion: Int64, connection: PostgresConnection, progress: (String) -> Void
    ) throws {
        try Self.lock(connection)
        defer { Self.unlock(connection) }
        var sweep = TopKSweep(publisher: self)
        while try !sweep.publishNextSlice(model, modelVersion: modelVersion, connection: connection, progress: progress) {}
    }

    /// Takes the database's full-recompute lock for this session, or throws `TopKBusy`.
    static func lock(_ connection: PostgresConnection) throws {
        let locked = try connection.execute("select pg_try_advisory_lock($1)", [String(lockKey)]).text(row: 0, column: 0)
        guard locked == "t" else { throw TopKBusy() }
    }

    static func unlock(_ connection: PostgresConnection) {
        _ = try? connection.execute("select pg_advisory_unlock($1)", [String(lockKey)])
    }

    /// The advisory lock of full recomputes ("recstrmk").
    static let lockKey: Int64 = 0x7265_6373_7472_6D6B
}

/// Another full recompute holds the lock.
struct TopKBusy: Error, CustomStringConvertible {
    var description: String { "another full top-k recompute is running on this database" }
}
