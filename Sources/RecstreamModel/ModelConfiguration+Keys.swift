/// Setting model hyperparameters by name, as config files, environment
/// variables and `eval --set key=value` name them.
extension ModelConfiguration {
    /// A value that does not fit its key.
    public struct KeyError: Error, Equatable, CustomStringConvertible {
        public var key: String
        public var reason: String

        public var description: String { "\(key): \(reason)" }
    }

    /// Every settable key with its current value as text.
    public var keyValues: [(key: String, value: String)] {
        Self.keys.map { ($0.name, $0.get(self)) }
    }

    /// Sets `key` from its text form; range checks are `problems()`'s job.
    public mutating func set(_ key: String, to text: String) throws(KeyError) {
        guard let entry = Self.keys.first(where: { $0.name == key }) else {
            throw KeyError(key: key, reason: "unknown key (known: \(Self.keys.map(\.name).joined(separator: ", ")))")
        }
        guard entry.set(&self, text) else { throw KeyError(key: key, reason: "expected \(entry.kind), got \"\(text)\"") }
    }

    private struct Key: Sendable {
        var name: String
        var kind: String
        var get: @Sendable (ModelConfiguration) -> String
        var set: @Sendable (inout ModelConfiguration, String) -> Bool
    }

    /// A key whose value is read by the type's own `init?(_ description:)`.
    private static func key<Value: LosslessStringConvertible & SendableMetatype>(
        _ name: String, _ kind: String, _ path: WritableKeyPath<ModelConfiguration, Value> & Sendable
    ) -> Key {
        Key(name: name, kind: kind, get: { "\($0[keyPath: path])" }, set: { configuration, text in
            guard let value = Value(text) else { return false }
            configuration[keyPath: path] = value
            return true
        })
    }

    private static func float(_ name: String, _ path: WritableKeyPath<ModelConfiguration, Float> & Sendable) -> Key {
        key(name, "a number", path)
    }

    private static func integer(_ name: String, _ path: WritableKeyPath<ModelConfiguration, Int> & Sendable) -> Key {
        key(name, "an integer", path)
    }

    private static let keys: [Key] = [
        integer("dimension", \.dimension),
        float("unobserved_weight", \.unobservedWeight),
        float("regularization", \.regularization),
        float("alpha", \.confidence.alpha),
        float("recency_boost", \.confidence.recencyBoost),
        float("recency_horizon", \.confidence.recencyHorizon),
        float("event_weights.view", \.eventWeights.view),
        float("event_weights.click", \.eventWeights.click),
        float("event_weights.like", \.eventWeights.like),
        float("sgd_learning_rate", \.sgdLearningRate),
        integer("conjugate_gradient_steps", \.conjugateGradientSteps),
        integer("item_projection_interval", \.itemProjectionInterval),
        key("cold_item_projection", "true or false", \.coldItemProjection),
        integer("sweep_interval", \.sweepInterval),
        integer("sweep_slice_rows", \.sweepSliceRows),
        key("user_gram_cache_mb", "a number", \.userGramCacheMegabytes),
        integer("warm_item_users", \.warmItemUsers),
        float("category_weight", \.categoryWeight),
        float("uploader_weight", \.uploaderWeight),
        key("fresh_item_centroids", "true or false", \.freshItemCentroids),
        float("fresh_item_prior_weight", \.freshItemPriorWeight),
        float("popularity_weight", \.popularityWeight),
        key("popularity_half_life", "a number", \.popularityHalfLife),
        float("initial_scale", \.initialScale),
        key("seed", "an integer >= 0", \.seed),
    ]
}
