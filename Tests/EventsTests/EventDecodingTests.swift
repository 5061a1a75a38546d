import Foundation
import Testing

@testable import RecstreamEvents

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
        (
            #"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":1,"weight":0}"#,
            "weight must be a number > 0 and at most 1000000, got 0.0"
        ),
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
        #expect(throws: EventDecodingError("categories[1] must not be empty")) {
            try CatalogEvent(json: Data(#"{"item_id":"m1","categories":["Drama",""]}"#.utf8))
        }
        #expect(throws: EventDecodingError("missing required field categories")) {
            try CatalogEvent(json: Data(#"{"item_id":"m1"}"#.utf8))
        }
    }

    /// Records that valid JSON allows but PostgreSQL could not store, or the
    /// model could not learn, are refused here with the field named.
    @Test(arguments: [
        (#"{"event_id":"e","user_id":"u\u0000x","item_id":"i","type":"view","ts":1}"#, "user_id must not contain U+0000"),
        (#"{"event_id":"\u0000","user_id":"u","item_id":"i","type":"view","ts":1}"#, "event_id must not contain U+0000"),
        (#"{"event_id":"e","user_id":"u","item_id":"i\u0000","type":"view","ts":1}"#, "item_id must not contain U+0000"),
        (#"{"event_id":"e","user_id":"u","item_id":"i","type":"vi\u0000ew","ts":1}"#, "type must not contain U+0000"),
        (
            #"{"event_id":"e","user_id":"u","item_id":"i","type":"\u0007share","ts":1}"#,
            #"type must be one of view, click, like; got "\u{7}share""#
        ),
        (#"{"event_id":"e","user_id":"\ud800","item_id":"i","type":"view","ts":1}"#, "user_id is not valid JSON"),
        (#"{"event_id":"e","user_id":"\udc00x","item_id":"i","type":"view","ts":1}"#, "user_id is not valid JSON"),
        (
            #"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":1,"weight":1000000.5}"#,
            "weight must be a number > 0 and at most 1000000, got 1000000.5"
        ),
        (
            #"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":1,"weight":3e38}"#,
            "weight must be a number > 0 and at most 1000000, got 3e+38"
        ),
        (
            #"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":1,"weight":-1e-300}"#,
            "weight must be a number > 0 and at most 1000000, got -1e-300"
        ),
        (
            #"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":9007199254740993}"#,
            "ts in epoch milliseconds must be an integer >= 0"
        ),
        (#"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":1e300}"#, "ts in epoch milliseconds must be an integer >= 0"),
        (
            #"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":"1012-05-01T10:00:00Z"}"#,
            #"ts must not be before 1970, got "1012-05-01T10:00:00Z""#
        ),
        (
            #"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":"1012-05-01T100:40:0.250+02:00"}"#,
            #"ts must be RFC 3339 text (e.g. 2024-05-01T12:00:00Z) or epoch milliseconds, got "1012-05-01T100:40:0.250+02:00""#
        ),
        (
            #"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":"2024-13-01T10:00:00Z"}"#,
            #"ts must be RFC 3339 text (e.g. 2024-05-01T12:00:00Z) or epoch milliseconds, got "2024-13-01T10:00:00Z""#
        ),
    ])
    func recordsPostgreSQLCouldNotStoreAreRefused(record: String, reason: String) {
        #expect(throws: EventDecodingError(reason)) { try engagement(record) }
    }

    /// Ids are bounded in UTF-8 bytes, not characters: 128 four-byte
    /// characters are 512 bytes, one more is over.
    @Test func idsAreBoundedInBytes() throws {
        func event(user: String) -> String { #"{"event_id":"e","user_id":"\#(user)","item_id":"i","type":"view","ts":1}"# }
        #expect(try engagement(event(user: String(repeating: "x", count: 512))).userID.utf8.count == 512)
        #expect(throws: EventDecodingError("user_id has 513 bytes, more than the 512 allowed")) {
            try engagement(event(user: String(repeating: "x", count: 513)))
        }
        #expect(throws: EventDecodingError("user_id has 102400 bytes, more than the 512 allowed")) {
            try engagement(event(user: String(repeating: "x", count: 102_400)))
        }
        #expect(try engagement(event(user: String(repeating: "😀", count: 128))).userID.unicodeScalars.count == 128)
        #expect(throws: EventDecodingError("user_id has 516 bytes, more than the 512 allowed")) {
            try engagement(event(user: String(repeating: "😀", count: 129)))
        }
        var limits = EventLimits()
        limits.maxIDBytes = 4
        #expect(throws: EventDecodingError("event_id has 5 bytes, more than the 4 allowed")) {
            try EngagementEvent(json: Data(#"{"event_id":"e1234","user_id":"u","item_id":"i","type":"view","ts":1}"#.utf8), limits: limits)
        }
        // Control characters other than U+0000 are stored as they are.
        #expect(try engagement(event(user: #"a\u0007\t\u001fb"#)).userID == "a\u{7}\t\u{1F}b")
    }

    @Test func catalogEventsAreBoundedToo() throws {
        func catalog(_ fields: String) throws(EventDecodingError) -> CatalogEvent {
            try CatalogEvent(json: Data(#"{"item_id":"m",\#(fields)}"#.utf8))
        }
        let many = (0..<256).map { "\"c\($0)\"" }.joined(separator: ",")
        #expect(try catalog(#""categories":[\#(many)]"#).categories.count == 256)
        #expect(throws: EventDecodingError("categories has 257 entries, more than the 256 allowed")) {
            try catalog(#""categories":[\#(many),"one more"]"#)
        }
        #expect(throws: EventDecodingError("categories has 10000 entries, more than the 256 allowed")) {
            try catalog(#""categories":[\#((0..<10_000).map { "\"c\($0)\"" }.joined(separator: ","))]"#)
        }
        #expect(throws: EventDecodingError("categories[1] must not contain U+0000")) { try catalog(#""categories":["a","b\u0000"]"#) }
        #expect(throws: EventDecodingError("uploader_id has 513 bytes, more than the 512 allowed")) {
            try catalog(#""categories":[],"uploader_id":"\#(String(repeating: "u", count: 513))""#)
        }
        #expect(try catalog(#""categories":[],"title":"\#(String(repeating: "t", count: 4_096))""#).title?.count == 4_096)
        #expect(throws: EventDecodingError("title has 4097 bytes, more than the 4096 allowed")) {
            try catalog(#""categories":[],"title":"\#(String(repeating: "t", count: 4_097))""#)
        }
        #expect(throws: EventDecodingError("title must not contain U+0000")) { try catalog(#""categories":[],"title":"a\u0000""#) }
    }

    /// Foundation's decoder: nesting past 512 levels is not JSON; of repeated
    /// keys the first counts.
    @Test func deepNestingAndRepeatedKeys() throws {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: EventDecodingError("not valid JSON")) {
            try engagement(#"{"event_id":"e","user_id":"u","item_id":"i","type":"view","ts":1,"extra":\#(deep)}"#)
        }
        #expect(
            try engagement(#"{"event_id":"e","user_id":"first","user_id":"second","item_id":"i","type":"view","ts":1}"#).userID == "first")
    }

    /// A reason is stored as text: it quotes a bad value escaped and cut short.
    @Test func reasonsNeverCarryWhatTheyReject() {
        let value = "\u{0}" + String(repeating: "y", count: 100)
        let quoted = EventDecodingError.quoted(value)
        #expect(!quoted.utf8.contains(0))
        #expect(quoted == "\"\\u{0}" + String(repeating: "y", count: 63) + "...\"")
    }
}
