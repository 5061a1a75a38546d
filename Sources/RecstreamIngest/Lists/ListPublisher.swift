import RecstreamModel
import RecstreamStore

/// Turns the model's top-k into the rows apps read and writes them through
/// `RecommendationRepository`: one row per list, replaced whole, so a reader
/// never sees half a list and a table is never emptied.
struct ListPublisher: Sendable {
    var k: Int
    /// Lists per top-k block and per publishing transaction.
    var chunk = 10_000

    /// Each user's top-k (own items excluded, popularity prior added), by
    /// exhaustive scoring, or by the `probes` best `clusters` when given.
    func userLists(
        _ model: RecommenderModel, rows: [Int32], modelVersion: Int64, clusters: ItemClusters? = nil, probes: Int = 0
    ) -> [ListRow] {
        let lists =
            clusters.map { model.recommend(userRows: rows, k: k, clusters: $0, probes: probes) } ?? model.recommend(userRows: rows, k: k)
        return zip(rows, lists).map { row, list in
            ListRow(id: model.users.ids[Int(row)], itemRows: list.items.map(Int64.init), scores: list.scores, modelVersion: modelVersion)
        }
    }

    /// Each item's k most similar other items by cosine.
    func relatedLists(_ model: RecommenderModel, rows: [Int32], modelVersion: Int64) -> [ListRow] {
        zip(rows, model.related(itemRows: rows, k: k)).map { row, list in
            ListRow(id: model.items.ids[Int(row)], itemRows: list.items.map(Int64.init), scores: list.scores, modelVersion: modelVersion)
        }
    }

    /// Users' lists with the popular list, computed from one model version, ready to publish.
    struct UserListUpdate: Sendable {
        var lists: [ListRow]
        var popular: RankedList
        var modelVersion: Int64
    }

    /// The lists of `rows` (as `userLists` scores them) and the popular list, computed now.
    func userUpdate(
        _ model: RecommenderModel, rows: [Int32], modelVersion: Int64, clusters: ItemClusters? = nil, probes: Int = 0
    ) -> UserListUpdate {
        let popular = model.popular(k: k)
        return UserListUpdate(
            lists: userLists(model, rows: rows, modelVersion: modelVersion, clusters: clusters, probes: probes),
            popular: RankedList(id: "", itemIDs: popular.items.map { model.items.ids[Int($0)] }, scores: popular.scores),
            modelVersion: modelVersion)
    }

    /// Writes an update in one transaction.
    func publish(_ update: UserListUpdate, connection: PostgresConnection) throws {
        let repository = RecommendationRepository(connection: connection)
        try connection.transaction {
            try repository.commitWithoutWaitingForDisk()
            try repository.publishUserLists(update.lists)
            try repository.replacePopular(itemIDs: update.popular.itemIDs, scores: update.popular.scores, modelVersion: update.modelVersion)
        }
    }

    /// Computes and writes the related lists of `rows` in one transaction.
    func publishRelated(_ model: RecommenderModel, rows: [Int32], modelVersion: Int64, connection: PostgresConnection) throws {
        let lists = relatedLists(model, rows: rows, modelVersion: modelVersion)
        let repository = RecommendationRepository(connection: connection)
        try connection.transaction {
            try repository.commitWithoutWaitingForDisk()
            try repository.publishRelatedLists(lists)
        }
    }
}
