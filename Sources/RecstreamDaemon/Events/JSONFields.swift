import Foundation

/// One JSON value, decoded strictly (a number is never a boolean or a string).
enum JSONValue: Decodable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}

/// Typed, validated access to the fields of one JSON object, with errors
/// that name the field and say what was wrong (they end up in dead letters).
struct JSONFields {
    private let object: [String: JSONValue]

    /// Parses `data` as one JSON object.
    init(_ data: Data) throws(EventDecodingError) {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw EventDecodingError("not valid JSON")
        }
        guard case .object(let object) = value else { throw EventDecodingError("not a JSON object") }
        self.object = object
    }

    private func present(_ key: String) -> JSONValue? {
        guard let value = object[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    /// A required non-empty string.
    func string(_ key: String) throws(EventDecodingError) -> String {
        guard let value = try optionalString(key) else { throw EventDecodingError("missing required field \(key)") }
        return value
    }

    /// An optional non-empty string.
    func optionalString(_ key: String) throws(EventDecodingError) -> String? {
        guard let value = present(key) else { return nil }
        guard case .string(let string) = value else { throw EventDecodingError("\(key) must be a string") }
        guard !string.isEmpty else { throw EventDecodingError("\(key) must not be empty") }
        return string
    }

    /// An optional number.
    func optionalNumber(_ key: String) throws(EventDecodingError) -> Double? {
        guard let value = present(key) else { return nil }
        guard case .number(let number) = value else { throw EventDecodingError("\(key) must be a number") }
        return number
    }

    /// A required array of non-empty strings.
    func stringArray(_ key: String) throws(EventDecodingError) -> [String] {
        guard let value = present(key) else { throw EventDecodingError("missing required field \(key)") }
        guard case .array(let values) = value else { throw EventDecodingError("\(key) must be an array of strings") }
        var strings: [String] = []
        for element in values {
            guard case .string(let string) = element else { throw EventDecodingError("\(key) must be an array of strings") }
            guard !string.isEmpty else { throw EventDecodingError("\(key) must not contain empty strings") }
            strings.append(string)
        }
        return strings
    }

    /// An optional timestamp, RFC 3339 text or epoch milliseconds (an integer
    /// >= 0), as epoch milliseconds.
    func optionalTimestamp(_ key: String) throws(EventDecodingError) -> Int64? {
        switch present(key) {
        case nil:
            return nil
        case .string(let text):
            guard let milliseconds = RFC3339.epochMilliseconds(text) else {
                throw EventDecodingError("\(key) must be RFC 3339 text (e.g. 2024-05-01T12:00:00Z) or epoch milliseconds, got \"\(text)\"")
            }
            return milliseconds
        case .number(let value):
            guard value >= 0, value == value.rounded(), value < 9.0e15 else {
                throw EventDecodingError("\(key) in epoch milliseconds must be an integer >= 0")
            }
            return Int64(value)
        default:
            throw EventDecodingError("\(key) must be RFC 3339 text or epoch milliseconds")
        }
    }
}
