import Foundation
import Logging
import RecstreamModel

/// Everything `serve` needs, from `recstream.example.toml`'s keys; each has
/// a default except `kafka.brokers`, which every deployment must give.
public struct DaemonConfiguration: Sendable, Equatable {
    /// Kafka: `kafka.*`. Required: bootstrap servers, comma separated.
    public var brokers = ""
    public var engagementTopic = "recstream-engagements"
    public var catalogTopic = "recstream-catalog"
    public var groupID = "recstream"
    /// Where a partition with no stored offset starts: "earliest" or "latest".
    public var offsetReset = "earliest"
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
    /// Event ids remembered (and persisted) to drop duplicates.
    public var dedupWindowEvents = 1_000_000
    /// Length of every published list (`topk.k`).
    public var topK = 100
    /// Whether every batch republishes the lists of the users it touched.
    public var topKIncremental = true
    /// With incremental top-k: the time a touched user's list should take to
    /// appear; batches are sized so that one pipeline cycle takes an eighth of it
    /// (an event waits for the cycle in progress, its own, the commit and the publish).
    public var topKFreshnessTargetMs = 2_000
    /// Seconds between the daemon's full recomputes of every list; 0 = never.
    public var topKFullIntervalSeconds = 3_600
    /// Where `/healthz`, `/readyz` and `/metrics` listen (`http.address`, host:port).
    public var httpAddress = "127.0.0.1:9464"
    /// `/healthz` fails when the pipeline loop made no progress for this long.
    public var stallSeconds = 60
    /// How often PostgreSQL and the brokers are probed for `/readyz`.
    public var probeIntervalMs = 1_000
    /// Log level and line format (`log.level`, `log.format`).
    public var logLevel = Logger.Level.info
    public var logFormat = LogFormat.logfmt
    public var model = ModelConfiguration()

    public init() {}

    /// A key that is not right, and why.
    public struct Problem: Error, Equatable, CustomStringConvertible, Sendable {
        public var key: String
        public var reason: String
        public var description: String { "\(key): \(reason)" }
    }

    /// Defaults, then the TOML file, then `RECSTREAM_*` environment
    /// variables, then `overrides` ("section.key=value"). Every problem is
    /// collected (unknown key, wrong type, out of range) and thrown together.
    public static func load(file: String?, environment: [String: String], overrides: [String]) throws(ProblemList) -> DaemonConfiguration {
        var configuration = DaemonConfiguration()
        var problems: [Problem] = []
        if let file {
            if let text = FileManager.default.contents(atPath: file).flatMap({ String(data: $0, encoding: .utf8) }) {
                do {
                    for entry in try TOMLDocument(text).entries {
                        let key = entry.path.joined(separator: ".")
                        if let problem = configuration.set(path: entry.path, value: entry.value) {
                            problems.append(Problem(key: key, reason: "\(problem) (\(file):\(entry.line))"))
                        }
                    }
                } catch {
                    problems.append(Problem(key: file, reason: "not valid TOML: \(error)"))
                }
            } else {
                problems.append(Problem(key: file, reason: "cannot read the configuration file"))
            }
        }
        for (name, text) in environment.sorted(by: { $0.key < $1.key }) {
            let path: [String]
            switch name {
            case "RECSTREAM_KAFKA_BROKERS": path = ["kafka", "brokers"]
            case "RECSTREAM_DATABASE_URL": path = ["database", "url"]
            default:
                guard name.hasPrefix("RECSTREAM__") else { continue }
                path = name.dropFirst("RECSTREAM__".count).lowercased().components(separatedBy: "__")
            }
            if let problem = configuration.set(path: path, text: text) {
                problems.append(Problem(key: path.joined(separator: "."), reason: "\(problem) (environment \(name))"))
            }
        }
        for override in overrides {
            let parts = override.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                problems.append(Problem(key: override, reason: "expected section.key=value"))
                continue
            }
            let path = parts[0].split(separator: ".", maxSplits: parts[0].hasPrefix("kafka.properties.") ? 2 : .max).map(String.init)
            if let problem = configuration.set(path: path, text: parts[1]) {
                problems.append(Problem(key: parts[0], reason: "\(problem) (--set)"))
            }
        }
        problems += configuration.rangeProblems()
        guard problems.isEmpty else { throw ProblemList(problems: problems) }
        return configuration
    }

    /// Every problem found, one per line when printed.
    public struct ProblemList: Error, CustomStringConvertible, Sendable {
        public var problems: [Problem]
        public var description: String { problems.map(\.description).joined(separator: "\n") }
    }

    /// Sets one key from text (environment, flags): the text is read as the key's type.
    mutating func set(path: [String], text: String) -> String? {
        let value: TOMLDocument.Value
        if let integer = Int64(text) {
            value = .integer(integer)
        } else if let number = Double(text), text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            value = .float(number)
        } else if text == "true" || text == "false" {
            value = .bool(text == "true")
        } else {
            value = .string(text)
        }
        return set(path: path, value: value, fromText: true)
    }

    /// Sets one key; returns why not, or nil.
    mutating func set(path: [String], value: TOMLDocument.Value, fromText: Bool = false) -> String? {
        func string() -> String? {
            switch value {
            case .string(let text): return text
            case .integer(let number) where fromText: return String(number)
            case .float(let number) where fromText: return String(number)
            case .bool(let flag) where fromText: return String(flag)
            default: return nil
            }
        }
        func integer() -> Int? {
            if case .integer(let number) = value { return Int(exactly: number) }
            return nil
        }
        let wrongType = "expected \(Self.expectedType(path)), got \(value.typeName)"
        switch path {
        case ["kafka", "brokers"]: guard let text = string() else { return wrongType }; brokers = text
        case ["kafka", "engagement_topic"]: guard let text = string() else { return wrongType }; engagementTopic = text
        case ["kafka", "catalog_topic"]: guard let text = string() else { return wrongType }; catalogTopic = text
        case ["kafka", "group_id"]: guard let text = string() else { return wrongType }; groupID = text
        case ["kafka", "offset_reset"]: guard let text = string() else { return wrongType }; offsetReset = text
        case ["kafka", "session_timeout_ms"]: guard let number = integer() else { return wrongType }; sessionTimeoutMs = number
        case ["database", "url"]: guard let text = string() else { return wrongType }; databaseURL = text
        case ["batch", "max_events"]: guard let number = integer() else { return wrongType }; batchMaxEvents = number
        case ["batch", "max_wait_ms"]: guard let number = integer() else { return wrongType }; batchMaxWaitMs = number
        case ["batch", "max_event_bytes"]: guard let number = integer() else { return wrongType }; maxEventBytes = number
        case ["dedup", "window_events"]: guard let number = integer() else { return wrongType }; dedupWindowEvents = number
        case ["topk", "k"]: guard let number = integer() else { return wrongType }; topK = number
        case ["topk", "freshness_target_ms"]: guard let number = integer() else { return wrongType }; topKFreshnessTargetMs = number
        case ["topk", "full_interval_seconds"]: guard let number = integer() else { return wrongType }; topKFullIntervalSeconds = number
        case ["http", "address"]: guard let text = string() else { return wrongType }; httpAddress = text
        case ["health", "stall_seconds"]: guard let number = integer() else { return wrongType }; stallSeconds = number
        case ["health", "probe_interval_ms"]: guard let number = integer() else { return wrongType }; probeIntervalMs = number
        case ["log", "level"]:
            guard let text = string() else { return wrongType }
            guard let level = Logger.Level(rawValue: text) else {
                return "expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\""
            }
            logLevel = level
        case ["log", "format"]:
            guard let text = string() else { return wrongType }
            guard let format = LogFormat(rawValue: text) else { return "expected \"logfmt\" or \"json\", got \"\(text)\"" }
            logFormat = format
        case ["topk", "incremental"]:
            guard case .bool(let flag) = value else { return "expected true or false, got \(value.typeName)" }
            topKIncremental = flag
        default:
            if path.count >= 3 && path[0] == "kafka" && path[1] == "properties" {
                // "sasl.password" from TOML or --set; SASL__PASSWORD from the
                // environment, whose names cannot hold dots (systemd's EnvironmentFile).
                guard let text = string() else { return "librdkafka properties are strings, got \(value.typeName)" }
                kafkaProperties[path[2...].joined(separator: ".")] = text
            } else if path.count >= 2 && path[0] == "model" {
                let text: String
                switch value {
                case .string(let string): text = string
                case .integer(let number): text = String(number)
                case .float(let number): text = String(number)
                case .bool(let flag): text = String(flag)
                case .array: return "expected a single value, got an array"
                }
                do {
                    try model.set(path.dropFirst().joined(separator: "."), to: text)
                } catch {
                    return error.reason
                }
            } else {
                return "unknown key"
            }
        }
        return nil
    }

    private static func expectedType(_ path: [String]) -> String {
        ["session_timeout_ms", "max_events", "max_wait_ms", "max_event_bytes", "window_events", "k", "full_interval_seconds", "stall_seconds", "probe_interval_ms"].contains(path.last ?? "") ? "an integer" : "a string"
    }

    /// Values of the right type but out of range.
    func rangeProblems() -> [Problem] {
        var problems: [Problem] = []
        func check(_ ok: Bool, _ key: String, _ reason: String) {
            if !ok { problems.append(Problem(key: key, reason: reason)) }
        }
        check(!brokers.isEmpty, "kafka.brokers", "required: the bootstrap servers (host:port, comma separated); set it here or in RECSTREAM_KAFKA_BROKERS")
        check(!engagementTopic.isEmpty, "kafka.engagement_topic", "must not be empty")
        check(!catalogTopic.isEmpty && catalogTopic != engagementTopic, "kafka.catalog_topic", "must be set and differ from kafka.engagement_topic")
        check(!groupID.isEmpty, "kafka.group_id", "must not be empty")
        check(["earliest", "latest"].contains(offsetReset), "kafka.offset_reset", "must be \"earliest\" or \"latest\", got \"\(offsetReset)\"")
        check((1_000...3_600_000).contains(sessionTimeoutMs), "kafka.session_timeout_ms", "must be between 1000 and 3600000")
        check((1...1_000_000).contains(batchMaxEvents), "batch.max_events", "must be between 1 and 1000000")
        check((1...60_000).contains(batchMaxWaitMs), "batch.max_wait_ms", "must be between 1 and 60000")
        check((256...100_000_000).contains(maxEventBytes), "batch.max_event_bytes", "must be between 256 and 100000000")
        check((0...100_000_000).contains(dedupWindowEvents), "dedup.window_events", "must be between 0 and 100000000")
        check((1...10_000).contains(topK), "topk.k", "must be between 1 and 10000")
        check((100...3_600_000).contains(topKFreshnessTargetMs), "topk.freshness_target_ms", "must be between 100 and 3600000")
        check((0...604_800).contains(topKFullIntervalSeconds), "topk.full_interval_seconds", "must be between 0 (never) and 604800")
        check(HTTPAddress(httpAddress) != nil, "http.address", "expected host:port with a port from 0 to 65535, got \"\(httpAddress)\"")
        check((1...86_400).contains(stallSeconds), "health.stall_seconds", "must be between 1 and 86400")
        check((100...60_000).contains(probeIntervalMs), "health.probe_interval_ms", "must be between 100 and 60000")
        problems += model.problems().map { Problem(key: "model.\($0.key)", reason: $0.reason) }
        return problems
    }
}
