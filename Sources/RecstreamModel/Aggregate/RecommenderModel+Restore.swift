/// A model's durable state as storage holds it (ids are dense rows).
public struct ModelSnapshot: Sendable {
    public var users: [(externalID: String, eventCount: Int64)] = []
    public var items: [(externalID: String, profile: ItemProfile)] = []
    public var interactions: [(user: Int32, item: Int32, weight: Float, lastSequence: Int64)] = []
    /// Stored vectors by row (rows without one start at zero / their fresh vector).
    public var userVectors: [Int32: [Float]] = [:]
    public var itemVectors: [Int32: [Float]] = [:]
    /// Weights of steps between items (`TransitionCounts`): a step listed
    /// more than once counts the sum of its weights.
    public var transitions: [(from: Int32, to: Int32, weight: Float)] = []
    /// The blend's state (`BlendTuner`): decayed hits and wins by grid
    /// index, the index the lists use, and its tests so far; nil when none
    /// is stored or it was stored for another grid.
    public var blend: (hits: [Double], wins: [[Double]], current: Int, tests: Int)?

    public init() {}
}

/// A stored state that cannot be loaded, and why.
public struct ModelRestoreError: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { reason }

    public init(reason: String) {
        self.reason = reason
    }
}

extension RecommenderModel {
    /// Rebuilds a model from storage: ids, interactions, event counters and
    /// vectors as stored; Gramians exact; warm flags and centroids recomputed
    /// from the warm items. When interactions exist but no vector was stored,
    /// full sweeps train it first (`sweepsWithoutVectors`).
    public init(configuration: ModelConfiguration, restoring snapshot: ModelSnapshot, sweepsWithoutVectors: Int = 5) throws {
        self.init(configuration: configuration)
        let d = configuration.dimension
        for (vector, owner) in snapshot.userVectors.values.map({ ($0, "user") }) + snapshot.itemVectors.values.map({ ($0, "item") })
        where vector.count != d {
            throw ModelRestoreError(reason: "a stored \(owner) vector has \(vector.count) elements, the configured dimension is \(d)")
        }
        for (row, user) in snapshot.users.enumerated() {
            guard users.resolve(user.externalID).row == Int32(row) else {
                throw ModelRestoreError(reason: "user id \(user.externalID) appears twice")
            }
            userFactors.append(snapshot.userVectors[Int32(row)] ?? [Float](repeating: 0, count: d))
            interactions.restoreEventCount(user: Int32(row), count: user.eventCount)
        }
        for (row, item) in snapshot.items.enumerated() {
            guard items.resolve(item.externalID).row == Int32(row) else {
                throw ModelRestoreError(reason: "item id \(item.externalID) appears twice")
            }
            profiles.append(item.profile)
            warm.append(false)
            itemFactors.append(snapshot.itemVectors[Int32(row)] ?? randomVector())
        }
        interactions.ensure(users: users.count, items: items.count)
        popularity.ensure(items: items.count)
        for pair in snapshot.interactions {
            guard Int(pair.user) < users.count, Int(pair.item) < items.count else {
                throw ModelRestoreError(reason: "interaction (\(pair.user), \(pair.item)) names an unknown user or item")
            }
            interactions.restore(user: pair.user, item: pair.item, weight: pair.weight, lastSequence: pair.lastSequence)
        }
        for step in snapshot.transitions {
            guard Int(step.from) < items.count, Int(step.to) < items.count, step.from != step.to else {
                throw ModelRestoreError(reason: "transition (\(step.from), \(step.to)) names an unknown item or joins an item to itself")
            }
            transitions.record(from: step.from, to: step.to, weight: step.weight)
        }
        if let stored = snapshot.blend {
            blend.restore(hits: stored.hits, wins: stored.wins, current: stored.current, tests: stored.tests)
        }
        for row in 0..<Int32(items.count) where interactionUsers(ofItem: row) >= configuration.warmItemUsers {
            warm[Int(row)] = true
            warmItemCount += 1
        }
        userGramian = Gramian(exactOf: userFactors)
        itemGramian = Gramian(exactOf: itemFactors)
        rebuildCentroids()
        // Fresh items take their centroid vector as it is now.
        for row in 0..<Int32(items.count) where interactionUsers(ofItem: row) == 0 && snapshot.itemVectors[row] == nil {
            setItemVector(row, to: freshVector(for: profiles[Int(row)]))
        }
        foldItemChanges()
        if !snapshot.interactions.isEmpty && snapshot.userVectors.isEmpty && snapshot.itemVectors.isEmpty {
            for _ in 0..<sweepsWithoutVectors { fullSweep() }
        }
    }
}
