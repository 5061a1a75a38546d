/// A Swift type that a configuration key can hold: how it is read from a
/// file's typed value and from text (environment variables, `--set`), and
/// how it is written back (the example file, stored hyperparameters).
public protocol ConfigurationValueType: Sendable, Equatable {
    /// The expected type as problems name it: "an integer".
    static var typeDescription: String { get }
    /// nil when `value` is not of this type.
    init?(configurationValue value: ConfigurationValue)
    /// nil when `text` does not spell a value of this type.
    init?(configurationText text: String)
    /// As TOML source: `"text"`, `42`, `0.5`, `true`.
    var tomlLiteral: String { get }
}

extension ConfigurationValueType where Self: LosslessStringConvertible {
    public init?(configurationText text: String) { self.init(text) }
    public var tomlLiteral: String { description }
}

extension String: ConfigurationValueType {
    public static var typeDescription: String { "a string" }

    public init?(configurationValue value: ConfigurationValue) {
        guard case .string(let text) = value else { return nil }
        self = text
    }

    public init?(configurationText text: String) { self = text }

    public var tomlLiteral: String { TOMLDocument.quoted(self) }
}

extension Int: ConfigurationValueType {
    public static var typeDescription: String { "an integer" }

    public init?(configurationValue value: ConfigurationValue) {
        guard case .integer(let number) = value, let exact = Int(exactly: number) else { return nil }
        self = exact
    }
}

extension UInt64: ConfigurationValueType {
    public static var typeDescription: String { "an integer >= 0" }

    public init?(configurationValue value: ConfigurationValue) {
        guard case .integer(let number) = value, let exact = UInt64(exactly: number) else { return nil }
        self = exact
    }
}

extension Bool: ConfigurationValueType {
    public static var typeDescription: String { "true or false" }

    public init?(configurationValue value: ConfigurationValue) {
        guard case .bool(let flag) = value else { return nil }
        self = flag
    }
}

extension Float: ConfigurationValueType {
    public static var typeDescription: String { "a number" }

    public init?(configurationValue value: ConfigurationValue) {
        guard let number = Double(configurationValue: value) else { return nil }
        self = Float(number)
    }
}

extension Double: ConfigurationValueType {
    public static var typeDescription: String { "a number" }

    /// A float, or an integer (`recency_boost = 8`).
    public init?(configurationValue value: ConfigurationValue) {
        switch value {
        case .float(let number): self = number
        case .integer(let number): self = Double(number)
        default: return nil
        }
    }
}
