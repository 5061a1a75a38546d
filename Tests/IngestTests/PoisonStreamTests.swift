import Foundation
import Logging
import RecstreamIngest
import RecstreamModel
import RecstreamStore
import RecstreamStream
import TestSupport
import Testing

/// Whatever the decoder accepts, PostgreSQL stores: a stream of valid events
/// with ids of random Unicode among every kind of poison drains completely,
/// each valid event applied once and its ids stored verbatim, each invalid
/// one a dead letter that names its field.
@Suite("Poison records among valid ones", .enabled(if: TestServices.kafkaRequested && TestServices.postgresRequested))
struct PoisonStreamTests {
    /// Random text: ASCII, escaped control characters, two-, three- and
    /// four-byte characters, combining marks, line separators and U+0000.
    struct TextGenerator {
        var random: SplitMix64
        static let pool: [Unicode.Scalar] = [
            "a", "Z", "7", " ", "\"", "\\", "/", "\u{1}", "\u{7}", "\t", "\n", "\u{1F}", "\u{7F}", "é", "ß", "中", "\u{2028}", "\u{FEFF}",
            "\u{FFFD}", "\u{0301}", "\u{05D0}", "😀", "𝄞", "\u{10FFFF}",
        ]

        /// 1 to 12 scalars, one in 40 of them U+0000 when `poisoned`.
        mutating func text(poisoned: Bool) -> String {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 1...12, using: &random) {
                scalars.append(poisoned && Int.random(in: 0..<40, using: &random) == 0 ? "\u{0}" : Self.pool.randomElement(using: &random)!)
            }
            return String(scalars)
        }
    }

    /// The rule under test, said independently of the decoder: an id is a
    /// non-empty string of at most 512 UTF-8 bytes without U+0000.
    static func isStorableID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 512 && !id.utf8.contains(0)
    }

    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func everyValidEventIsAppliedOnceAndEveryPoisonIsADeadLetter() throws {
        let database = try FreshDatabase()
        var configuration = try DaemonConfiguration.forTests(databaseURL: database.url, prefix: "it-poison")
        configuration.model.dimension = 8
        configuration.batchMaxEvents = 500
        let producer = try KafkaProducer(properties: ["bootstrap.servers": configuration.brokers, "linger.ms": "5"])
        var generator = TextGenerator(random: SplitMix64(seed: 17))
        var expected: [String: Float] = [:]  // "user\u{1}item" -> weight
        var deadLetters = 0
        var produced = 0
        func send(_ payload: String, valid: (user: String, item: String, weight: Float)?) throws {
            try producer.send(topic: configuration.engagementTopic, key: "k\(produced % 7)", value: payload)
            produced += 1
            if let valid { expected[valid.user + "\u{1}" + valid.item, default: 0] += valid.weight } else { deadLetters += 1 }
        }

        // Random ids, some of them poisoned, some at and past the byte bound.
        let users = (0..<40).map { _ in generator.text(poisoned: false) }
        for index in 0..<3_000 {
            var user = users[index % users.count]
            var item = generator.text(poisoned: index % 5 == 0)
            if index % 97 == 0 { item = String(repeating: "i", count: 511 + index % 3) }  // 511, 512 or 513 bytes
            if index % 89 == 0 { user = String(repeating: "😀", count: 128 + index % 2) }  // 512 or 516 bytes
            let payload = Self.json(["event_id": "r\(index)", "user_id": user, "item_id": item, "type": "click", "ts": index])
            let storable = Self.isStorableID(user) && Self.isStorableID(item)
            try send(payload, valid: storable ? (user, item, 2) : nil)
        }
        // Hand-made poison that valid JSON allows.
        let poison = [
            #"{"event_id":"p1","user_id":"\ud800","item_id":"i","type":"view","ts":1}"#,
            #"{"event_id":"p2","user_id":"u","item_id":"\udc00","type":"view","ts":1}"#,
            #"{"event_id":"p3","user_id":"u","item_id":"i","type":"view","ts":1,"weight":3e38}"#,
            #"{"event_id":"p4","user_id":"u","item_id":"i","type":"view","ts":1,"weight":1e400}"#,
            #"{"event_id":"p5","user_id":"u","item_id":"i","type":"view","ts":99999999999999999999}"#,
            #"{"event_id":"p6","user_id":"u","item_id":"i","type":"vi\u0000ew","ts":1}"#,
            #"{"event_id":"p7\u0000","user_id":"u","item_id":"i","type":"view","ts":1}"#,
            #"{"event_id":"p8","user_id":"u","item_id":"i","type":"view","ts":1,"x":"# + String(repeating: "[", count: 600)
                + String(repeating: "]", count: 600) + "}",
            #"{"event_id":"p9","user_id":"\#(String(repeating: "x", count: 100_000))","item_id":"i","type":"view","ts":1}"#,
        ]
        for payload in poison { try send(payload, valid: nil) }
        // Repeated keys: the first counts, and the event is valid.
        try send(
            #"{"event_id":"d1","user_id":"first","user_id":"second","item_id":"dup","type":"like","ts":1}"#, valid: ("first", "dup", 4))
        // Catalog poison beside a valid catalog event.
        let catalog = [
            (#"{"item_id":"c-ok","categories":["é 中 😀","\u0007"],"title":"\u2028 t"}"#, true),
            (#"{"item_id":"c1","categories":["a\u0000"]}"#, false),
            (#"{"item_id":"c2","categories":[\#((0..<10_000).map { "\"g\($0)\"" }.joined(separator: ","))]}"#, false),
            (#"{"item_id":"c3","categories":[],"title":"t\u0000"}"#, false),
            (#"{"item_id":"c4","categories":[],"uploader_id":"\#(String(repeating: "u", count: 513))"}"#, false),
        ]
        for (payload, valid) in catalog {
            try producer.send(topic: configuration.catalogTopic, key: "c", value: payload)
            produced += 1
            if !valid { deadLetters += 1 }
        }
        try producer.flush()

        let pipeline = try IngestPipeline(configuration: configuration, logger: Logger(label: "test"))
        try pipeline.drain { $0.consumed >= produced }
        let statistics = pipeline.statistics
        #expect(statistics.consumed == produced, "the pipeline caught up")
        #expect(statistics.deadLettered == deadLetters)
        #expect(statistics.databaseRetries == 0)

        let state = StateRepository(connection: try database.connect())
        let storedUsers = Dictionary(uniqueKeysWithValues: try state.loadUsers().map { ($0.id, $0.externalID) })
        let storedItems = try state.loadItems()
        let itemIDs = Dictionary(uniqueKeysWithValues: storedItems.map { ($0.id, $0.externalID) })
        var stored: [String: Float] = [:]
        for row in try state.loadInteractions() { stored[storedUsers[row.user]! + "\u{1}" + itemIDs[row.item]!] = row.weight }
        let differing = Set(stored.keys).union(expected.keys).filter { stored[$0] != expected[$0] }
        #expect(differing.isEmpty, "\(differing.count) pairs differ, e.g. \(differing.prefix(3).map { $0.unicodeScalars.map(\.value) })")
        #expect(stored.count == expected.count)
        #expect(storedItems.first { $0.externalID == "c-ok" }?.categories == ["é 中 😀", "\u{7}"])

        let letters = try state.loadDeadLetters(limit: 10_000)
        #expect(letters.count == deadLetters)
        for letter in letters {
            #expect(!letter.reason.utf8.contains(0))
            let named = [
                "event_id", "user_id", "item_id", "type", "weight", "ts", "categories", "title", "uploader_id", "not valid JSON", "payload",
            ]
            #expect(named.contains { letter.reason.contains($0) }, "\(letter.reason)")
        }
        let offsets = try state.loadOffsets()
        #expect(offsets.reduce(0) { $0 + $1.nextOffset } == Int64(produced), "every record's offset is committed")
    }
}
