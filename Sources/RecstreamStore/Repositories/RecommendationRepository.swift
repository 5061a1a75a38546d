/// The relations app backends read: user recommendations, related items and
/// popular items, keyed by external ids. Each list is one row, replaced
/// whole, so a reader never sees half a list. Lists are written with row ids
/// of items (cheaper for the server to receive) and read through views that
/// give the external ids back, so a list's items must be stored before it.
/// It holds no state of its own: use it on the thread that owns the connection.
public struct RecommendationRepository: Sendable {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Lets the transaction in progress commit without waiting for its WAL
    /// to reach the disk (`synchronous_commit = off` for it alone). Lists
    /// are derived from state committed before them: a server crash can
    /// lose the lists of its last fraction of a second (never the state or
    /// the offsets, which stay synchronous), and the next refresh of those
    /// users, or the next full recompute, publishes them again.
    public func commitWithoutWaitingForDisk() throws {
        try connection.execute("set local synchronous_commit = off")
    }

    /// Upserts users' lists (inside a transaction); a stored list of a
    /// newer model version stays.
    public func publishUserLists(_ lists: [ListRow]) throws {
        try connection.write(lists, into: BulkTables.userLists)
    }

    /// Upserts items' related lists (inside a transaction), as `publishUserLists`.
    public func publishRelatedLists(_ lists: [ListRow]) throws {
        try connection.write(lists, into: BulkTables.relatedLists)
    }

    /// Replaces the popular list (inside a transaction: readers see the old
    /// list or the new one).
    public func replacePopular(itemIDs: [String], scores: [Float], modelVersion: Int64) throws {
        precondition(itemIDs.count == scores.count)
        try connection.execute("delete from popular_items")
        try connection.write(
            zip(itemIDs, scores).enumerated().map { rank, entry in
                PopularItemRow(rank: Int32(rank + 1), itemID: entry.0, score: entry.1, modelVersion: modelVersion)
            },
            into: BulkTables.popularItems)
    }

    /// A user's list as an app reads it, nil when there is none.
    public func userList(_ userID: String) throws -> RankedList? {
        try list(table: "user_recommendations", idColumn: "user_id", id: userID)
    }

    /// An item's related list, nil when there is none.
    public func relatedList(_ itemID: String) throws -> RankedList? {
        try list(table: "item_related", idColumn: "item_id", id: itemID)
    }

    /// The popular items, best first.
    public func popular() throws -> RankedList {
        let result = try connection.execute("select item_id, score from popular_items order by rank")
        return RankedList(
            id: "popular", itemIDs: (0..<result.rowCount).map { result.text(row: $0, column: 0)! },
            scores: (0..<result.rowCount).map { Float(result.text(row: $0, column: 1)!)! })
    }

    private func list(table: String, idColumn: String, id: String) throws -> RankedList? {
        let result = try connection.execute(
            """
            select t.item_id, t.score from \(table) r
            cross join lateral unnest(r.item_ids, r.scores) with ordinality as t(item_id, score, rank)
            where r.\(idColumn) = $1 order by t.rank
            """, [id])
        if result.rowCount == 0 {
            // No rows: an empty list, or no list at all.
            guard try connection.execute("select 1 from \(table) where \(idColumn) = $1", [id]).rowCount > 0 else { return nil }
        }
        return RankedList(
            id: id, itemIDs: (0..<result.rowCount).map { result.text(row: $0, column: 0)! },
            scores: (0..<result.rowCount).map { Float(result.text(row: $0, column: 1)!)! })
    }
}
