public import Foundation
public import RecstreamModel

/// A catalog event as `schemas/events/catalog.schema.json` defines it.
public struct CatalogEvent: Sendable, Equatable, JSONRecord {
    public var itemID: String
    public var categories: [String]
    public var uploaderID: String?
    /// Epoch milliseconds.
    public var createdAt: Int64?
    public var title: String?

    public init(itemID: String, categories: [String], uploaderID: String? = nil, createdAt: Int64? = nil, title: String? = nil) {
        self.itemID = itemID
        self.categories = categories
        self.uploaderID = uploaderID
        self.createdAt = createdAt
        self.title = title
    }

    /// Decodes and validates one JSON record.
    public init(json data: Data, limits: EventLimits = EventLimits()) throws(EventDecodingError) {
        self = try JSONFields.decode(Self.self, from: data, limits: limits)
    }

    init(fields: JSONFields) throws(EventDecodingError) {
        itemID = try fields.id("item_id")
        categories = try fields.idArray("categories")
        uploaderID = try fields.optionalID("uploader_id")
        createdAt = try fields.optionalTimestamp("created_at")
        title = try fields.optionalString("title", maxBytes: fields.limits.maxTitleBytes)
    }

    /// What the model keeps of it.
    public var profile: ItemProfile {
        ItemProfile(categories: categories, uploader: uploaderID)
    }

    /// The event as one JSON record (keys sorted).
    public func json() -> Data {
        var object: [String: Any] = ["item_id": itemID, "categories": categories]
        if let uploaderID { object["uploader_id"] = uploaderID }
        if let createdAt { object["created_at"] = createdAt }
        if let title { object["title"] = title }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }
}
