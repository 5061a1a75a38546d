/// A value as a configuration file gives it: TOML's strings, integers,
/// floats, booleans and arrays of those.
public enum ConfigurationValue: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case array([ConfigurationValue])

    /// How a problem names what was given: `"text"` for a string (its
    /// content is what is wrong), the type for anything else.
    var given: String {
        switch self {
        case .string(let text): return "\"\(text)\""
        case .integer: return "an integer"
        case .float: return "a number"
        case .bool: return "a boolean"
        case .array: return "an array"
        }
    }
}
