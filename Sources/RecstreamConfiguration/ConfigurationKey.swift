/// One configuration key of a `Root` configuration: its name, its one-line
/// summary, and the stored property it sets. The property's type is the
/// key's type and its initial value the key's default; `requirement` is its
/// range. Parsing, validation, overrides, the stored hyperparameters and the
/// example file all come from this one declaration.
public struct ConfigurationKey<Root>: Sendable {
    /// Dotted, as files, `--set` and problems name it: `batch.max_events`.
    public let name: String
    /// What the key does, for the example file.
    public let summary: String
    /// The expected type as problems name it: "an integer".
    public let typeDescription: String
    /// Whether the value is one of a few names (then `typeDescription` lists them).
    public let isChoice: Bool
    let text: @Sendable (Root) -> String
    let literal: @Sendable (Root) -> String
    let assignValue: @Sendable (inout Root, ConfigurationValue) -> String?
    let assignText: @Sendable (inout Root, String) -> String?
    let problem: @Sendable (Root) -> String?

    /// A key that takes any value of its type.
    public init<Value: ConfigurationValueType>(_ name: String, _ path: WritableKeyPath<Root, Value> & Sendable, _ summary: String) {
        self.init(name, path, .any, summary)
    }

    /// A key of a type that knows how to read itself (strings, numbers,
    /// booleans), whose value must meet `requirement`.
    public init<Value: ConfigurationValueType>(
        _ name: String, _ path: WritableKeyPath<Root, Value> & Sendable, _ requirement: Requirement<Value>, _ summary: String
    ) {
        self.init(
            name: name, summary: summary, typeDescription: Value.typeDescription, isChoice: false, path: path, requirement: requirement,
            literal: { $0.tomlLiteral }, fromValue: { Value(configurationValue: $0) }, fromText: { Value(configurationText: $0) })
    }

    /// A key whose value is one of an enumeration's names (`"logfmt"`, `"json"`).
    public init<Value: ConfigurationChoice>(_ name: String, choice path: WritableKeyPath<Root, Value> & Sendable, _ summary: String) {
        self.init(
            name: name, summary: summary, typeDescription: choiceDescription(Value.self), isChoice: true, path: path, requirement: .any,
            literal: { TOMLDocument.quoted($0.rawValue) },
            fromValue: { value in
                guard case .string(let text) = value else { return nil }
                return Value(rawValue: text)
            },
            fromText: { Value(rawValue: $0) })
    }

    /// A key of `path`; `fromValue` and `fromText` read a value, nil when it is not one.
    private init<Value: Sendable & Equatable>(
        name: String, summary: String, typeDescription: String, isChoice: Bool, path: WritableKeyPath<Root, Value> & Sendable,
        requirement: Requirement<Value>, literal: @escaping @Sendable (Value) -> String,
        fromValue: @escaping @Sendable (ConfigurationValue) -> Value?, fromText: @escaping @Sendable (String) -> Value?
    ) {
        self.name = name
        self.summary = summary
        self.typeDescription = typeDescription
        self.isChoice = isChoice
        text = { "\($0[keyPath: path])" }
        self.literal = { literal($0[keyPath: path]) }
        assignValue = { root, value in
            guard let parsed = fromValue(value) else { return "expected \(typeDescription), got \(value.given)" }
            root[keyPath: path] = parsed
            return nil
        }
        assignText = { root, text in
            guard let parsed = fromText(text) else { return "expected \(typeDescription), got \"\(text)\"" }
            root[keyPath: path] = parsed
            return nil
        }
        problem = { root in
            let value = root[keyPath: path]
            guard !requirement.isMet(value) else { return nil }
            return requirement.quotesValue ? "\(requirement.reason), got \(literal(value))" : requirement.reason
        }
    }

    /// This key as a key of `Outer`, whose property `path` holds a `Root`,
    /// named `prefix.name`.
    public func nested<Outer>(under prefix: String, _ path: WritableKeyPath<Outer, Root> & Sendable) -> ConfigurationKey<Outer> {
        let (text, literal, assignValue, assignText, problem) = (text, literal, assignValue, assignText, problem)
        return ConfigurationKey<Outer>(
            name: "\(prefix).\(name)", summary: summary, typeDescription: typeDescription, isChoice: isChoice,
            text: { text($0[keyPath: path]) }, literal: { literal($0[keyPath: path]) },
            assignValue: { outer, value in assignValue(&outer[keyPath: path], value) },
            assignText: { outer, value in assignText(&outer[keyPath: path], value) },
            problem: { problem($0[keyPath: path]) })
    }

    private init(
        name: String, summary: String, typeDescription: String, isChoice: Bool, text: @escaping @Sendable (Root) -> String,
        literal: @escaping @Sendable (Root) -> String, assignValue: @escaping @Sendable (inout Root, ConfigurationValue) -> String?,
        assignText: @escaping @Sendable (inout Root, String) -> String?, problem: @escaping @Sendable (Root) -> String?
    ) {
        self.name = name
        self.summary = summary
        self.typeDescription = typeDescription
        self.isChoice = isChoice
        self.text = text
        self.literal = literal
        self.assignValue = assignValue
        self.assignText = assignText
        self.problem = problem
    }
}
