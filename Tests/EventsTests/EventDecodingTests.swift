import Foundation
import RecstreamEvents
import Testing

@Suite("Event decoding and validation")
struct EventDecodingTests {
    func engagement(_ text: String) throws(EventDecodingError) -> EngagementEvent {
        try EngagementEvent(json: Data(text.utf8))
    }

    @Test func validEngagementWithEitherTimestampForm() throws {
        let millis = try engagement(#"{"event_id":"e1","user_id":"u","item_id":"i","type":"like","ts":1714564800250,"weight":2.5}"#)
        #expect(millis == EngagementEvent(eventID: "e1", userID: "u", itemID: "i", type: .like, timestamp: 1_714_564_800_250, weight: 2.5))
        let text = try engagement(#"{"event_id":"e2","user_id":"u","item_id":"i","type":"view","ts":"2024-05-01T14:00:00.250+02:00"}"#)
        #expect(text.timestamp == 1_714_564_800_250)
        #expect(text.weight == nil)
        // What json() writes decodes to the same event.
        #expect(try EngagementEvent(json: millis.json()) == millis)
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (#"{"user_id":"u","item_id":"i","type":"view","ts":1}"#, "missing required field event_id"),
        (#"{"event_id":"e","user_id":"","item_id":"i","type":"view","ts":1}"#, "user_id must not be empty"),
        (#"{"event_id":"e","user_id":7,"item_id":"i","type":"view","ts":1}"#, "user_id must be a string"),
        (#"{"event_id":"e","user_id":{"id":"u"},"item_id":"i","type":"view","ts":1}"#, "user_id must be a string"),
        (#"{"event_id":"e","user_id":null,"item_id":"i","type":"view","ts":1}"#, "missing required field user_id"),
        (#"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":true}"#, "ts must be RFC 3339 text or epoch milliseconds"),
        (#"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":1.5}"#, "ts in epoch milliseconds must be an integer >= 0"),
        (#"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":1,"weight":"2"}"#, "weight must be a number"),
        (#"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":1} trailing"#, "not valid JSON"),
        (#"{"event_id":"e","user_id":"u","item_id":"i","type":"share","ts":1}"#, #"type must be one of view, click, like; got "share""#),
        (#"{"event_id":"e","user_id":"u","item_id":"i","type":"view"}"#, "missing required field ts"),
        (#"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":-5}"#, "ts in epoch milliseconds must be an integer >= 0"),
        (
            #"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":"yesterday"}"#,
            #"ts must be RFC 3339 text (e.g. 2024-05-01T12:00:00Z) or epoch milliseconds, got "yesterday""#
        ),
        (#"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":1,"weight":0}"#, "weight must be a finite number > 0, got 0.0"),
        (#"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":1,"weight":true}"#, "weight must be a number"),
    ])
    func invalidEngagementsNameTheProblem(record: String, reason: String) {
        #expect(throws: EventDecodingError(reason)) { try engagement(record) }
    }

    @Test func catalogEvents() throws {
        let event = try CatalogEvent(json: Data(#"{"item_id":"m1","categories":["Drama","War"],"uploader_id":"studio","title":"T"}"#.utf8))
        #expect(event.profile.categories == ["Drama", "War"])
        #expect(event.profile.uploader == "studio")
        #expect(try CatalogEvent(json: event.json()) == event)
        #expect(throws: EventDecodingError("categories must be an array of strings")) {
            try CatalogEvent(json: Data(#"{"item_id":"m1","categories":"Drama"}"#.utf8))
        }
        #expect(throws: EventDecodingError("categories must be an array of strings")) {
            try CatalogEvent(json: Data(#"{"item_id":"m1","categories":["Drama",3]}"#.utf8))
        }
        #expect(throws: EventDecodingError("categories must not contain empty strings")) {
            try CatalogEvent(json: Data(#"{"item_id":"m1","categories":["Drama",""]}"#.utf8))
        }
        #expect(throws: EventDecodingError("missing required field categories")) {
            try CatalogEvent(json: Data(#"{"item_id":"m1"}"#.utf8))
        }
    }
}
