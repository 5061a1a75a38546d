public import RecstreamConfiguration

/// The model's configuration keys, as the `[model]` section of the daemon's
/// file and `eval --set key=value` name them: each key's name, range and
/// summary; its type and default are the property's.
extension ModelConfiguration {
    public static let configurationTable = ConfigurationTable<ModelConfiguration>(keys: [
        .init("dimension", \.dimension, .between(1...1024), "Embedding dimension d (fixed once the database holds a model)."),
        .init("unobserved_weight", \.unobservedWeight, .atLeast(0), "w0: weight of every unobserved (user, item) pair."),
        .init("regularization", \.regularization, .greaterThan(0), "lambda: ridge regularisation of every vector."),
        .init(
            "alpha", \.confidence.alpha, .atLeast(0),
            "Confidence c = 1 + alpha * w * (1 + recency_boost * exp(-k / recency_horizon)), w the pair's accumulated event weight, k the user's events since the pair's last one."
        ),
        .init(
            "recency_boost", \.confidence.recencyBoost, .atLeast(0), "Extra weight of a user's most recent interactions (0 = no recency)."),
        .init(
            "recency_horizon", \.confidence.recencyHorizon, .greaterThan(0),
            "Later events of the user over which that extra weight decays by a factor e."),
        .init("event_weights.view", \.eventWeights.view, .greaterThan(0), "Weight one view adds to its pair."),
        .init("event_weights.click", \.eventWeights.click, .greaterThan(0), "Weight one click adds to its pair."),
        .init("event_weights.like", \.eventWeights.like, .greaterThan(0), "Weight one like adds to its pair."),
        .init(
            "sgd_learning_rate", \.sgdLearningRate, .between(0...1),
            "SGD-with-gravity step per event, as a fraction of the largest safe step (0 = off)."),
        .init(
            "conjugate_gradient_steps", \.conjugateGradientSteps, .between(0...1000),
            "Conjugate-gradient steps per projection; 0 = exact Cholesky."),
        .init(
            "item_projection_interval", \.itemProjectionInterval, .atLeast(0),
            "Project the items a batch touched every N batches (0 = only in full sweeps)."),
        .init("cold_item_projection", \.coldItemProjection, "Project touched items that are not warm yet every batch."),
        .init(
            "sweep_interval", \.sweepInterval, .atLeast(0),
            "A full WALS sweep after this many events (0 = never on its own), and never sooner than after as many events as the model has users plus items."
        ),
        .init(
            "sweep_slice_rows", \.sweepSliceRows, .atLeast(1),
            "A sweep projects at most this many users and items per batch and goes on in the next batches, so ingestion never waits for a whole sweep."
        ),
        .init(
            "user_gram_cache_mb", \.userGramCacheMegabytes, .atLeast(0),
            "Memory (MB) for the kept projection terms of users with at least `dimension` history entries (0 = none), least recently used out first."
        ),
        .init("warm_item_users", \.warmItemUsers, .atLeast(1), "An item with this many users is warm and feeds the cold-start centroids."),
        .init("category_weight", \.categoryWeight, .atLeast(0), "Share of the category means in a fresh item's vector."),
        .init("uploader_weight", \.uploaderWeight, .atLeast(0), "Share of the uploader mean in a fresh item's vector."),
        .init("fresh_item_centroids", \.freshItemCentroids, "Fresh items start at their centroid (false: a small random vector)."),
        .init(
            "fresh_item_prior_weight", \.freshItemPriorWeight, .atLeast(0), "Pull of a not-yet-warm item's projection toward its centroid."),
        .init(
            "popularity_weight", \.popularityWeight, .atLeast(0),
            "beta: scores add beta * log(1 + the item's decayed event count): where tuning starts, or the fixed weight without it."
        ),
        .init("popularity_half_life", \.popularityHalfLife, .greaterThan(0), "Events after which an item's popularity count has halved."),
        .init(
            "transition_weight", \.transitionWeight, .atLeast(0),
            "Weight of what comes next (how often an item followed the user's last items) in every list, against the factorisation's 1 (0 = off): where tuning starts, or the fixed weight without it."
        ),
        .init(
            "blend_tuning", \.blendTuning,
            "Learn the popularity and transition weights from the stream: sampled events test the user's list under each pair of weights of a grid, and the lists take the pair with the most recent hits among those that beat the configured weights clearly."
        ),
        .init(
            "transition_window", \.transitionWindow, .between(1...16),
            "Each event is a step to its item from each of the user's last this many distinct items, the k-th most recent weighing 2^(1-k)."
        ),
        .init(
            "transition_memory", \.transitionMemory, .between(1...100), "A user's last this many distinct items score their successors."),
        .init("initial_scale", \.initialScale, .greaterThan(0), "Scale of random initial vectors."),
        .init("seed", \.seed, "Seed of every random choice the model makes."),
    ])
}
