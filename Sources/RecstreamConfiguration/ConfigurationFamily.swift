/// Keys that no table lists one by one: every key under a prefix, passed on
/// as text (`kafka.properties.sasl.mechanisms` -> librdkafka's
/// `sasl.mechanisms`). From the environment, each `__` after the prefix is a
/// dot (`RECSTREAM__KAFKA__PROPERTIES__SASL__PASSWORD`).
public struct ConfigurationFamily<Root>: Sendable {
    /// The prefix, without its trailing dot: `kafka.properties`.
    public let prefix: String
    public let summary: String
    /// Entries shown, commented out, in the example file.
    public let examples: [(key: String, value: String)]
    let path: WritableKeyPath<Root, [String: String]> & Sendable

    public init(
        _ prefix: String, _ path: WritableKeyPath<Root, [String: String]> & Sendable, _ summary: String,
        examples: [(key: String, value: String)] = []
    ) {
        self.prefix = prefix
        self.path = path
        self.summary = summary
        self.examples = examples
    }

    /// The member `name` names (`sasl.password`), nil when it is not under the prefix.
    func member(_ name: String) -> String? {
        guard name.hasPrefix(prefix + "."), name.count > prefix.count + 1 else { return nil }
        return String(name.dropFirst(prefix.count + 1))
    }

    func assign(_ member: String, value: ConfigurationValue, in root: inout Root) -> String? {
        guard case .string(let text) = value else { return "expected a string, got \(value.given)" }
        root[keyPath: path][member] = text
        return nil
    }

    func assign(_ member: String, text: String, in root: inout Root) {
        root[keyPath: path][member] = text
    }
}
