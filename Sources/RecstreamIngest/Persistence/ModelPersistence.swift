import Foundation
public import RecstreamModel
public import RecstreamStore

/// Between the in-memory model and PostgreSQL: loading it at start, the
/// rows of what a batch changed, and saving it whole after offline training.
public enum ModelPersistence {
    /// The stored model, or a new one for an empty database; refuses a
    /// stored dimension other than the configured one.
    public static func load(_ state: StateRepository, configuration: ModelConfiguration) throws -> RecommenderModel {
        try loadCountingTransitionRows(state, configuration: configuration).model
    }

    /// `load`, with the number of transition rows it read (what
    /// `TransitionCompaction` starts from).
    static func loadCountingTransitionRows(
        _ state: StateRepository, configuration: ModelConfiguration
    ) throws -> (model: RecommenderModel, transitionRows: Int) {
        if let metadata = try state.loadMetadata(), metadata.dimension != configuration.dimension {
            throw ModelRestoreError(
                reason: "the database holds a model of dimension \(metadata.dimension); model.dimension is \(configuration.dimension)")
        }
        var snapshot = ModelSnapshot()
        let users = try state.loadUsers()
        let items = try state.loadItems()
        for (index, user) in users.enumerated() where user.id != Int64(index) {
            throw ModelRestoreError(reason: "user ids are not dense: \(user.id) at position \(index)")
        }
        for (index, item) in items.enumerated() where item.id != Int64(index) {
            throw ModelRestoreError(reason: "item ids are not dense: \(item.id) at position \(index)")
        }
        snapshot.items = items.map { ($0.externalID, ItemProfile(categories: $0.categories, uploader: $0.uploader)) }
        snapshot.interactions = try state.loadInteractions().map { (Int32($0.user), Int32($0.item), $0.weight, $0.lastSequence) }
        // Every event sets its pair's lastSequence to the user's counter before
        // the event, so the counter is one more than the largest of them.
        var eventCounts = [Int64](repeating: 0, count: users.count)
        for pair in snapshot.interactions where Int(pair.user) < users.count {
            eventCounts[Int(pair.user)] = max(eventCounts[Int(pair.user)], pair.lastSequence + 1)
        }
        snapshot.users = zip(users, eventCounts).map { ($0.externalID, $1) }
        for row in try state.loadVectors(side: .user) { snapshot.userVectors[Int32(row.id)] = row.vector }
        for row in try state.loadVectors(side: .item) { snapshot.itemVectors[Int32(row.id)] = row.vector }
        snapshot.transitions = try state.loadTransitions().map { (Int32($0.from), Int32($0.to), $0.weight) }
        // The tuning of another grid (an upgrade that changed it) starts over.
        let tuning = try state.loadBlendTuning()
        let grid = BlendTuner(configuration: configuration).grid
        if tuning.map({ BlendWeights(popularity: $0.popularityWeight, transitions: $0.transitionWeight) }) == grid,
            let current = tuning.firstIndex(where: \.chosen)
        {
            snapshot.blend = (tuning.map(\.hits), tuning.map(\.wins), current, Int(tuning[current].tests))
        }
        return (try RecommenderModel(configuration: configuration, restoring: snapshot), snapshot.transitions.count)
    }

    /// The version that published lists and written vectors carry: the
    /// number of engagement events the model has learned.
    public static func version(of model: RecommenderModel) -> Int64 {
        model.interactions.userEventCounts.reduce(0, +)
    }

    /// The configuration as `model_metadata` records it: every key's value as text, in JSON.
    static func hyperparameters(_ configuration: ModelConfiguration) -> String {
        let object = Dictionary(
            uniqueKeysWithValues: ModelConfiguration.configurationTable.values(configuration).map { ($0.key, $0.value) })
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes every vector, the centroids and the metadata of `model` in one
    /// transaction fenced by `leadership` (after `recstream train`).
    public static func saveAll(_ model: RecommenderModel, connection: PostgresConnection, leadership: Leadership) throws -> BatchWrites {
        let changes = ModelChanges(sweptUsers: 0..<Int32(model.users.count), sweptItems: 0..<Int32(model.items.count))
        var writes = Self.writes(
            model, changes: changes, catalogItems: [], centroids: .everything, firstNewUser: Int32(model.users.count),
            firstNewItem: Int32(model.items.count), modelVersion: version(of: model))
        writes.metadata = (model.configuration.dimension, hyperparameters(model.configuration))
        try leadership.withEpoch { try BatchTransaction(connection: connection).commit(writes, fencedBy: $0) }
        return writes
    }

    /// Rows for everything `changes` touched (with the rows a sweep projected),
    /// at `modelVersion`. User rows are written when new (rows from
    /// `firstNewUser` on); item rows when new (from `firstNewItem` on) or
    /// named by a catalog event; centroid rows of the groups in `centroids`.
    /// So a batch writes what it touched, not what the catalog holds.
    static func writes(
        _ model: RecommenderModel, changes: ModelChanges, catalogItems: Set<Int32>,
        centroids changedGroups: ColdStartCentroids.ChangedGroups,
        firstNewUser: Int32, firstNewItem: Int32, modelVersion: Int64
    ) -> BatchWrites {
        var writes = BatchWrites()
        writes.modelVersion = modelVersion
        writes.users = (firstNewUser..<Int32(model.users.count)).map { row in
            UserRow(id: Int64(row), externalID: model.users.ids[Int(row)])
        }
        let touchedItems = Set(changes.pairs.map(\.item)).union(catalogItems)
        let newOrProfiled = catalogItems.union(firstNewItem..<Int32(model.items.count))
        writes.items = newOrProfiled.sorted().map { row in
            let profile = model.profiles[Int(row)]
            return ItemRow(
                id: Int64(row), externalID: model.items.ids[Int(row)], categories: profile.categories, uploader: profile.uploader)
        }
        writes.interactions = changes.pairs.sorted { ($0.user, $0.item) < ($1.user, $1.item) }.compactMap { pair in
            model.interactions.pair(user: pair.user, item: pair.item).map {
                InteractionRow(user: Int64(pair.user), item: Int64(pair.item), weight: $0.weight, lastSequence: $0.lastSequence)
            }
        }
        let userRows = changes.users.union(changes.sweptUsers).sorted()
        let itemRows = changes.items.union(touchedItems).union(changes.sweptItems).sorted()
        writes.userVectors = userRows.map { VectorRow(id: Int64($0), vector: model.userFactors.vector(Int($0)), version: modelVersion) }
        writes.itemVectors = itemRows.map { VectorRow(id: Int64($0), vector: model.itemFactors.vector(Int($0)), version: modelVersion) }
        writes.centroids = centroidRows(model.centroids, changedGroups)
        writes.transitions = changes.transitions.sorted { ($0.key.from, $0.key.to) < ($1.key.from, $1.key.to) }.map { step, added in
            TransitionRow(from: Int64(step.from), to: Int64(step.to), weight: added, modelVersion: modelVersion)
        }
        if changes.blendTested {
            let blend = model.blend
            writes.blendTuning = blend.grid.indices.map { index in
                BlendTuningRow(
                    popularityWeight: blend.grid[index].popularity, transitionWeight: blend.grid[index].transitions,
                    hits: blend.hits[index], wins: blend.wins[index], chosen: index == blend.current, tests: Int64(blend.tests))
            }
        }
        return writes
    }

    /// The rows of the centroid groups in `changed`, sorted by kind and key.
    static func centroidRows(_ centroids: ColdStartCentroids, _ changed: ColdStartCentroids.ChangedGroups) -> [CentroidRow] {
        func rows(_ groups: [String: ColdStartCentroids.Group], _ keys: Set<String>, _ kind: CentroidRow.Kind) -> [CentroidRow] {
            let selected = changed.all ? Array(groups.keys) : keys.filter { groups[$0] != nil }
            return selected.sorted().map { CentroidRow(kind: kind, key: $0, sum: groups[$0]!.sum, count: groups[$0]!.count) }
        }
        let global =
            changed.all || changed.global
            ? [CentroidRow(kind: .global, key: "", sum: centroids.global.sum, count: centroids.global.count)] : []
        return rows(centroids.categories, changed.categories, .category) + rows(centroids.uploaders, changed.uploaders, .uploader) + global
    }
}
