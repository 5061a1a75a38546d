/// A user as stored: dense id and external id. (Its event counter is not
/// stored: it is one more than the largest `lastSequence` of its interactions.)
public struct UserRow: Sendable, Equatable {
    public var id: Int64
    public var externalID: String

    public init(id: Int64, externalID: String) {
        self.id = id
        self.externalID = externalID
    }
}

/// An item as stored, with what the catalog said about it.
public struct ItemRow: Sendable, Equatable {
    public var id: Int64
    public var externalID: String
    public var categories: [String]
    public var uploader: String?
    public var title: String?

    public init(id: Int64, externalID: String, categories: [String] = [], uploader: String? = nil, title: String? = nil) {
        self.id = id
        self.externalID = externalID
        self.categories = categories
        self.uploader = uploader
        self.title = title
    }
}

/// One observed (user, item) pair: its accumulated weight and recency.
public struct InteractionRow: Sendable, Equatable {
    public var user: Int64
    public var item: Int64
    public var weight: Float
    /// The user's event counter at the pair's last event.
    public var lastSequence: Int64

    public init(user: Int64, item: Int64, weight: Float, lastSequence: Int64) {
        self.user = user
        self.item = item
        self.weight = weight
        self.lastSequence = lastSequence
    }
}

/// One embedding.
public struct VectorRow: Sendable, Equatable {
    public var id: Int64
    public var vector: [Float]

    public init(id: Int64, vector: [Float]) {
        self.id = id
        self.vector = vector
    }
}

/// Which embeddings: users' or items'.
public enum EmbeddingSide: String, Sendable {
    case user, item

    var table: String { self == .user ? "user_embeddings" : "item_embeddings" }
    var idColumn: String { self == .user ? "user_id" : "item_id" }
}

/// The running sum of one cold-start group.
public struct CentroidRow: Sendable, Equatable {
    public enum Kind: String, Sendable { case category, uploader, global }
    public var kind: Kind
    public var key: String
    public var sum: [Double]
    public var count: Int

    public init(kind: Kind, key: String, sum: [Double], count: Int) {
        self.kind = kind
        self.key = key
        self.sum = sum
        self.count = count
    }
}

/// The next Kafka offset to consume in one partition.
public struct PartitionOffset: Sendable, Equatable, Hashable {
    public var topic: String
    public var partition: Int32
    public var nextOffset: Int64

    public init(topic: String, partition: Int32, nextOffset: Int64) {
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
    }
}

/// A record that could not be applied: where it was, what it held, and why.
public struct DeadLetter: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var payload: [UInt8]?
    public var reason: String

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, payload: [UInt8]?, reason: String) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.payload = payload
        self.reason = reason
    }
}

/// A list as it is written: a user's recommendations or an item's related
/// items, naming its items by row id (`items.id`).
public struct ListRow: Sendable, Equatable {
    public var id: String
    public var itemRows: [Int64]
    public var scores: [Float]

    public init(id: String, itemRows: [Int64], scores: [Float]) {
        self.id = id
        self.itemRows = itemRows
        self.scores = scores
    }
}

/// A published list as apps read it: a user's recommendations or an item's related items, by external ids.
public struct RankedList: Sendable, Equatable {
    public var id: String
    public var itemIDs: [String]
    public var scores: [Float]

    public init(id: String, itemIDs: [String], scores: [Float]) {
        self.id = id
        self.itemIDs = itemIDs
        self.scores = scores
    }
}
