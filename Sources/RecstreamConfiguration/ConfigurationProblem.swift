/// A configuration key that is not right, and why.
public struct ConfigurationProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key as the table names it (`batch.max_events`), or what was given
    /// when it names no key at all (a file that cannot be read, a bad `--set`).
    public var key: String
    public var reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "\(key): \(reason)" }
}

/// Every problem a configuration has, one per line when printed.
public struct ConfigurationProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigurationProblem]

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
