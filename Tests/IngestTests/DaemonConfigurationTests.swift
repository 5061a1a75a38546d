import Foundation
import RecstreamConfiguration
import RecstreamIngest
import RecstreamModel
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

    /// The problems of a configuration that must be refused; records an
    /// issue (and returns nil) when it loads.
    func refusal(file: String? = nil, environment: [String: String] = [:], overrides: [String] = []) -> ConfigurationProblems? {
        do {
            _ = try DaemonConfiguration.load(file: file, environment: environment, overrides: overrides)
            Issue.record("the configuration must be refused")
            return nil
        } catch {
            return error
        }
    }

    @Test func theExampleFileIsTheTableWrittenOutAndLoadsAsEveryDefault() throws {
        let text = try String(contentsOfFile: Self.example, encoding: .utf8)
        #expect(
            text == DaemonConfiguration.exampleFile,
            "config/recstream.example.toml is stale: run `recstream config example > config/recstream.example.toml`")
        let loaded = try DaemonConfiguration.load(file: Self.example, environment: [:], overrides: [])
        #expect(loaded == DaemonConfiguration.example)
        var defaults = DaemonConfiguration()
        defaults.brokers = loaded.brokers  // the one key without a default
        #expect(loaded == defaults)
        for key in DaemonConfiguration.configurationTable.keys {
            #expect(text.contains(key.summary.split(separator: " ").prefix(3).joined(separator: " ")), "\(key.name) has its summary")
        }
    }

    @Test func fileThenEnvironmentThenFlags() throws {
        let file = try write(
            """
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
            [model.event_weights]
            view = 0.5
            """)
        let loaded = try DaemonConfiguration.load(
            file: file,
            environment: [
                "RECSTREAM_KAFKA_BROKERS": "env:9092", "RECSTREAM__BATCH__MAX_WAIT_MS": "50", "HOME": "/root",
                "RECSTREAM__KAFKA__PROPERTIES__SASL__PASSWORD": "s3cret", "RECSTREAM__MODEL__EVENT_WEIGHTS__CLICK": "3",
                "RECSTREAM__LOG__FORMAT": "json",
            ],
            overrides: ["batch.max_events=7", "kafka.properties.sasl.mechanisms=PLAIN", "model.seed=9", "kafka.offset_reset=latest"])
        #expect(loaded.brokers == "env:9092")
        #expect(loaded.groupID == "from file")
        #expect(loaded.kafkaProperties == ["security.protocol": "SASL_SSL", "sasl.mechanisms": "PLAIN", "sasl.password": "s3cret"])
        #expect(loaded.batchMaxEvents == 7 && loaded.batchMaxWaitMs == 50)
        #expect(loaded.model.confidence.recencyBoost == 8 && loaded.model.seed == 9)
        #expect(loaded.model.eventWeights == EventWeights(view: 0.5, click: 3, like: 5.5))
        #expect(loaded.logFormat == .json && loaded.offsetReset == .latest)
    }

    @Test func everyProblemIsNamedByItsKeyAndSource() throws {
        let file = try write(
            """
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
        let refused = try #require(
            refusal(file: file, environment: ["RECSTREAM__DEDUP__WINDOW_EVENTS": "-5"], overrides: ["model.regularization=0", "nonsense"]))
        #expect(
            Set(refused.problems.map(\.key)) == [
                "kafka.brokers", "kafka.offset_reset", "kafka.colour", "batch.max_events", "model.dimension", "model.no_such_model_key",
                "dedup.window_events", "model.regularization", "nonsense",
            ])
        let text = refused.description
        #expect(text.contains("kafka.brokers: expected a string, got an integer (\(file):2)"))
        #expect(text.contains("kafka.offset_reset: expected \"earliest\" or \"latest\", got \"newest\" (\(file):3)"))
        #expect(text.contains("kafka.colour: unknown key (\(file):4)"))
        #expect(text.contains("model.dimension: expected an integer, got \"big\" (\(file):8)"))
        #expect(text.contains("dedup.window_events: must be between 0 and 100000000, got -5"))
        #expect(text.contains("model.regularization: must be a finite number > 0.0, got 0.0"))
        #expect(text.contains("nonsense: expected key=value"))
        #expect(text.contains("batch.max_events: must be between 1 and 1000000, got 0"))
    }

    @Test func rulesBetweenKeysAndTheOneRequiredKey() throws {
        let sameTopic = refusal(
            environment: ["RECSTREAM_KAFKA_BROKERS": "h:9092"], overrides: ["kafka.catalog_topic=recstream-engagements"])
        #expect(
            sameTopic?.problems == [ConfigurationProblem(key: "kafka.catalog_topic", reason: "must differ from kafka.engagement_topic")])
        let noBrokers = refusal()
        #expect(noBrokers?.problems.map(\.key) == ["kafka.brokers"])
        #expect(noBrokers?.description.contains("required: the bootstrap servers") == true)
        #expect(
            refusal(environment: ["RECSTREAM__HTTP__ADDRESS": "nowhere", "RECSTREAM_KAFKA_BROKERS": "h:9092"])?.description
                == "http.address: expected host:port with a port from 0 to 65535, got \"nowhere\"")
    }

    @Test func tomlSyntaxErrorsGiveTheLine() throws {
        let file = try write("[batch]\nmax_events = 10\nmax_wait_ms = \"unterminated\n")
        #expect(refusal(file: file)?.description.contains("line 3: unterminated string") == true)
        #expect(
            refusal(file: "/nonexistent/recstream.toml", environment: ["RECSTREAM_KAFKA_BROKERS": "h:9092"])?.problems.map(\.key)
                == ["/nonexistent/recstream.toml"])
    }
}
