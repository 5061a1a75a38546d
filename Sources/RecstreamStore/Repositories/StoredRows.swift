/// A user as stored: dense id and external id. (Its event counter is not
/// stored: it is one more than the largest `lastSequence` of its interactions.)
public struct UserRow: Sendable, Equatable, CopyReadableRow {
    public var id: Int64
    public var externalID: String

    public init(id: Int64, externalID: String) {
        self.id = id
        self.externalID = externalID
    }

    static let columns = ["id", "external_id"]

    func encode(into writer: inout BinaryCopyWriter) {
        writer.append(id)
        writer.append(externalID)
    }

    init(from reader: inout BinaryCopyReader) throws {
        id = try reader.readInt64().required("users.id")
        externalID = try reader.readString().required("users.external_id")
    }
}

/// An item as stored, with what the catalog said about it.
public struct ItemRow: Sendable, Equatable, CopyReadableRow {
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

    static let columns = ["id", "external_id", "categories", "uploader", "title"]

    func encode(into writer: inout BinaryCopyWriter) {
        writer.append(id)
        writer.append(externalID)
        writer.append(textArray: categories)
        writer.append(optional: uploader)
        writer.append(optional: title)
    }

    init(from reader: inout BinaryCopyReader) throws {
        id = try reader.readInt64().required("items.id")
        externalID = try reader.readString().required("items.external_id")
        categories = try reader.readTextArray().required("items.categories")
        uploader = try reader.readString()
        title = try reader.readString()
    }
}

/// Weight one batch added to the step from one item to the next
/// (`item_transitions`): a pair's count is the sum of its rows, each
/// written by the batch of `modelVersion` (or folded from older rows, with
/// the newest of their versions).
public struct TransitionRow: Sendable, Equatable, CopyReadableRow {
    public var from: Int64
    public var to: Int64
    public var weight: Float
    public var modelVersion: Int64

    public init(from: Int64, to: Int64, weight: Float, modelVersion: Int64) {
        self.from = from
        self.to = to
        self.weight = weight
        self.modelVersion = modelVersion
    }

    static let columns = ["from_item", "to_item", "weight", "model_version"]

    func encode(into writer: inout BinaryCopyWriter) {
        writer.append(from)
        writer.append(to)
        writer.append(weight)
        writer.append(modelVersion)
    }

    init(from reader: inout BinaryCopyReader) throws {
        from = try reader.readInt64().required("item_transitions.from_item")
        to = try reader.readInt64().required("item_transitions.to_item")
        weight = try reader.readFloat().required("item_transitions.weight")
        modelVersion = try reader.readInt64().required("item_transitions.model_version")
    }
}

/// One pair of weights the lists tried (`blend_tuning`): its decayed hits,
/// its decayed wins over every pair tried (by popularity weight, then
/// transition weight), and whether the lists use it.
public struct BlendTuningRow: Sendable, Equatable, CopyReadableRow {
    public var popularityWeight: Float
    public var transitionWeight: Float
    public var hits: Double
    public var wins: [Double]
    public var chosen: Bool
    public var tests: Int64

    public init(popularityWeight: Float, transitionWeight: Float, hits: Double, wins: [Double], chosen: Bool, tests: Int64) {
        self.popularityWeight = popularityWeight
        self.transitionWeight = transitionWeight
        self.hits = hits
        self.wins = wins
        self.chosen = chosen
        self.tests = tests
    }

    static let columns = ["popularity_weight", "transition_weight", "hits", "wins", "chosen", "tests"]

    func encode(into writer: inout BinaryCopyWriter) {
        writer.append(popularityWeight)
        writer.append(transitionWeight)
        writer.append(hits)
        writer.append(doubleArray: wins)
        writer.append(chosen)
        writer.append(tests)
    }

    init(from reader: inout BinaryCopyReader) throws {
        popularityWeight = try reader.readFloat().required("blend_tuning.popularity_weight")
        transitionWeight = try reader.readFloat().required("blend_tuning.transition_weight")
        hits = try reader.readDouble().required("blend_tuning.hits")
        wins = try reader.readDoubleArray().required("blend_tuning.wins")
        chosen = try reader.readBool().required("blend_tuning.chosen")
        tests = try reader.readInt64().required("blend_tuning.tests")
    }
}

/// One observed (user, item) pair: its accumulated weight and recency.
public struct InteractionRow: Sendable, Equatable, CopyReadableRow {
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

    static let columns = ["user_id", "item_id", "weight", "last_sequence"]

    func encode(into writer: inout BinaryCopyWriter) {
        writer.append(user)
        writer.append(item)
        writer.append(weight)
        writer.append(lastSequence)
    }

    init(from reader: inout BinaryCopyReader) throws {
        user = try reader.readInt64().required("interactions.user_id")
        item = try reader.readInt64().required("interactions.item_id")
        weight = try reader.readFloat().required("interactions.weight")
        lastSequence = try reader.readInt64().required("interactions.last_sequence")
    }
}

/// One embedding, with the model version that wrote it.
public struct VectorRow: Sendable, Equatable, CopyReadableRow {
    public var id: Int64
    public var vector: [Float]
    public var version: Int64

    public init(id: Int64, vector: [Float], version: Int64) {
        self.id = id
        self.vector = vector
        self.version = version
    }

    static let columns = ["id", "vector", "version"]

    func encode(into writer: inout BinaryCopyWriter) {
        writer.append(id)
        writer.append(realArray: vector)
        writer.append(version)
    }

    init(from reader: inout BinaryCopyReader) throws {
        id = try reader.readInt64().required("embedding id")
        vector = try reader.readRealArray().required("embedding vector")
        version = try reader.readInt64().required("embedding version")
    }
}

/// Which embeddings: users' or items'.
public enum EmbeddingSide: String, Sendable {
    case user, item
}

/// The running sum of one cold-start group.
public struct CentroidRow: Sendable, Equatable, CopyReadableRow {
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

    static let columns = ["kind", "key", "vector_sum", "member_count"]

    func encode(into writer: inout BinaryCopyWriter) {
        writer.append(kind.rawValue)
        writer.append(key)
        writer.append(doubleArray: sum)
        writer.append(Int32(count))
    }

    init(from reader: inout BinaryCopyReader) throws {
        let kind = try reader.readString().required("centroids.kind")
        self.kind = try Kind(rawValue: kind).required("centroids.kind (\(kind))")
        key = try reader.readString().required("centroids.key")
        sum = try reader.readDoubleArray().required("centroids.vector_sum")
        count = Int(try reader.readInt32().required("centroids.member_count"))
    }
}

/// The next Kafka offset to consume in one partition.
public struct PartitionOffset: Sendable, Equatable, Hashable, CopyReadableRow {
    public var topic: String
    public var partition: Int32
    public var nextOffset: Int64

    public init(topic: String, partition: Int32, nextOffset: Int64) {
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
    }

    static let columns = ["topic", "partition", "next_offset"]

    func encode(into writer: inout BinaryCopyWriter) {
        writer.append(topic)
        writer.append(partition)
        writer.append(nextOffset)
    }

    init(from reader: inout BinaryCopyReader) throws {
        topic = try reader.readString().required("consumer_offsets.topic")
        partition = try reader.readInt32().required("consumer_offsets.partition")
        nextOffset = try reader.readInt64().required("consumer_offsets.next_offset")
    }
}

/// A record that could not be applied: where it was, what it held, and why.
public struct DeadLetter: Sendable, Equatable, CopyReadableRow {
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

    static let columns = ["topic", "partition", "\"offset\"", "key", "payload", "reason"]

    func encode(into writer: inout BinaryCopyWriter) {
        writer.append(topic)
        writer.append(partition)
        writer.append(offset)
        writer.append(optionalBytes: key)
        writer.append(optionalBytes: payload)
        writer.append(reason)
    }

    init(from reader: inout BinaryCopyReader) throws {
        topic = try reader.readString().required("dead_letters.topic")
        partition = try reader.readInt32().required("dead_letters.partition")
        offset = try reader.readInt64().required("dead_letters.offset")
        key = try reader.readBytes()
        payload = try reader.readBytes()
        reason = try reader.readString().required("dead_letters.reason")
    }
}

/// The event ids one batch applied, the unit of the duplicate window.
struct EventIDBatchRow: CopyRow {
    var ids: [String]

    static let columns = ["event_ids"]

    func encode(into writer: inout BinaryCopyWriter) {
        writer.append(textArray: ids)
    }
}

/// A list as it is written: a user's recommendations or an item's related
/// items, naming its items by row id (`items.id`).
public struct ListRow: Sendable, Equatable, CopyRow {
    public var id: String
    public var itemRows: [Int64]
    public var scores: [Float]
    /// The model version it was computed from: a list never replaces one of a newer version.
    public var modelVersion: Int64

    public init(id: String, itemRows: [Int64], scores: [Float], modelVersion: Int64) {
        self.id = id
        self.itemRows = itemRows
        self.scores = scores
        self.modelVersion = modelVersion
    }

    static let columns = ["id", "item_rows", "scores", "model_version"]

    func encode(into writer: inout BinaryCopyWriter) {
        writer.append(id)
        writer.append(bigintArray: itemRows)
        writer.append(realArray: scores)
        writer.append(modelVersion)
    }
}

/// One rank of the popular list.
struct PopularItemRow: CopyRow {
    var rank: Int32
    var itemID: String
    var score: Float
    var modelVersion: Int64

    static let columns = ["rank", "item_id", "score", "model_version"]

    func encode(into writer: inout BinaryCopyWriter) {
        writer.append(rank)
        writer.append(itemID)
        writer.append(score)
        writer.append(modelVersion)
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
