/// The tables the repositories write in bulk, each with the row type that
/// fills it and what a batch does to a row stored already.
enum BulkTables {
    /// Users never change once created.
    static let users = BulkTable<UserRow>(name: "users", conflict: .keep(key: ["id"]))
    static let items = BulkTable<ItemRow>(name: "items", conflict: .update(key: ["id"], keeping: ["external_id"]))
    /// Absolute totals, not increments: a batch written twice cannot count twice.
    static let interactions = BulkTable<InteractionRow>(name: "interactions", conflict: .update(key: ["user_id", "item_id"]))
    static let centroids = BulkTable<CentroidRow>(name: "centroids", conflict: .update(key: ["kind", "key"]))
    /// Appended: each row holds the weight one batch added (`StateRepository.appendTransitions`).
    static let transitions = BulkTable<TransitionRow>(name: "item_transitions", conflict: .none)
    static let blendTuning = BulkTable<BlendTuningRow>(
        name: "blend_tuning", conflict: .update(key: ["popularity_weight", "transition_weight"]))
    static let offsets = BulkTable<PartitionOffset>(
        name: "consumer_offsets", conflict: .update(key: ["topic", "partition"], touching: "updated_at"))
    static let deadLetters = BulkTable<DeadLetter>(name: "dead_letters", conflict: .none)
    static let eventIDBatches = BulkTable<EventIDBatchRow>(name: "processed_event_batches", conflict: .none)
    static let popularItems = BulkTable<PopularItemRow>(name: "popular_items", conflict: .none)
    static let userLists = lists("user_recommendation_lists", idColumn: "user_id")
    static let relatedLists = lists("item_related_lists", idColumn: "item_id")

    static func embeddings(_ side: EmbeddingSide) -> BulkTable<VectorRow> {
        switch side {
        case .user: return userEmbeddings
        case .item: return itemEmbeddings
        }
    }

    private static let userEmbeddings = embeddings("user_embeddings", idColumn: "user_id")
    private static let itemEmbeddings = embeddings("item_embeddings", idColumn: "item_id")

    private static func embeddings(_ name: String, idColumn: String) -> BulkTable<VectorRow> {
        BulkTable(name: name, idColumn: idColumn, conflict: .update(key: [idColumn], touching: "updated_at"))
    }

    /// A list never replaces one of a newer model version.
    private static func lists(_ name: String, idColumn: String) -> BulkTable<ListRow> {
        BulkTable(
            name: name, idColumn: idColumn,
            conflict: .update(key: [idColumn], touching: "generated_at", onlyIf: "\(name).model_version <= excluded.model_version"))
    }
}
