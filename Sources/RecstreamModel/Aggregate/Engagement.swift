/// One implicit-feedback event as the model learns it.
public struct Engagement: Sendable, Equatable {
    public var user: String
    public var item: String
    public var type: EventType
    /// Multiplies the type's configured weight (finite, > 0; default 1).
    public var weight: Float?

    public init(user: String, item: String, type: EventType = .view, weight: Float? = nil) {
        self.user = user
        self.item = item
        self.type = type
        self.weight = weight
    }
}

/// What the catalog says about an item: its categories and uploader, from
/// which a fresh item's first vector comes.
public struct ItemProfile: Sendable, Hashable {
    public var categories: [String]
    public var uploader: String?

    public init(categories: [String] = [], uploader: String? = nil) {
        self.categories = categories
        self.uploader = uploader
    }
}
