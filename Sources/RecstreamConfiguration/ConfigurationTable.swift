import Foundation

/// Every configuration key of a `Root`, in the order the example file lists
/// them, and how a configuration is read: its defaults (`Root`'s initial
/// values), then a TOML file, then environment variables, then `--set`
/// overrides, each later source winning. Every problem (an unknown key, a
/// wrong type, a value out of range) is reported, with its key and source.
public struct ConfigurationTable<Root>: Sendable {
    public var keys: [ConfigurationKey<Root>]
    public var families: [ConfigurationFamily<Root>]
    /// Rules between keys ("the catalog topic differs from the engagement topic").
    public var crossChecks: [@Sendable (Root) -> ConfigurationProblem?]
    /// Variables read as keys: `RECSTREAM__BATCH__MAX_EVENTS` is
    /// `batch.max_events` when the prefix is `RECSTREAM__`; nil reads none.
    public var environmentPrefix: String?
    /// Short variable names for single keys: `RECSTREAM_KAFKA_BROKERS` -> `kafka.brokers`.
    public var environmentAliases: [String: String]

    public init(
        keys: [ConfigurationKey<Root>], families: [ConfigurationFamily<Root>] = [],
        crossChecks: [@Sendable (Root) -> ConfigurationProblem?] = [], environmentPrefix: String? = nil,
        environmentAliases: [String: String] = [:]
    ) {
        self.keys = keys
        self.families = families
        self.crossChecks = crossChecks
        self.environmentPrefix = environmentPrefix
        self.environmentAliases = environmentAliases
        precondition(Set(keys.map(\.name)).count == keys.count, "a configuration key is declared twice")
    }

    /// `defaults` with `file`, the `environment` and `overrides` ("key=value")
    /// applied, in that order; throws every problem at once.
    public func load(
        _ defaults: Root, file: String? = nil, environment: [String: String] = [:], overrides: [String] = []
    ) throws(ConfigurationProblems) -> Root {
        var root = defaults
        var problems: [ConfigurationProblem] = []
        if let file { problems += read(file: file, into: &root) }
        for (variable, text) in environment.sorted(by: { $0.key < $1.key }) {
            guard let name = keyName(ofVariable: variable) else { continue }
            if let reason = assign(name, text: text, in: &root) {
                problems.append(ConfigurationProblem(key: name, reason: "\(reason) (environment \(variable))"))
            }
        }
        for override in overrides {
            let parts = override.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else {
                problems.append(ConfigurationProblem(key: override, reason: "expected key=value"))
                continue
            }
            if let reason = assign(parts[0], text: parts[1], in: &root) {
                problems.append(ConfigurationProblem(key: parts[0], reason: "\(reason) (--set)"))
            }
        }
        problems += self.problems(root)
        guard problems.isEmpty else { throw ConfigurationProblems(problems: problems) }
        return root
    }

    /// Values of the right type that break a key's requirement or a cross check.
    public func problems(_ root: Root) -> [ConfigurationProblem] {
        keys.compactMap { key in key.problem(root).map { ConfigurationProblem(key: key.name, reason: $0) } }
            + crossChecks.compactMap { $0(root) }
    }

    /// Every key with its value as text, in table order.
    public func values(_ root: Root) -> [(key: String, value: String)] {
        keys.map { ($0.name, $0.text(root)) }
    }

    private func read(file: String, into root: inout Root) -> [ConfigurationProblem] {
        guard let text = FileManager.default.contents(atPath: file).flatMap({ String(data: $0, encoding: .utf8) }) else {
            return [ConfigurationProblem(key: file, reason: "cannot read the configuration file")]
        }
        let document: TOMLDocument
        do {
            document = try TOMLDocument(text)
        } catch {
            return [ConfigurationProblem(key: file, reason: "not valid TOML: \(error)")]
        }
        return document.entries.compactMap { entry in
            let name = entry.path.joined(separator: ".")
            let reason: String?
            if let key = keys.first(where: { $0.name == name }) {
                reason = key.assignValue(&root, entry.value)
            } else if let (family, member) = family(of: name) {
                reason = family.assign(member, value: entry.value, in: &root)
            } else {
                reason = "unknown key"
            }
            return reason.map { ConfigurationProblem(key: name, reason: "\($0) (\(file):\(entry.line))") }
        }
    }

    /// Sets `name` from text (environment, `--set`); returns why not, or nil.
    private func assign(_ name: String, text: String, in root: inout Root) -> String? {
        if let key = keys.first(where: { $0.name == name }) { return key.assignText(&root, text) }
        guard let (family, member) = family(of: name) else { return "unknown key" }
        family.assign(member, text: text, in: &root)
        return nil
    }

    private func family(of name: String) -> (ConfigurationFamily<Root>, String)? {
        for family in families {
            if let member = family.member(name) { return (family, member) }
        }
        return nil
    }

    /// The key a variable sets, nil for a variable that is not configuration.
    private func keyName(ofVariable variable: String) -> String? {
        if let alias = environmentAliases[variable] { return alias }
        guard let prefix = environmentPrefix, variable.hasPrefix(prefix), variable.count > prefix.count else { return nil }
        return variable.dropFirst(prefix.count).lowercased().replacingOccurrences(of: "__", with: ".")
    }

    /// Every key of `other`, named `prefix.name`, as keys of this table's
    /// `Root`, whose property `path` holds an `Other`.
    public mutating func include<Other>(
        _ other: ConfigurationTable<Other>, under prefix: String, _ path: WritableKeyPath<Root, Other> & Sendable
    ) {
        keys += other.keys.map { $0.nested(under: prefix, path) }
        crossChecks += other.crossChecks.map { check in
            { root in check(root[keyPath: path]).map { ConfigurationProblem(key: "\(prefix).\($0.key)", reason: $0.reason) } }
        }
    }
}
