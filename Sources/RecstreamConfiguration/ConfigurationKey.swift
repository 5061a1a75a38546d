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
        let type = Value.typeDescription
        self.init(
            name: name, summary: summary, typeDescription: type, isChoice: false, path: path, requirement: requirement,
            literal: { $0.tomlLiteral },
            fromValue: { value in Value(configurationValue: value).map { .success($0) } ?? .failure("expected \(type), got \(value.given)")
            },
            fromText: { text in Value(configurationText: text).map { .success($0) } ?? .failure("expected \(type), got \"\(text)\"") })
    }

    /// A key whose value is one of an enumeration's names (`"logfmt"`, `"json"`).
    public init<Value: ConfigurationChoice>(_ name: String, choice path: WritableKeyPath<Root, Value> & Sendable, _ summary: String) {
        let choices = choiceDescription(Value.self)
        @Sendable func parse(_ text: String) -> Result<Value, Failure> {
            Value(rawValue: text).map { .success($0) } ?? .failure("expected \(choices), got \"\(text)\"")
        }
        self.init(
            name: name, summary: summary, typeDescription: choices, isChoice: true, path: path, requirement: .any,
            literal: { TOMLDocument.quoted($0.rawValue) },
            fromValue: { value in
                guard case .string(let text) = value else { return .failure("expected \(choices), got \(value.given)") }
                return parse(text)
            },
            fromText: parse)
    }

    /// Why a value could not be read: the problem's reason.
    struct Failure: Error, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
        var reason: String
        init(stringLiteral reason: String) { self.reason = reason }
        init(stringInterpolation: DefaultStringInterpolation) { reason = String(stringInterpolation: stringInterpolation) }
    }

    private init<Value: Sendable & Equatable>(
        name: String, summary: String, typeDescription: String, isChoice: Bool, path: WritableKeyPath<Root, Value> & Sendable,
        requirement: Requirement<Value>, literal: @escaping @Sendable (Value) -> String,
        fromValue: @escaping @Sendable (ConfigurationValue) -> Result<Value, Failure>,
        fromText: @escaping @Sendable (String) -> Result<Value, Failure>
    ) {
        self.name = name
        self.summary = summary
        self.typeDescription = typeDescription
        self.isChoice = isChoice
        text = { "\($0[keyPath: path])" }
        self.literal = { literal($0[keyPath: path]) }
        @Sendable func assign(_ result: Result<Value, Failure>, _ root: inout Root) -> String? {
            switch result {
            case .success(let value):
                root[keyPath: path] = value
                return nil
            case .failure(let failure):
                return failure.reason
            }
        }
        assignValue = { root, value in assign(fromValue(value), &root) }
        assignText = { root, text in assign(fromText(text), &root) }
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
