/// Bounds on what an event may hold, so that whatever the decoder accepts,
/// PostgreSQL can store: an id becomes a key of a unique B-tree index
/// (at most about 2,700 bytes an entry), a category a centroid's key.
public struct EventLimits: Sendable, Equatable {
    /// UTF-8 bytes of an id: `event_id`, `user_id`, `item_id`, `uploader_id`, each category.
    public var maxIDBytes = 512
    /// Categories of one catalog event.
    public var maxCategories = 256
    /// UTF-8 bytes of an item's title.
    public var maxTitleBytes = 4_096

    /// The largest `weight` an engagement event may carry: larger ones would
    /// overflow single precision once the model squares its confidence.
    public static let maxWeight = 1_000_000.0

    public init() {}
}
