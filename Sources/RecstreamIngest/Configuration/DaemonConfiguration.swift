public import Logging
public import RecstreamConfiguration
public import RecstreamEvents
public import RecstreamModel

/// Everything `serve` needs. Each property's initial value is its key's
/// default; `configurationTable` names the keys, their ranges and summaries,
/// and reads a configuration from a file, the environment and `--set`.
/// `kafka.brokers` is the one key every deployment must give.
public struct DaemonConfiguration: Sendable, Equatable {
    /// Kafka bootstrap servers, comma separated (`kafka.brokers`).
    public var brokers = ""
    public var engagementTopic = "recstream-engagements"
    public var catalogTopic = "recstream-catalog"
    public var groupID = "recstream"
    /// Where a partition with no stored offset starts.
    public var offsetReset = OffsetReset.earliest
    public var sessionTimeoutMs = 10_000
    /// Passed to librdkafka as they are (`[kafka.properties]`: SASL, SSL, ...).
    public var kafkaProperties: [String: String] = [:]
    /// PostgreSQL URL or conninfo (`database.url`); empty = the PG* variables.
    public var databaseURL = ""
    /// Micro-batches: at most this many records, or this long a wait.
    public var batchMaxEvents = 20_000
    public var batchMaxWaitMs = 200
    /// Larger records are dead letters without being parsed.
    public var maxEventBytes = 65_536
    /// Bounds on ids and texts inside an event (`events.*`).
    public var eventLimits = EventLimits()
    /// Event ids remembered (and persisted) to drop duplicates.
    public var dedupWindowEvents = 1_000_000
    /// Length of every published list (`topk.k`).
    public var topK = 100
    /// Whether every batch republishes the lists of the users it touched.
    public var topKIncremental = true
    /// With incremental lists: the time a touched user's list should take to
    /// appear; batches are sized so that one pipeline cycle takes an eighth of
    /// it (an event waits for the cycle in progress, its own, the commit and
    /// the publish).
    public var topKFreshnessTargetMs = 2_000
    /// While the pipeline is behind the freshness target, the fraction of
    /// the item clusters a touched user's list is scored against
    /// (approximate lists); 0 = always exact.
    public var topKOverloadProbeFraction = 0.1
    /// Seconds between the daemon's full recomputes of every list; 0 = never.
    public var topKFullIntervalSeconds = 3_600
    /// Where `/healthz`, `/readyz` and `/metrics` listen (`http.address`, host:port).
    public var httpAddress = "127.0.0.1:9464"
    /// `/healthz` fails when the pipeline loop made no progress for this long.
    public var stallSeconds = 60
    /// How often PostgreSQL and the brokers are probed for `/readyz`.
    public var probeIntervalMs = 1_000
    /// How long the server keeps a silent leader's session, and so its
    /// leadership: the longest a standby waits after a leader froze.
    public var leadershipSessionTimeoutMs = 5_000
    /// Log level and line format (`log.level`, `log.format`).
    public var logLevel = Logger.Level.info
    public var logFormat = LogFormat.logfmt
    public var model = ModelConfiguration()

    public init() {}

    /// Defaults, then the TOML `file`, then `RECSTREAM_*` variables of
    /// `environment`, then `overrides` (`section.key=value`); every problem
    /// is thrown at once.
    public static func load(
        file: String?, environment: [String: String], overrides: [String]
    ) throws(ConfigurationProblems) -> DaemonConfiguration {
        try configurationTable.load(DaemonConfiguration(), file: file, environment: environment, overrides: overrides)
    }
}

/// Where a partition with no offset stored in PostgreSQL starts.
public enum OffsetReset: String, CaseIterable, Sendable {
    /// At the oldest record the broker keeps.
    case earliest
    /// At the next record produced.
    case latest
}
