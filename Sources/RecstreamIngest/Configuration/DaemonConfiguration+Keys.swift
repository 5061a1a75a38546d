public import RecstreamConfiguration
import RecstreamModel

/// The daemon's configuration keys, one entry each, and the example file
/// made from them (`config/recstream.example.toml`, `recstream config example`).
extension DaemonConfiguration {
    public static let configurationTable: ConfigurationTable<DaemonConfiguration> = {
        var table = ConfigurationTable<DaemonConfiguration>(
            keys: [
                .init(
                    "kafka.brokers", \.brokers,
                    .required("required: the bootstrap servers (host:port, comma separated); set it here or in RECSTREAM_KAFKA_BROKERS"),
                    "Bootstrap servers, comma separated. Required: there is no default."),
                .init(
                    "kafka.engagement_topic", \.engagementTopic, .nonEmpty, "Engagement events (views, clicks, likes), keyed by user id."),
                .init(
                    "kafka.catalog_topic", \.catalogTopic, .nonEmpty,
                    "Catalog events (items with categories and uploader), keyed by item id."),
                .init("kafka.group_id", \.groupID, .nonEmpty, "The daemon's consumer group."),
                .init("kafka.offset_reset", choice: \.offsetReset, "Where a partition with no offset stored in PostgreSQL starts."),
                .init("kafka.session_timeout_ms", \.sessionTimeoutMs, .between(1_000...3_600_000), "Consumer-group session timeout."),
                .init(
                    "database.url", \.databaseURL,
                    "PostgreSQL URL or conninfo; empty: libpq's PG* environment variables. Keep a password out of this file: use PGPASSWORD or ~/.pgpass."
                ),
                .init(
                    "batch.max_events", \.batchMaxEvents, .between(1...1_000_000),
                    "A micro-batch closes at this many records or after max_wait_ms, whichever comes first; only a backlog fills a batch."
                ),
                .init("batch.max_wait_ms", \.batchMaxWaitMs, .between(1...60_000), "The longest a batch waits for more records."),
                .init(
                    "batch.max_event_bytes", \.maxEventBytes, .between(256...100_000_000), "Larger records go to the dead letters unread."),
                .init(
                    "events.max_id_bytes", \.eventLimits.maxIDBytes, .between(1...2_000),
                    "UTF-8 bytes of an id (event, user, item, uploader, category); a longer one makes its event a dead letter. Ids are keys of unique indexes, whose entries PostgreSQL bounds."
                ),
                .init("events.max_categories", \.eventLimits.maxCategories, .between(0...100_000), "Categories of one catalog event."),
                .init("events.max_title_bytes", \.eventLimits.maxTitleBytes, .between(1...1_000_000), "UTF-8 bytes of an item's title."),
                .init(
                    "dedup.window_events", \.dedupWindowEvents, .between(0...100_000_000),
                    "Event ids remembered (and stored) to drop resent events; 0 turns it off."),
                .init(
                    "topk.k", \.topK, .between(1...10_000),
                    "Length of every published list (user recommendations, related items, popular items)."),
                .init("topk.incremental", \.topKIncremental, "After each batch, republish the lists of the users it touched."),
                .init(
                    "topk.freshness_target_ms", \.topKFreshnessTargetMs, .between(100...3_600_000),
                    "With incremental lists: how soon a touched user's list should appear. A batch closes at the records the last pipeline cycle handled in an eighth of this (at least 500, at most batch.max_events)."
                ),
                .init(
                    "topk.overload_probe_fraction", \.topKOverloadProbeFraction, .between(0...1),
                    "While the pipeline is behind topk.freshness_target_ms (the batch's oldest event older than half of it), score each touched user's list against only this fraction of the item clusters (about sqrt(items) clusters by k-means): approximate lists until it catches up, reported on /readyz and by recstream_lists_approximate. 0 = always exact."
                ),
                .init(
                    "topk.full_interval_seconds", \.topKFullIntervalSeconds, .between(0...604_800),
                    "Every this many seconds, recompute every user's and item's list, in slices between batches (0 = never; `recstream topk` does it on demand)."
                ),
                .init(
                    "http.address", \.httpAddress,
                    .satisfying("expected host:port with a port from 0 to 65535") { HTTPAddress($0) != nil },
                    "Where /healthz, /readyz and /metrics listen (host:port; port 0 = any free port)."),
                .init(
                    "health.stall_seconds", \.stallSeconds, .between(1...86_400),
                    "/healthz answers 503 when the pipeline loop made no progress for this long."),
                .init(
                    "health.probe_interval_ms", \.probeIntervalMs, .between(100...60_000),
                    "How often PostgreSQL and the brokers are probed for /readyz."),
                .init(
                    "leadership.session_timeout_ms", \.leadershipSessionTimeoutMs, .between(1_000...600_000),
                    "One daemon writes a database at a time; others wait as standbys. A leader that stays silent this long (frozen, cut off) loses the lead, and a standby takes over."
                ),
                .init("log.level", choice: \.logLevel, "The lowest level logged."),
                .init(
                    "log.format", choice: \.logFormat,
                    "How log lines are written to stdout, one per entry: key=value pairs or a JSON object."),
            ],
            families: [
                ConfigurationFamily(
                    "kafka.properties", \.kafkaProperties,
                    "Any librdkafka property, passed through as is (SASL, SSL, ...). Quote keys with dots. Keep secrets out of this file: RECSTREAM__KAFKA__PROPERTIES__SASL__PASSWORD=... in the environment sets \"sasl.password\" (each __ after PROPERTIES is a dot).",
                    examples: [("security.protocol", "SASL_SSL"), ("sasl.mechanisms", "PLAIN")])
            ],
            crossChecks: [
                { configuration in
                    guard configuration.catalogTopic == configuration.engagementTopic else { return nil }
                    return ConfigurationProblem(key: "kafka.catalog_topic", reason: "must differ from kafka.engagement_topic")
                }
            ],
            environmentPrefix: "RECSTREAM__",
            environmentAliases: ["RECSTREAM_KAFKA_BROKERS": "kafka.brokers", "RECSTREAM_DATABASE_URL": "database.url"])
        table.include(ModelConfiguration.configurationTable, under: "model", \.model)
        return table
    }()

    /// What the example file sets: every default, and a placeholder broker
    /// for the one key without a default.
    public static var example: DaemonConfiguration {
        var configuration = DaemonConfiguration()
        configuration.brokers = "127.0.0.1:9092"
        return configuration
    }

    /// `config/recstream.example.toml`: every key with its summary and default.
    public static var exampleFile: String {
        configurationTable.exampleFile(
            example,
            header: """
                recstream configuration: every key, with its default (made by `recstream config example`). \
                `recstream serve --config FILE` reads a file like this one. Any key can also be set by the environment \
                (RECSTREAM__SECTION__KEY=value, e.g. RECSTREAM__BATCH__MAX_EVENTS=2000; RECSTREAM_KAFKA_BROKERS and \
                RECSTREAM_DATABASE_URL are short forms) and by flags (--set section.key=value), which win in that order. \
                kafka.brokers has no default: 127.0.0.1:9092 here is a placeholder (with the local stack,                 RECSTREAM_KAFKA_BROKERS from `ops/stack env` replaces it).
                """)
    }
}
