/// The whole model the daemon keeps in memory: id maps, user and item
/// embeddings with their Gramians, the interaction history, item profiles
/// with the cold-start centroids, and decayed item popularity. `serve` and
/// `eval` both drive it through `apply(_:)`, so they share one update policy.
///
/// Item states: *fresh* (no interactions: vector from the centroids of its
/// categories and uploader), *cold* (fewer than `warmItemUsers` users:
/// projected with a pull toward that centroid vector), *warm* (projected
/// freely; its vector feeds the centroids).
///
/// A value: whoever holds it owns its state, and mutating methods run on
/// that owner's thread (in `serve`, the pipeline thread). Read-only methods
/// (`recommend`, `related`) may fan out over BLAS threads internally.
public struct RecommenderModel: Sendable {
    public let configuration: ModelConfiguration
    public internal(set) var users = EntityIndex()
    public internal(set) var items = EntityIndex()
    public internal(set) var userFactors: EmbeddingTable
    public internal(set) var itemFactors: EmbeddingTable
    public internal(set) var userGramian: Gramian
    public internal(set) var itemGramian: Gramian
    public internal(set) var interactions: InteractionStore
    public internal(set) var centroids: ColdStartCentroids

    /// The centroid groups changed since the last call (all of them after a
    /// restore or a full sweep), for storage to write.
    public mutating func takeCentroidChanges() -> ColdStartCentroids.ChangedGroups {
        centroids.takeChanges()
    }
    public internal(set) var profiles: [ItemProfile] = []
    /// Whether each item row is warm (its vector is in the centroids).
    public internal(set) var warm: [Bool] = []
    /// How many entries of `warm` are true (kept, so that no batch counts them).
    public internal(set) var warmItemCount = 0
    public internal(set) var popularity: PopularityCounter
    /// How often each item followed another in users' streams.
    public internal(set) var transitions = TransitionCounts()
    /// The blend weights learned from the stream.
    public internal(set) var blend: BlendTuner
    public internal(set) var statistics = ModelStatistics()
    var random: SplitMix64
    /// Picks the events that test the blend (its own stream, so that tuning
    /// leaves every other random choice as it was).
    var blendSampling: SplitMix64
    var curvature = SGDCurvature()
    var batchesSinceItemProjection = 0
    var eventsSinceSweep = 0
    /// How far the sweep in progress has got, if one is.
    var sweep: SweepProgress?
    var pendingItems: Set<Int32> = []
    var unfoldedUsers: PendingVectorChanges
    var unfoldedItems: PendingVectorChanges
    /// Kept projection terms of users with long histories.
    var userGrams: UserGramCache

    public init(configuration: ModelConfiguration) {
        precondition(configuration.problems().isEmpty, "invalid model configuration: \(configuration.problems())")
        self.configuration = configuration
        let d = configuration.dimension
        userFactors = EmbeddingTable(dimension: d)
        itemFactors = EmbeddingTable(dimension: d)
        userGramian = Gramian(dimension: d)
        itemGramian = Gramian(dimension: d)
        centroids = ColdStartCentroids(dimension: d)
        interactions = InteractionStore(recentCapacity: max(configuration.transitionWindow, configuration.transitionMemory))
        popularity = PopularityCounter(halfLife: configuration.popularityHalfLife)
        blend = BlendTuner(configuration: configuration)
        random = SplitMix64(seed: configuration.seed)
        blendSampling = SplitMix64(seed: configuration.seed ^ 0x626C_656E_6454_756E)
        unfoldedUsers = PendingVectorChanges(dimension: d)
        unfoldedItems = PendingVectorChanges(dimension: d)
        userGrams = UserGramCache(capacity: Int(configuration.userGramCacheMegabytes * 1_048_576), minimumHistory: d)
    }

    /// Creates or updates an item from a catalog event. A new item gets its
    /// fresh vector; a warm item moves to its new centroid groups.
    @discardableResult
    public mutating func upsertItem(_ id: String, profile: ItemProfile) -> Int32 {
        foldItemChanges()
        defer { foldItemChanges() }
        let (row, isNew) = resolveItem(id, profile: profile)
        guard !isNew, profiles[Int(row)] != profile else { return row }
        let vector = itemFactors.vector(Int(row))
        if warm[Int(row)] {
            let old = profiles[Int(row)]
            centroids.remove(vector, categories: old.categories, uploader: old.uploader)
            centroids.add(vector, categories: profile.categories, uploader: profile.uploader)
        }
        profiles[Int(row)] = profile
        if interactionUsers(ofItem: row) == 0 { setItemVector(row, to: freshVector(for: profile)) }
        return row
    }

    /// The vector a fresh item with this profile starts from: the weighted
    /// centroid mean, or a small random vector when centroids are off or no
    /// item is warm yet.
    mutating func freshVector(for profile: ItemProfile) -> [Float] {
        if configuration.freshItemCentroids, let centroid = centroidVector(for: profile) { return centroid }
        return randomVector()
    }

    /// The centroid combination for a profile (nil when no item is warm).
    func centroidVector(for profile: ItemProfile) -> [Float]? {
        centroids.freshVector(
            categories: profile.categories, uploader: profile.uploader,
            categoryWeight: configuration.categoryWeight, uploaderWeight: configuration.uploaderWeight)
    }

    /// `centroidVector(for:)` of the items `rows` that satisfy `condition`
    /// (nil for the others), computed once per distinct profile: items share
    /// category sets (MovieLens: 9,724 items, under a thousand genre sets).
    func centroidVectors(of rows: [Int32], where condition: (Int32) -> Bool = { _ in true }) -> [[Float]?] {
        var byProfile: [ItemProfile: [Float]?] = [:]
        return rows.map { row in
            guard condition(row) else { return nil }
            let profile = profiles[Int(row)]
            if let known = byProfile[profile] { return known }
            let vector = centroidVector(for: profile)
            byProfile[profile] = vector
            return vector
        }
    }

    mutating func randomVector() -> [Float] {
        let d = configuration.dimension
        let scale = configuration.initialScale / Float(d).squareRoot()
        return (0..<d).map { _ in Float.random(in: -scale...scale, using: &random) }
    }

    mutating func resolveUser(_ id: String) -> Int32 {
        let (row, isNew) = users.resolve(id)
        if isNew {
            userFactors.appendZero()
            interactions.ensure(users: users.count, items: items.count)
        }
        return row
    }

    mutating func resolveItem(_ id: String, profile: ItemProfile = ItemProfile()) -> (row: Int32, isNew: Bool) {
        let (row, isNew) = items.resolve(id)
        if isNew {
            profiles.append(profile)
            warm.append(false)
            let vector = freshVector(for: profile)
            itemFactors.append(vector)
            itemGramian.replace(old: nil, new: vector)
            interactions.ensure(users: users.count, items: items.count)
            popularity.ensure(items: items.count)
        }
        return (row, isNew)
    }

    func interactionUsers(ofItem row: Int32) -> Int {
        Int(row) < interactions.byItem.count ? interactions.byItem[Int(row)].count : 0
    }

    /// Overwrites an item vector (folded into `G_V` and the centroids at the next `foldItemChanges`).
    mutating func setItemVector(_ row: Int32, to vector: [Float]) {
        unfoldedItems.willChange(row, in: itemFactors)
        itemFactors.set(Int(row), to: vector)
    }

    /// Brings `G_U` up to date with every user vector changed since the last fold.
    mutating func foldUserChanges() {
        let changes = unfoldedUsers.take()
        userGramian.replace(oldRows: changes.folded, newRows: userFactors.gather(changes.rows))
    }

    /// Brings `G_V`, and the centroids of warm items, up to date with every
    /// item vector changed since the last fold.
    mutating func foldItemChanges() {
        let changes = unfoldedItems.take()
        guard !changes.rows.isEmpty else { return }
        let newRows = itemFactors.gather(changes.rows)
        itemGramian.replace(oldRows: changes.folded, newRows: newRows)
        userGrams.itemsChanged(changes.rows)
        let d = configuration.dimension
        changes.folded.withUnsafeBufferPointer { old in
            newRows.withUnsafeBufferPointer { new in
                for (index, row) in changes.rows.enumerated() where warm[Int(row)] {
                    let profile = profiles[Int(row)]
                    centroids.update(
                        from: UnsafeBufferPointer(rebasing: old[index * d..<(index + 1) * d]),
                        to: UnsafeBufferPointer(rebasing: new[index * d..<(index + 1) * d]),
                        categories: profile.categories, uploader: profile.uploader)
                }
            }
        }
    }

    /// Makes an item warm once it has enough users: its vector joins the centroids.
    mutating func promoteIfWarm(_ row: Int32) {
        guard !warm[Int(row)], interactionUsers(ofItem: row) >= configuration.warmItemUsers else { return }
        warm[Int(row)] = true
        warmItemCount += 1
        let profile = profiles[Int(row)]
        centroids.add(itemFactors.vector(Int(row)), categories: profile.categories, uploader: profile.uploader)
    }
}

/// Counters of what the model has done, for logs and metrics.
public struct ModelStatistics: Sendable, Equatable {
    public var events = 0
    /// SGD steps refused because a result was not finite (vectors unchanged).
    public var sgdRejected = 0
    /// Projections whose system could not be solved (vectors unchanged).
    public var projectionFailures = 0
    /// User projections solved from kept terms (`UserGram`), and how many of
    /// those terms had to be built from the whole history first.
    public var userGramProjections = 0
    public var userGramBuilds = 0
    public var sweeps = 0
}

/// The next rows a sweep in progress projects: users first, then items.
struct SweepProgress: Sendable {
    var nextUser: Int32 = 0
    var nextItem: Int32 = 0
}
