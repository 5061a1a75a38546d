import Foundation

/// Connection settings of the real services the integration tests use.
///
/// `ops/test` starts a PostgreSQL cluster and a Tansu broker and exports
/// their addresses. A test that needs a service runs when its address is set
/// or when `CI=true`; in CI a missing address fails the test instead of
/// skipping it.
public enum TestServices {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    static var isCI: Bool { environment["CI"] == "true" }

    /// Whether tests that need PostgreSQL should run.
    public static var postgresRequested: Bool { isCI || environment["RECSTREAM_DATABASE_URL"] != nil }
    /// Whether tests that need Kafka should run.
    public static var kafkaRequested: Bool { isCI || environment["RECSTREAM_KAFKA_BROKERS"] != nil }

    /// The test database URL; throws when not configured.
    public static func databaseURL() throws -> String { try required("RECSTREAM_DATABASE_URL") }
    /// The test broker list; throws when not configured.
    public static func kafkaBrokers() throws -> String { try required("RECSTREAM_KAFKA_BROKERS") }

    /// A name unique to this test run, for topics, groups and tables.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    private static func required(_ key: String) throws -> String {
        guard let value = environment[key], !value.isEmpty else { throw MissingService(variable: key) }
        return value
    }
}

/// A service the test needs is not configured.
public struct MissingService: Error, CustomStringConvertible {
    public let variable: String
    public var description: String { "\(variable) is not set: run the tests through ops/test, which starts the services" }
}
