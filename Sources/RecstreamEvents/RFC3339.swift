import Foundation

/// RFC 3339 timestamps ("2024-05-01T12:00:00Z", "2024-05-01T14:00:00.250+02:00").
enum RFC3339 {
    /// Epoch milliseconds of `text`, or nil when it is not RFC 3339.
    static func epochMilliseconds(_ text: String) -> Int64? {
        let strategy = Date.ISO8601FormatStyle(includingFractionalSeconds: text.contains("."))
        guard let date = try? Date(text, strategy: strategy) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
