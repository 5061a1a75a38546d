/// The observed (user, item) pairs with their accumulated weights, indexed
/// from both sides, and each user's event counter (for recency by order).
///
/// Entries are only appended: an item's list never reorders, so a user's
/// entry can point at its twin in the item's list.
public struct InteractionStore: Sendable {
    /// One observed pair as seen from its user.
    public struct UserEntry: Sendable, Equatable {
        public var item: Int32
        public var weight: Float
        /// The user's event counter when this pair last had an event.
        public var lastSequence: Int64
        var indexInItemList: Int32
    }

    /// One observed pair as seen from its item.
    public struct ItemEntry: Sendable, Equatable {
        public var user: Int32
        public var weight: Float
        public var lastSequence: Int64
    }

    public private(set) var byUser: [[UserEntry]] = []
    public private(set) var byItem: [[ItemEntry]] = []
    /// Events recorded per user so far.
    public private(set) var userEventCounts: [Int64] = []
    /// How many of each user's most recent distinct items are kept
    /// (`recentItems`).
    public let recentCapacity: Int
    /// Each user's `recentCapacity` most recent distinct items, most recent
    /// first (-1 past the user's items), and their last event counters:
    /// flat, `recentCapacity` slots per user.
    private var recent: [Int32] = []
    private var recentSequences: [Int64] = []
    public private(set) var pairCount = 0

    public init(recentCapacity: Int = 1) {
        precondition(recentCapacity > 0)
        self.recentCapacity = recentCapacity
    }

    /// Makes room for rows up to the given counts.
    public mutating func ensure(users: Int, items: Int) {
        while byUser.count < users {
            byUser.append([])
            userEventCounts.append(0)
            recent.append(contentsOf: repeatElement(-1, count: recentCapacity))
            recentSequences.append(contentsOf: repeatElement(-1, count: recentCapacity))
        }
        while byItem.count < items { byItem.append([]) }
    }

    /// Adds `weight` to the pair (creating it when new) and advances the
    /// user's event counter. Returns whether the pair is new and its total weight.
    @discardableResult
    public mutating func record(user: Int32, item: Int32, weight: Float) -> (isNew: Bool, weight: Float) {
        ensure(users: Int(user) + 1, items: Int(item) + 1)
        let u = Int(user)
        let sequence = userEventCounts[u]
        userEventCounts[u] += 1
        keepRecent(user: u, item: item, sequence: sequence)
        if let position = byUser[u].firstIndex(where: { $0.item == item }) {
            byUser[u][position].weight += weight
            byUser[u][position].lastSequence = sequence
            let twin = Int(byUser[u][position].indexInItemList)
            byItem[Int(item)][twin].weight += weight
            byItem[Int(item)][twin].lastSequence = sequence
            return (false, byUser[u][position].weight)
        }
        byUser[u].append(UserEntry(item: item, weight: weight, lastSequence: sequence, indexInItemList: Int32(byItem[Int(item)].count)))
        byItem[Int(item)].append(ItemEntry(user: user, weight: weight, lastSequence: sequence))
        pairCount += 1
        return (true, weight)
    }

    /// Puts back a stored pair as it was (restoring from storage): its total
    /// weight and the user's event counter at its last event.
    public mutating func restore(user: Int32, item: Int32, weight: Float, lastSequence: Int64) {
        ensure(users: Int(user) + 1, items: Int(item) + 1)
        byUser[Int(user)].append(
            UserEntry(item: item, weight: weight, lastSequence: lastSequence, indexInItemList: Int32(byItem[Int(item)].count)))
        byItem[Int(item)].append(ItemEntry(user: user, weight: weight, lastSequence: lastSequence))
        pairCount += 1
        keepRecent(user: Int(user), item: item, sequence: lastSequence)
    }

    /// The user's most recent distinct items (by their last event), most
    /// recent first: at most `recentCapacity`.
    public func recentItems(ofUser user: Int32) -> ArraySlice<Int32> {
        guard Int(user) < userEventCounts.count else { return [] }
        let start = Int(user) * recentCapacity
        let slots = recent[start..<start + recentCapacity]
        return slots.prefix { $0 >= 0 }
    }

    /// Puts `item`, last seen at `sequence`, in its place among the user's
    /// kept recent items (by sequence, latest first), if it is recent enough.
    private mutating func keepRecent(user: Int, item: Int32, sequence: Int64) {
        let start = user * recentCapacity
        let end = start + recentCapacity
        // Its older slot, if kept, is freed; the slots after it move up.
        if let old = (start..<end).first(where: { recent[$0] == item }) {
            for slot in old..<end - 1 {
                recent[slot] = recent[slot + 1]
                recentSequences[slot] = recentSequences[slot + 1]
            }
            recent[end - 1] = -1
            recentSequences[end - 1] = -1
        }
        guard let position = (start..<end).first(where: { recent[$0] < 0 || recentSequences[$0] < sequence }) else { return }
        for slot in stride(from: end - 1, to: position, by: -1) {
            recent[slot] = recent[slot - 1]
            recentSequences[slot] = recentSequences[slot - 1]
        }
        recent[position] = item
        recentSequences[position] = sequence
    }

    /// Sets a user's event counter (restoring from storage).
    public mutating func restoreEventCount(user: Int32, count: Int64) {
        ensure(users: Int(user) + 1, items: 0)
        userEventCounts[Int(user)] = count
    }

    /// The stored state of one pair, if observed.
    public func pair(user: Int32, item: Int32) -> UserEntry? {
        guard Int(user) < byUser.count else { return nil }
        return byUser[Int(user)].first { $0.item == item }
    }

    /// Number of the user's events after `lastSequence`.
    @inline(__always)
    public func eventsSince(user: Int32, lastSequence: Int64) -> Int64 {
        Self.eventsSince(lastSequence: lastSequence, eventCount: userEventCounts[Int(user)])
    }

    /// Number of a user's events after `lastSequence` when its event counter is `eventCount`.
    @inline(__always)
    public static func eventsSince(lastSequence: Int64, eventCount: Int64) -> Int64 {
        eventCount - lastSequence - 1
    }
}
