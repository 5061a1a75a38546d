/// The weights of the two signals every list adds to the factorisation's
/// `<u, v>`: its score for an item is `<u, v> + popularity * log(1 +
/// decayed count) + transitions * (transition score on the
/// factorisation's scale)`.
public struct BlendWeights: Sendable, Hashable, CustomStringConvertible {
    /// beta, the weight of the item's log decayed event count.
    public var popularity: Float
    /// The weight of what comes next (`TransitionCounts`).
    public var transitions: Float

    public init(popularity: Float, transitions: Float) {
        self.popularity = popularity
        self.transitions = transitions
    }

    public var description: String { "popularity \(popularity), transitions \(transitions)" }
}

/// The three parts of one candidate's blended score in a test.
public struct BlendCandidate: Sendable {
    /// `<u, v>`.
    public var score: Float
    /// `log(1 + decayed count)`.
    public var popularity: Float
    /// The transition score on the factorisation's scale.
    public var transitions: Float

    public init(score: Float, popularity: Float, transitions: Float) {
        self.score = score
        self.popularity = popularity
        self.transitions = transitions
    }
}
