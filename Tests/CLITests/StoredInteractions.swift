import RecstreamStore

extension StateRepository {
    /// The stored interactions by external ids, "user/item" -> weight: what
    /// the end-to-end tests compare with their own count of the events.
    func interactionWeights() throws -> [String: Float] {
        let users = Dictionary(uniqueKeysWithValues: try loadUsers().map { ($0.id, $0.externalID) })
        let items = Dictionary(uniqueKeysWithValues: try loadItems().map { ($0.id, $0.externalID) })
        var weights: [String: Float] = [:]
        for row in try loadInteractions() { weights["\(users[row.user]!)/\(items[row.item]!)"] = row.weight }
        return weights
    }

    /// The stored transitions by external ids, "from>to" -> weight (the sum of the pair's rows).
    func transitionWeights() throws -> [String: Float] {
        let items = Dictionary(uniqueKeysWithValues: try loadItems().map { ($0.id, $0.externalID) })
        var weights: [String: Float] = [:]
        for row in try loadTransitions() { weights["\(items[row.from]!)>\(items[row.to]!)", default: 0] += row.weight }
        return weights
    }
}
