/// Hyperparameters and update policy of the model. `serve` and `eval` run the
/// same values, so what `eval` measures is what the daemon does.
public struct ModelConfiguration: Sendable, Equatable, Codable {
    /// Embedding dimension d.
    public var dimension = 64
    /// w0: weight of every unobserved (user, item) pair.
    public var unobservedWeight: Float = 1
    /// lambda: ridge regularisation of every vector.
    public var regularization: Float = 0.05
    /// Confidence `1 + alpha w (1 + boost e^(-k / horizon))`, recency by event order.
    /// Recency by event order: a user's last few interactions weigh most.
    /// HR@10 by (boost, horizon), MovieLens / the synthetic stream of
    /// `recstream generate`: off 0.059 / 0.055; (8, 5) 0.068 / 0.044;
    /// (16, 5) 0.071 / 0.041; (64, 4) 0.075 / 0.036. Sessions make recency
    /// pay; tastes that only drift make it cost. (16, 5) is the default:
    /// sharp enough for session-shaped streams, not tuned to the last digit
    /// of one dataset. Evaluate on your own log before changing it.
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
    /// Measured on MovieLens: per-event item projections lowered HR@10 from
    /// 0.075 to 0.069 against sweeps only, so the default leaves it to sweeps.
    public var itemProjectionInterval = 0
    /// Between those projections, touched items that are not warm yet
    /// (fewer than `warmItemUsers` users) are projected every batch. Off by
    /// default: on MovieLens it cut HR@10 on items new to the stream from
    /// 0.014 to 0.003 (a projection from 1-3 users shrinks the vector toward
    /// 0); SGD from the centroid start, then sweeps, did better.
    public var coldItemProjection = false
    /// A full sweep (every user, then every item) runs after this many events,
    /// and never sooner than after as many events as the model has users plus
    /// items, so sweeping costs at most one projection per event on average
    /// (0 = only when asked). A fixed interval swept a 200,000-row model every
    /// second at 10,000 events/s, and those sweeps set `bench topk`'s freshness.
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
    /// beta: scores get `beta * log(1 + decayed event count of the item)`.
    public var popularityWeight: Float = 0.1
    /// Events after which an item's popularity count has halved.
    public var popularityHalfLife: Double = 500
    /// Scale of random initial vectors (uniform in [-s, s] / sqrt(d)).
    public var initialScale: Float = 0.1
    /// Seed of every random choice the model makes.
    public var seed: UInt64 = 1

    public init() {}

    /// Every problem with the values, as (key, reason); empty when valid.
    public func problems() -> [(key: String, reason: String)] {
        var found: [(key: String, reason: String)] = []
        func check(_ ok: Bool, _ key: String, _ reason: String) {
            if !ok { found.append((key, reason)) }
        }
        check((1...1024).contains(dimension), "dimension", "must be between 1 and 1024, got \(dimension)")
        check(unobservedWeight.isFinite && unobservedWeight >= 0, "unobserved_weight", "must be a finite number >= 0")
        check(regularization.isFinite && regularization > 0, "regularization", "must be a finite number > 0")
        check(confidence.alpha.isFinite && confidence.alpha >= 0, "alpha", "must be a finite number >= 0")
        check(confidence.recencyBoost.isFinite && confidence.recencyBoost >= 0, "recency_boost", "must be a finite number >= 0")
        check(confidence.recencyHorizon.isFinite && confidence.recencyHorizon > 0, "recency_horizon", "must be a finite number > 0")
        for type in EventType.allCases {
            let weight = eventWeights.weight(of: type)
            check(weight.isFinite && weight > 0, "event_weights.\(type.rawValue)", "must be a finite number > 0")
        }
        check(sgdLearningRate.isFinite && (0...1).contains(sgdLearningRate), "sgd_learning_rate", "must be between 0 and 1")
        check((0...1000).contains(conjugateGradientSteps), "conjugate_gradient_steps", "must be between 0 (Cholesky) and 1000")
        check(itemProjectionInterval >= 0, "item_projection_interval", "must be >= 0")
        check(sweepInterval >= 0, "sweep_interval", "must be >= 0")
        check(sweepSliceRows >= 1, "sweep_slice_rows", "must be >= 1")
        check(userGramCacheMegabytes.isFinite && userGramCacheMegabytes >= 0, "user_gram_cache_mb", "must be a finite number >= 0")
        check(warmItemUsers >= 1, "warm_item_users", "must be >= 1")
        check(categoryWeight.isFinite && categoryWeight >= 0, "category_weight", "must be a finite number >= 0")
        check(uploaderWeight.isFinite && uploaderWeight >= 0, "uploader_weight", "must be a finite number >= 0")
        check(freshItemPriorWeight.isFinite && freshItemPriorWeight >= 0, "fresh_item_prior_weight", "must be a finite number >= 0")
        check(popularityWeight.isFinite && popularityWeight >= 0, "popularity_weight", "must be a finite number >= 0")
        check(popularityHalfLife.isFinite && popularityHalfLife > 0, "popularity_half_life", "must be a finite number > 0")
        check(initialScale.isFinite && initialScale > 0, "initial_scale", "must be a finite number > 0")
        return found
    }
}
