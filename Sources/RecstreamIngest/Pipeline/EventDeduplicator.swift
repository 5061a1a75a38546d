/// The ids of the last `capacity` applied events, to drop producers'
/// resends: first seen wins, later copies within the window are duplicates.
struct EventDeduplicator {
    let capacity: Int
    private var members = Set<String>()
    private var order: [String] = []
    private var head = 0

    init(capacity: Int, recent: [String] = []) {
        self.capacity = capacity
        for id in recent.suffix(capacity) { remember(id) }
    }

    /// True (and now remembered) when `id` is new within the window.
    mutating func admit(_ id: String) -> Bool {
        guard capacity > 0 else { return true }
        guard !members.contains(id) else { return false }
        remember(id)
        return true
    }

    private mutating func remember(_ id: String) {
        if order.count < capacity {
            order.append(id)
        } else {
            members.remove(order[head])
            order[head] = id
            head = (head + 1) % capacity
        }
        members.insert(id)
    }
}
