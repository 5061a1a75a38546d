public import Foundation
public import RecstreamModel

/// An engagement event as `schemas/events/engagement.schema.json` defines it.
public struct EngagementEvent: Sendable, Equatable, JSONRecord {
    public var eventID: String
    public var userID: String
    public var itemID: String
    public var type: EventType
    /// Epoch milliseconds.
    public var timestamp: Int64
    /// Optional multiplier of the type's configured weight.
    public var weight: Float?

    public init(eventID: String, userID: String, itemID: String, type: EventType, timestamp: Int64, weight: Float? = nil) {
        self.eventID = eventID
        self.userID = userID
        self.itemID = itemID
        self.type = type
        self.timestamp = timestamp
        self.weight = weight
    }

    /// Decodes and validates one JSON record.
    public init(json data: Data) throws(EventDecodingError) {
        self = try JSONFields.decode(Self.self, from: data)
    }

    init(fields: JSONFields) throws(EventDecodingError) {
        eventID = try fields.string("event_id")
        userID = try fields.string("user_id")
        itemID = try fields.string("item_id")
        let typeName = try fields.string("type")
        guard let type = EventType(rawValue: typeName) else {
            throw EventDecodingError("type must be one of view, click, like; got \"\(typeName)\"")
        }
        self.type = type
        guard let timestamp = try fields.optionalTimestamp("ts") else { throw EventDecodingError("missing required field ts") }
        self.timestamp = timestamp
        if let weight = try fields.optionalNumber("weight") {
            guard weight > 0, Float(weight).isFinite else { throw EventDecodingError("weight must be a finite number > 0, got \(weight)") }
            self.weight = Float(weight)
        }
    }

    /// The event as the model learns it.
    public var engagement: Engagement {
        Engagement(user: userID, item: itemID, type: type, weight: weight)
    }

    /// The event as one JSON record (keys sorted).
    public func json() -> Data {
        var object: [String: Any] = [
            "event_id": eventID, "user_id": userID, "item_id": itemID, "type": type.rawValue, "ts": timestamp,
        ]
        if let weight { object["weight"] = Double(weight) }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }
}
