/// Why a record is not a valid event: the reason a dead letter carries.
public struct EventDecodingError: Error, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }

    /// `value` as a reason quotes it: in double quotes, control characters
    /// escaped (`\u{0}`), cut to its first 64 characters. A reason is stored
    /// as text and logged, so it must not carry what made the record invalid.
    static func quoted(_ value: String) -> String {
        var shown = ""
        for (index, scalar) in value.unicodeScalars.enumerated() {
            guard index < 64 else {
                shown += "..."
                break
            }
            shown += scalar.properties.generalCategory == .control ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }
        return "\"\(shown)\""
    }
}
