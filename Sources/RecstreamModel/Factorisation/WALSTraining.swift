/// The weighted matrix factorisation's training steps over a whole
/// interaction matrix: projection batches from the interaction store, full
/// sweeps, and the objective.
///
/// Objective (observed set O, confidence c, unobserved weight w0):
///
///     L = sum_{(u,i) in O} c (1 - <u,v>)^2 + w0 sum_{(u,i) not in O} <u,v>^2 + lambda (|U|^2 + |V|^2)
///
/// which the projection formula minimises exactly per entity. (DESIGN.md
/// writes the w0 term over all pairs; over unobserved pairs is the form whose
/// minimiser is the `(c - w0)` projection it gives.)
public struct WALSTraining: Sendable {
    public var unobservedWeight: Float
    public var regularization: Float
    public var confidence: ConfidenceModel

    public init(unobservedWeight: Float, regularization: Float, confidence: ConfidenceModel) {
        self.unobservedWeight = unobservedWeight
        self.regularization = regularization
        self.confidence = confidence
    }

    /// Projection inputs for users `rows` (all their interactions).
    public func userBatch(_ rows: [Int32], interactions: InteractionStore) -> ProjectionBatch {
        var batch = ProjectionBatch()
        let histories = rows.map { Int($0) < interactions.byUser.count ? interactions.byUser[Int($0)] : [] }
        batch.reserveCapacity(targets: rows.count, neighbours: histories.reduce(0) { $0 + $1.count })
        for (user, entries) in zip(rows, histories) {
            batch.append(target: user, count: entries.count) { neighbours, confidences in
                for (index, entry) in entries.enumerated() {
                    neighbours[index] = entry.item
                    confidences[index] = confidence.confidence(
                        weight: entry.weight, eventsSince: interactions.eventsSince(user: user, lastSequence: entry.lastSequence))
                }
            }
        }
        return batch
    }

    /// Projection inputs for items `rows` (all their interactions), each
    /// with its prior from `priors` (by position in `rows`), if given.
    public func itemBatch(_ rows: [Int32], interactions: InteractionStore, priors: [[Float]?]? = nil) -> ProjectionBatch {
        precondition(priors == nil || priors!.count == rows.count, "one prior (or nil) per row")
        var batch = ProjectionBatch()
        let histories = rows.map { Int($0) < interactions.byItem.count ? interactions.byItem[Int($0)] : [] }
        batch.reserveCapacity(targets: rows.count, neighbours: histories.reduce(0) { $0 + $1.count })
        for (index, (item, entries)) in zip(rows, histories).enumerated() {
            batch.append(target: item, count: entries.count, prior: priors?[index]) { neighbours, confidences in
                for (index, entry) in entries.enumerated() {
                    neighbours[index] = entry.user
                    confidences[index] = confidence.confidence(
                        weight: entry.weight, eventsSince: interactions.eventsSince(user: entry.user, lastSequence: entry.lastSequence))
                }
            }
        }
        return batch
    }

    /// One full sweep: every user projected against the items, then every
    /// item against the new users. Returns the Gramians of the result and
    /// the number of systems that could not be solved.
    public func sweep(users: inout EmbeddingTable, items: inout EmbeddingTable, interactions: InteractionStore) -> (
        userGramian: Gramian, itemGramian: Gramian, failures: Int
    ) {
        let itemSolver = WALSSolver(gramian: Gramian(exactOf: items), unobservedWeight: unobservedWeight, regularization: regularization)
        var failures = itemSolver.solve(
            userBatch((0..<Int32(users.count)).map { $0 }, interactions: interactions), factors: items, into: &users)
        let userGramian = Gramian(exactOf: users)
        let userSolver = WALSSolver(gramian: userGramian, unobservedWeight: unobservedWeight, regularization: regularization)
        failures += userSolver.solve(
            itemBatch((0..<Int32(items.count)).map { $0 }, interactions: interactions), factors: users, into: &items)
        return (userGramian, Gramian(exactOf: items), failures)
    }

    /// The objective L in O(|O| d + d^2), using
    /// `sum over all pairs <u,v>^2 = trace(G_U G_V)`.
    public func objective(
        users: EmbeddingTable, items: EmbeddingTable, interactions: InteractionStore, userGramian: Gramian, itemGramian: Gramian
    ) -> Double {
        let d = users.dimension
        let w0 = Double(unobservedWeight)
        var total = 0.0
        for (user, entries) in interactions.byUser.enumerated() {
            for entry in entries {
                let c = Double(
                    confidence.confidence(
                        weight: entry.weight, eventsSince: interactions.eventsSince(user: Int32(user), lastSequence: entry.lastSequence)))
                var score = 0.0
                for k in 0..<d { score += Double(users.values[user * d + k]) * Double(items.values[Int(entry.item) * d + k]) }
                total += c * (1 - score) * (1 - score) - w0 * score * score
            }
        }
        var trace = 0.0
        for index in 0..<d * d { trace += userGramian.values[index] * itemGramian.values[index] }
        let norms = users.values.reduce(0.0) { $0 + Double($1) * Double($1) } + items.values.reduce(0.0) { $0 + Double($1) * Double($1) }
        return total + w0 * trace + Double(regularization) * norms
    }
}
