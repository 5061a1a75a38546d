import CLibPQ

/// Facts about the libpq runtime that the dynamic loader picked.
public enum LibpqRuntime {
    /// Version of the loaded libpq, e.g. "15.18".
    public static var version: String {
        let number = Int(PQlibVersion())
        return number >= 100_000 ? "\(number / 10_000).\(number % 10_000)" : "\(number / 10_000).\(number / 100 % 100).\(number % 100)"
    }
}
