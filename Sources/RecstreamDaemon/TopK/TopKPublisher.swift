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
    func userLists(_ model: RecommenderModel, rows: [Int32]) -> [RankedList] {
        zip(rows, model.recommend(userRows: rows, k: k)).map { row, list in
            RankedList(id: model.users.ids[Int(row)], itemIDs: list.items.map { model.items.ids[Int($0)] }, scores: list.scores)
        }
    }

    /// Each item's k most similar other items by cosine.
    func relatedLists(_ model: RecommenderModel, rows: [Int32]) -> [RankedList] {
        zip(rows, model.related(itemRows: rows, k: k)).map { row, list in
            RankedList(id: model.items.ids[Int(row)], itemIDs: list.items.map { model.items.ids[Int($0)] }, scores: list.scores)
        }
    }

    /// Publishes the lists of `rows` (and the popular list) in one transaction.
    func publishUsers(_ model: RecommenderModel, rows: [Int32], modelVersion: Int64, connection: PostgresConnection) throws {
        let lists = userLists(model, rows: rows)
        let popular = model.popular(k: k)
        let repository = RecommendationRepository(connection: connection)
        try connection.transaction {
            try repository.publishUserLists(lists, modelVersion: modelVersion)
            try repository.replacePopular(
                itemIDs: popular.items.map { model.items.ids[Int($0)] }, scores: popular.scores, modelVersion: modelVersion)
        }
    }

    /// Every user's and every item's list, chunk by chunk; `progress` hears
    /// how far it got. One recompute at a time per database (advisory lock).
    func publishAll(
        _ model: RecommenderModel, modelVersion: Int64, connection: PostgresConnection, progress: (String) -> Void
    ) throws {
        let locked = try connection.execute("select pg_try_advisory_lock($1)", [String(Self.lockKey)]).text(row: 0, column: 0)
        guard locked == "t" else { throw TopKBusy() }
        defer { _ = try? connection.execute("select pg_advisory_unlock($1)", [String(Self.lockKey)]) }
        let users = Array(0..<Int32(model.users.count))
        for start in stride(from: 0, to: users.count, by: chunk) {
            try publishUsers(model, rows: Array(users[start..<min(start + chunk, users.count)]), modelVersion: modelVersion, connection: connection)
            progress("user lists: \(min(start + chunk, users.count)) of \(users.count)")
        }
        let items = Array(0..<Int32(model.items.count))
        let repository = RecommendationRepository(connection: connection)
        for start in stride(from: 0, to: items.count, by: chunk) {
            let lists = relatedLists(model, rows: Array(items[start..<min(start + chunk, items.count)]))
            try connection.transaction { try repository.publishRelatedLists(lists, modelVersion: modelVersion) }
            progress("related lists: \(min(start + chunk, items.count)) of \(items.count)")
        }
    }

    /// The advisory lock of full recomputes ("recstrmk").
    static let lockKey: Int64 = 0x7265_6373_7472_6D6B
}

/// Another full recompute holds the lock.
struct TopKBusy: Error, CustomStringConvertible {
    var description: String { "another full top-k recompute is running on this database" }
}
