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
    public init(json data: Data, limits: EventLimits = EventLimits()) throws(EventDecodingError) {
        self = try JSONFields.decode(Self.self, from: data, limits: limits)
    }

    init(fields: JSONFields) throws(EventDecodingError) {
        eventID = try fields.id("event_id")
        userID = try fields.id("user_id")
        itemID = try fields.id("item_id")
        let typeName = try fields.string("type", maxBytes: fields.limits.maxIDBytes)
        guard let type = EventType(rawValue: typeName) else {
            throw EventDecodingError("type must be one of view, click, like; got \(EventDecodingError.quoted(typeName))")
        }
        self.type = type
        guard let timestamp = try fields.optionalTimestamp("ts") else { throw EventDecodingError("missing required field ts") }
        self.timestamp = timestamp
        if let weight = try fields.optionalNumber("weight") {
            guard weight > 0, weight <= EventLimits.maxWeight else {
                throw EventDecodingError("weight must be a number > 0 and at most \(Int(EventLimits.maxWeight)), got \(weight)")
            }
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
