public import RecstreamConfiguration

/// Hyperparameters and update policy of the model. `serve` and `eval` run the
/// same values, so what `eval` measures is what the daemon does.
public struct ModelConfiguration: Sendable, Equatable, Codable {
    /// Embedding dimension d.
    public var dimension = 64
    /// w0: weight of every unobserved (user, item) pair.
    public var unobservedWeight: Float = 1
    /// lambda: ridge regularisation of every vector.
    public var regularization: Float = 0.05
    /// Confidence `1 + alpha w (1 + boost e^(-k / horizon))`, recency by
    /// event order: a user's last few interactions weigh most. Sessions make
    /// recency pay, tastes that only drift make it cost; the default is sharp
    /// enough for session-shaped streams without being tuned to one of them
    /// (docs/evaluation.md has the measurements).
    public var confidence = ConfidenceModel(alpha: 1, recencyBoost: 16, recencyHorizon: 5)
    /// Weight added to a pair by one event of each type.
    public var eventWeights = EventWeights()
    /// SGD-with-gravity step size as a fraction of the inverse curvature
    /// bound (0 turns the per-event step off; 1 is the largest safe step).
    public var sgdLearningRate: Float = 0.1
    /// Conjugate-gradient steps per projection; 0 = Cholesky (exact).
    public var conjugateGradientSteps = 0
    /// Items touched by events are re-projected every this many batches
    /// (1 = every batch; 0 = only in full sweeps, SGD moves them in between).
    /// The default leaves items to SGD and sweeps, which ranked better than
    /// per-batch item projections.
    public var itemProjectionInterval = 0
    /// Between those projections, touched items that are not warm yet
    /// (fewer than `warmItemUsers` users) are projected every batch. Off by
    /// default: a projection from 1-3 users shrinks the vector toward 0, and
    /// SGD from the centroid start, then sweeps, ranks fresh items better.
    public var coldItemProjection = false
    /// A full sweep (every user, then every item) runs after this many events,
    /// and never sooner than after as many events as the model has users plus
    /// items, so sweeping costs at most one projection per event on average
    /// (0 = only when asked). A fixed interval alone would sweep a large model
    /// so often that sweeps, not events, would set the pipeline's pace.
    public var sweepInterval = 10_000
    /// A sweep projects at most this many rows per batch and goes on in the
    /// next batches, so a large model is swept without stopping ingestion
    /// (and written in slices, not in one huge transaction). A model with
    /// fewer users plus items is swept in one batch, exactly as `fullSweep`.
    public var sweepSliceRows = 20_000
    /// Memory for kept projection terms of users with long histories
    /// (at least `dimension` entries; 0 = none): such a user's projection
    /// then costs the changes since its last one plus a d x d solve, instead
    /// of a pass over its whole history. About 64 KB plus 268 bytes per
    /// history entry per user at d = 64; least recently used out first.
    public var userGramCacheMegabytes: Double = 256
    /// m: an item with at least this many users counts as warm and feeds the
    /// category and uploader centroids.
    public var warmItemUsers = 5
    /// Share of the category means in a fresh item's vector.
    public var categoryWeight: Float = 1
    /// Share of the uploader mean in a fresh item's vector.
    public var uploaderWeight: Float = 1
    /// Whether fresh items start at their centroid (false: a small random vector).
    public var freshItemCentroids = true
    /// Pull of a not-yet-warm item's projection toward its centroid vector
    /// (a ridge prior of this strength; 0 = plain projection).
    public var freshItemPriorWeight: Float = 1
    /// beta: scores get `beta * log(1 + decayed event count of the item)`:
    /// the weight to start from while `blendTuning` learns it, else fixed.
    public var popularityWeight: Float = 0.1
    /// Events after which an item's popularity count has halved.
    public var popularityHalfLife: Double = 500
    /// Weight of what comes next (`TransitionCounts`) in every list, as
    /// standardised scores added to the factorisation's (0 = off): the
    /// weight to start from while `blendTuning` learns it, else fixed.
    public var transitionWeight: Float = 0
    /// Whether the popularity and transition weights are learned from the
    /// stream (`BlendTuner`), among `popularityWeightGrid` and
    /// `transitionWeightGrid` (each with the configured weight added).
    public var blendTuning = true
    /// The popularity weights the tuning tries.
    public var popularityWeightGrid: [Float] = [0, 0.05, 0.1, 0.2, 0.4, 0.8]
    /// The transition weights the tuning tries.
    public var transitionWeightGrid: [Float] = [0, 0.25, 0.5, 1, 2, 4]
    /// Item scorings the tests of one batch may spend (a test scores the
    /// whole catalog once): a batch tests up to `blendTestBudget / items`
    /// of its events (at least `blendMinimumTests`) and up to
    /// `blendTestShare` of them (at least one), drawn at random.
    public var blendTestBudget = 1 << 20
    public var blendMinimumTests = 8
    public var blendTestShare = 0.25
    /// Each event is a step from each of the user's last this many
    /// distinct items, the k-th most recent weighing `2^(1-k)` (powers of
    /// two, so that the sums are exact in any order while below
    /// `2^(25 - window)`).
    public var transitionWindow = 3
    /// A user's last this many distinct items score their successors.
    public var transitionMemory = 5
    /// Scale of random initial vectors (uniform in [-s, s] / sqrt(d)).
    public var initialScale: Float = 0.1
    /// Seed of every random choice the model makes.
    public var seed: UInt64 = 1

    public init() {}

    /// Every value that breaks its key's requirement; empty when valid.
    public func problems() -> [ConfigurationProblem] {
        Self.configurationTable.problems(self)
    }
}
