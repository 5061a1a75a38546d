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

    /// Adds `weight` to the step `from` -> `to` (distinct items).
    public mutating func record(from: Int32, to: Int32, weight: Float) {
        precondition(from != to, "a transition joins two distinct items")
        ensure(items: Int(from) + 1)
        successors[Int(from)][to, default: 0] += weight
    }

    /// Sets a stored step's weight (restoring from storage).
    public mutating func restore(from: Int32, to: Int32, weight: Float) {
        ensure(items: Int(from) + 1)
        successors[Int(from)][to] = weight
    }

    /// The weight of `from` -> `to` (0 when never seen).
    public func weight(from: Int32, to: Int32) -> Float {
        Int(from) < successors.count ? successors[Int(from)][to] ?? 0 : 0
    }

    /// Steps recorded so far (distinct pairs).
    public var count: Int { successors.reduce(0) { $0 + $1.count } }

    private mutating func ensure(items: Int) {
        if successors.count < items { successors.append(contentsOf: repeatElement([:], count: items - successors.count)) }
    }
}
