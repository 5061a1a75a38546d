/// A key whose value is one of a few names: a `String`-backed enumeration.
/// Any such type holds in a key as it is (no conformance to declare):
/// `Logger.Level`, `LogFormat`.
public typealias ConfigurationChoice = RawRepresentable<String> & CaseIterable & Sendable & Equatable

/// How a problem names the choices: `"a" or "b"`, or `one of "a", "b", "c"`.
func choiceDescription<Value: ConfigurationChoice>(_ type: Value.Type) -> String {
    let names = Value.allCases.map { "\"\($0.rawValue)\"" }
    return names.count == 2 ? "\(names[0]) or \(names[1])" : "one of \(names.joined(separator: ", "))"
}
