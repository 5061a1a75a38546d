import Foundation
import RecstreamDaemon
import Testing

@Suite("serve configuration")
struct DaemonConfigurationTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("config/recstream.example.toml").path

    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("recstream-\(UUID().uuidString).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func problems(file: String? = nil, environment: [String: String] = [:], overrides: [String] = []) -> [String] {
        do {
            _ = try DaemonConfiguration.load(file: file, environment: environment, overrides: overrides)
            return []
        } catch {
            return error.problems.map(\.key)
        }
    }

    @Test func theExampleFileStatesEveryDefault() throws {
        let loaded = try DaemonConfiguration.load(file: Self.example, environment: [:], overrides: [])
        var defaults = DaemonConfiguration()
        defaults.brokers = "127.0.0.1:9092"  // required: the example gives the local stack's
        #expect(loaded == defaults)
        // And it names every model key there is.
        let text = try String(contentsOfFile: Self.example, encoding: .utf8)
        for (key, _) in DaemonConfiguration().model.keyValues {
            #expect(text.contains("\n\(key) =") || text.contains("\n\"\(key)\" ="), "\(key) missing from the example")
        }
    }

    @Test func fileThenEnvironmentThenFlags() throws {
        let file = try write("""
            [kafka]
            brokers = "file:9092"
            group_id = 'from file'   # literal string
            [kafka.properties]
            "security.protocol" = "SASL_SSL"
            [batch]
            max_events = 1_000
            [model]
            recency_boost = 8
            "event_weights.like" = 5.5
            """)
        let loaded = try DaemonConfiguration.load(
            file: file,
            environment: [
                "RECSTREAM_KAFKA_BROKERS": "env:9092", "RECSTREAM__BATCH__MAX_WAIT_MS": "50", "HOME": "/root",
                "RECSTREAM__KAFKA__PROPERTIES__SASL__PASSWORD": "s3cret",
            ],
            overrides: ["batch.max_events=7", "kafka.properties.sasl.mechanisms=PLAIN", "model.seed=9"])
        #expect(loaded.brokers == "env:9092")
        #expect(loaded.groupID == "from file")
        #expect(loaded.kafkaProperties == ["security.protocol": "SASL_SSL", "sasl.mechanisms": "PLAIN", "sasl.password": "s3cret"])
        #expect(loaded.batchMaxEvents == 7 && loaded.batchMaxWaitMs == 50)
        #expect(loaded.model.confidence.recencyBoost == 8 && loaded.model.eventWeights.like == 5.5 && loaded.model.seed == 9)
    }

    @Test func everyProblemIsNamedByItsKey() throws {
        let file = try write("""
            [kafka]
            brokers = 9092
            offset_reset = "newest"
            colour = "blue"
            [batch]
            max_events = 0
            [model]
            dimension = "big"
            no_such_model_key = 1
            """)
        let keys = problems(file: file, environment: ["RECSTREAM__DEDUP__WINDOW_EVENTS": "-5"], overrides: ["model.regularization=0", "nonsense"])
        #expect(Set(keys) == [
            "kafka.brokers", "kafka.offset_reset", "kafka.colour", "batch.max_events", "model.dimension", "model.no_such_model_key",
            "dedup.window_events", "model.regularization", "nonsense",
        ])
        do {
            _ = try DaemonConfiguration.load(file: file, environment: [:], overrides: [])
        } catch {
            let text = error.description
            #expect(text.contains("kafka.brokers: expected a string, got an integer"))
            #expect(text.contains("kafka.offset_reset: must be \"earliest\" or \"latest\", got \"newest\""))
            #expect(text.contains("kafka.colour: unknown key"))
            #expect(text.contains(":4)"), "the file line is named")
        }
    }

    @Test func tomlSyntaxErrorsGiveTheLine() throws {
        let file = try write("[batch]\nmax_events = 10\nmax_wait_ms = \"unterminated\n")
        do {
            _ = try DaemonConfiguration.load(file: file, environment: [:], overrides: [])
            Issue.record("must be refused")
        } catch {
            #expect(error.description.contains("line 3: unterminated string"))
        }
        #expect(problems(file: "/nonexistent/recstream.toml", environment: ["RECSTREAM_KAFKA_BROKERS": "h:9092"]) == ["/nonexistent/recstream.toml"])
        #expect(problems() == ["kafka.brokers"], "the one required key")
    }
}
