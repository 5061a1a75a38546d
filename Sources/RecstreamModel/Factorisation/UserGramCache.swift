/// The `UserGram`s of users with long histories, within a memory budget
/// (least recently used out first), and when each item vector last changed,
/// so that a user's terms know which of its items moved since their last sync.
struct UserGramCache: Sendable {
    /// Budget in bytes; 0 turns the cache off.
    let capacity: Int
    /// Users with fewer history entries are projected the plain way: building
    /// their terms costs about what the plain projection does.
    let minimumHistory: Int
    private var grams: [Int32: UserGram] = [:]
    /// Per item row: `clock` when its vector last changed (0 = never).
    private(set) var itemStamps: [UInt64] = []
    /// Advances once per batch of item changes.
    private(set) var clock: UInt64 = 0
    private var uses: UInt64 = 0
    private(set) var bytes = 0

    init(capacity: Int, minimumHistory: Int) {
        self.capacity = capacity
        self.minimumHistory = minimumHistory
    }

    var isEnabled: Bool { capacity > 0 }
    var count: Int { grams.count }

    /// Records that the vectors of `rows` changed.
    mutating func itemsChanged(_ rows: [Int32]) {
        guard isEnabled, !rows.isEmpty else { return }
        clock += 1
        for row in rows {
            if Int(row) >= itemStamps.count { itemStamps.append(contentsOf: repeatElement(0, count: Int(row) + 1 - itemStamps.count)) }
            itemStamps[Int(row)] = clock
        }
    }

    /// Removes and returns a user's terms (so the caller holds the only copy
    /// and can update them in place).
    mutating func take(_ user: Int32) -> UserGram? {
        guard let gram = grams.removeValue(forKey: user) else { return nil }
        bytes -= gram.bytes
        return gram
    }

    /// Stores a user's terms as just used; when over budget, drops the least
    /// recently used terms down to three quarters of it.
    mutating func put(_ user: Int32, _ gram: UserGram) {
        var gram = gram
        uses += 1
        gram.lastUse = uses
        bytes += gram.bytes
        grams[user] = gram
        guard bytes > capacity else { return }
        for (victim, entry) in grams.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
            guard bytes > capacity * 3 / 4 else { break }
            bytes -= entry.bytes
            grams.removeValue(forKey: victim)
        }
    }
}
