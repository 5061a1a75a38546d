/// What comes next: how often, and how closely, item `b` followed item `a`
/// in users' streams, summed over users (`RecommenderModel.recordTransitions`
/// says which steps an event makes). A user's next item is then scored
/// from the successors of its last few items
/// (`RecommenderModel.transitionScores`), which captures the stream's
/// order that a factorisation with a recency weight sees only in part.
///
/// Cost per event: a few dictionary updates, whatever the catalog's size.
public struct TransitionCounts: Sendable {
    /// `successors[a][b]`: the weight of `b` following `a`.
    public private(set) var successors: [[Int32: Float]] = []

    /// One observed step from one item to the next.
    public struct Transition: Sendable, Hashable {
        public var from: Int32
        public var to: Int32

        public init(from: Int32, to: Int32) {
            self.from = from
            self.to = to
        }
    }

    public init() {}

    /// Steps recorded so far (distinct pairs).
    public private(set) var count = 0

    /// Adds `weight` to the step `from` -> `to` (distinct items): an event's
    /// step, or one stored row of it when restoring.
    public mutating func record(from: Int32, to: Int32, weight: Float) {
        precondition(from != to, "a transition joins two distinct items")
        ensure(items: Int(from) + 1)
        let known = successors[Int(from)].count
        successors[Int(from)][to, default: 0] += weight
        count += successors[Int(from)].count - known
    }

    /// The weight of `from` -> `to` (0 when never seen).
    public func weight(from: Int32, to: Int32) -> Float {
        Int(from) < successors.count ? successors[Int(from)][to] ?? 0 : 0
    }

    private mutating func ensure(items: Int) {
        if successors.count < items { successors.append(contentsOf: repeatElement([:], count: items - successors.count)) }
    }
}
