import Foundation

/// RFC 3339 timestamps ("2024-05-01T12:00:00Z", "2024-05-01T14:00:00.250+02:00").
enum RFC3339 {
    /// Epoch milliseconds of `text`, or nil when it is not RFC 3339.
    static func epochMilliseconds(_ text: String) -> Int64? {
        guard hasShape(Array(text.utf8)) else { return nil }
        let strategy = Date.ISO8601FormatStyle(includingFractionalSeconds: text.contains("."))
        guard let date = try? Date(text, strategy: strategy) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` with every field in
    /// range. Foundation's parser alone also takes shapes such as an hour of 100.
    static func hasShape(_ bytes: [UInt8]) -> Bool {
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        func byte(_ index: Int, in allowed: String) -> Bool { index < bytes.count && allowed.utf8.contains(bytes[index]) }
        guard number(0, 4) != nil, byte(4, in: "-"), let month = number(5, 2), (1...12).contains(month), byte(7, in: "-"),
            let day = number(8, 2), (1...31).contains(day), byte(10, in: "Tt"), let hour = number(11, 2), hour <= 23, byte(13, in: ":"),
            let minute = number(14, 2), minute <= 59, byte(16, in: ":"), let second = number(17, 2), second <= 60
        else { return false }
        var index = 19
        if byte(index, in: ".") {
            index += 1
            let start = index
            while number(index, 1) != nil { index += 1 }
            guard index > start else { return false }
        }
        if byte(index, in: "Zz") { return index + 1 == bytes.count }
        guard byte(index, in: "+-"), let offsetHours = number(index + 1, 2), offsetHours <= 23, byte(index + 3, in: ":"),
            let offsetMinutes = number(index + 4, 2), offsetMinutes <= 59
        else { return false }
        return index + 6 == bytes.count
    }
}
