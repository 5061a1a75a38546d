/// Why a record is not a valid event: the reason a dead letter carries.
public struct EventDecodingError: Error, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
