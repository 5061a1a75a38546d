/// Running sums of the vectors of "warm" items (enough interactions) per
/// category, per uploader and overall, from which a fresh item gets its
/// first vector. Sums are double precision and kept exact under vector
/// changes by adding the difference.
public struct ColdStartCentroids: Sendable {
    /// Sum of member vectors and member count of one group.
    public struct Group: Sendable, Equatable {
        public var sum: [Double]
        public var count: Int

        public func mean() -> [Float]? {
            count > 0 ? sum.map { Float($0 / Double(count)) } : nil
        }
    }

    /// The groups whose sums or counts changed: what storage must write again.
    public struct ChangedGroups: Sendable, Equatable {
        public var categories: Set<String> = []
        public var uploaders: Set<String> = []
        public var global = false
        /// Every group (new or rebuilt sums).
        public var all = false

        public init() {}

        /// Every group of a centroid set.
        public static var everything: ChangedGroups {
            var changes = ChangedGroups()
            changes.all = true
            return changes
        }
    }

    public let dimension: Int
    public private(set) var categories: [String: Group] = [:]
    public private(set) var uploaders: [String: Group] = [:]
    public private(set) var global: Group
    /// What changed since `takeChanges()`; a new set has changed entirely.
    public private(set) var changes = ChangedGroups.everything

    public init(dimension: Int) {
        self.dimension = dimension
        global = Group(sum: [Double](repeating: 0, count: dimension), count: 0)
    }

    /// The groups changed since the last call, and none from now on.
    public mutating func takeChanges() -> ChangedGroups {
        defer { changes = ChangedGroups() }
        return changes
    }

    /// Adds a warm item's vector to its groups.
    public mutating func add(_ vector: [Float], categories itemCategories: [String], uploader: String?) {
        vector.withUnsafeBufferPointer { apply($0, countChange: 1, categories: itemCategories, uploader: uploader) }
    }

    /// Takes a member's vector out of its groups (e.g. before its profile changes).
    public mutating func remove(_ vector: [Float], categories itemCategories: [String], uploader: String?) {
        vector.map { -$0 }.withUnsafeBufferPointer { apply($0, countChange: -1, categories: itemCategories, uploader: uploader) }
    }

    /// Replaces a warm member's vector `old` by `new` in its groups.
    public mutating func update(from old: [Float], to new: [Float], categories itemCategories: [String], uploader: String?) {
        old.withUnsafeBufferPointer { old in
            new.withUnsafeBufferPointer { update(from: old, to: $0, categories: itemCategories, uploader: uploader) }
        }
    }

    /// `update(from:to:categories:uploader:)` without copying the vectors.
    public mutating func update(
        from old: UnsafeBufferPointer<Float>, to new: UnsafeBufferPointer<Float>, categories itemCategories: [String], uploader: String?
    ) {
        precondition(old.count == dimension && new.count == dimension)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: dimension) { delta in
            for k in 0..<dimension { delta[k] = new[k] - old[k] }
            apply(UnsafeBufferPointer(delta), countChange: 0, categories: itemCategories, uploader: uploader)
        }
    }

    /// A fresh item's vector: `categoryWeight` x (mean of its categories'
    /// means) + `uploaderWeight` x (its uploader's mean), normalised by the
    /// weights of the parts that exist; the global mean when neither does;
    /// nil when no item is warm yet.
    public func freshVector(categories itemCategories: [String], uploader: String?, categoryWeight: Float, uploaderWeight: Float)
        -> [Float]?
    {
        var combined = [Double](repeating: 0, count: dimension)
        var totalWeight = 0.0
        let categoryMeans = Set(itemCategories).sorted().compactMap { categories[$0]?.mean() }
        if !categoryMeans.isEmpty && categoryWeight > 0 {
            let share = Double(categoryWeight) / Double(categoryMeans.count)
            for mean in categoryMeans { for k in 0..<dimension { combined[k] += share * Double(mean[k]) } }
            totalWeight += Double(categoryWeight)
        }
        if let uploader, let mean = uploaders[uploader]?.mean(), uploaderWeight > 0 {
            for k in 0..<dimension { combined[k] += Double(uploaderWeight) * Double(mean[k]) }
            totalWeight += Double(uploaderWeight)
        }
        if totalWeight == 0 { return global.mean() }
        return combined.map { Float($0 / totalWeight) }
    }

    /// Adds `vector` to the sums of the item's groups (each category once)
    /// and `countChange` to their counts.
    private mutating func apply(
        _ vector: UnsafeBufferPointer<Float>, countChange: Int, categories itemCategories: [String], uploader: String?
    ) {
        precondition(vector.count == dimension)
        let d = dimension
        func accumulate(_ group: inout Group) {
            group.sum.withUnsafeMutableBufferPointer { sum in
                for k in 0..<d { sum[k] += Double(vector[k]) }
            }
            group.count += countChange
        }
        for (index, category) in itemCategories.enumerated() where !itemCategories[..<index].contains(category) {
            accumulate(&categories[category, default: Group(sum: [Double](repeating: 0, count: d), count: 0)])
            if !changes.all { changes.categories.insert(category) }
        }
        if let uploader {
            accumulate(&uploaders[uploader, default: Group(sum: [Double](repeating: 0, count: d), count: 0)])
            if !changes.all { changes.uploaders.insert(uploader) }
        }
        accumulate(&global)
        changes.global = true
    }
}
