/// What a key's value must satisfy beyond its type: a range, a non-empty
/// string. The reason names the rule; the problem adds the value given.
public struct Requirement<Value>: Sendable {
    let reason: String
    /// Whether the problem quotes the value given (not for a missing one).
    let quotesValue: Bool
    let isMet: @Sendable (Value) -> Bool

    /// `reason` says what is needed ("must be host:port"); `isMet` checks it.
    public static func satisfying(_ reason: String, _ isMet: @escaping @Sendable (Value) -> Bool) -> Requirement {
        Requirement(reason: reason, quotesValue: true, isMet: isMet)
    }

    /// Any value of the type.
    public static var any: Requirement { Requirement(reason: "", quotesValue: false, isMet: { _ in true }) }
}

extension Requirement where Value: BinaryInteger & Sendable {
    public static func between(_ range: ClosedRange<Value>) -> Requirement {
        .satisfying("must be between \(range.lowerBound) and \(range.upperBound)") { range.contains($0) }
    }

    public static func atLeast(_ lowerBound: Value) -> Requirement {
        .satisfying("must be >= \(lowerBound)") { $0 >= lowerBound }
    }
}

extension Requirement where Value: BinaryFloatingPoint & Sendable {
    public static func between(_ range: ClosedRange<Value>) -> Requirement {
        .satisfying("must be between \(range.lowerBound) and \(range.upperBound)") { range.contains($0) }
    }

    public static func atLeast(_ lowerBound: Value) -> Requirement {
        .satisfying("must be a finite number >= \(lowerBound)") { $0.isFinite && $0 >= lowerBound }
    }

    public static func greaterThan(_ lowerBound: Value) -> Requirement {
        .satisfying("must be a finite number > \(lowerBound)") { $0.isFinite && $0 > lowerBound }
    }
}

extension Requirement where Value == String {
    public static var nonEmpty: Requirement { required("must not be empty") }

    /// A value every deployment must give; `reason` says what it is and where to set it.
    public static func required(_ reason: String) -> Requirement {
        Requirement(reason: reason, quotesValue: false, isMet: { !$0.isEmpty })
    }
}
