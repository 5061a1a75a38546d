public import Logging
import Synchronization

/// Holds back repeated log messages: the first of a run of alike messages
/// goes through, then at most one per `interval`, which says how many were
/// held back since. Messages are alike when they differ only in their
/// numbers ("after 0ms" and "after 3ms"), as librdkafka's reconnect errors do.
public final class LogThrottle: Sendable {
    public let interval: Duration
    private let entries = Mutex<[String: Entry]>([:])

    private struct Entry {
        var lastLogged: ContinuousClock.Instant
        var heldBack: Int
    }

    /// Most distinct messages remembered; past it, the oldest are forgotten.
    static let capacity = 1_000

    /// Distinct messages remembered now.
    var remembered: Int { entries.withLock { $0.count } }

    public init(interval: Duration = .seconds(10)) {
        self.interval = interval
    }

    /// Whether to log `message` now: nil to hold it back, else how many alike
    /// messages were held back since the last one logged (0 for the first).
    public func admit(_ message: String, now: ContinuousClock.Instant = .now) -> Int? {
        let key = Self.shape(of: message)
        return entries.withLock { entries in
            if var entry = entries[key] {
                guard now - entry.lastLogged >= interval else {
                    entry.heldBack += 1
                    entries[key] = entry
                    return nil
                }
                entries[key] = Entry(lastLogged: now, heldBack: 0)
                return entry.heldBack
            }
            if entries.count >= Self.capacity {
                let horizon = now - interval
                entries = entries.filter { $0.value.lastLogged > horizon }
                if entries.count >= Self.capacity { entries.removeAll() }
            }
            entries[key] = Entry(lastLogged: now, heldBack: 0)
            return 0
        }
    }

    /// `metadata` with `repeated`: how many alike messages were held back
    /// since this one was last logged (none on a first one).
    public static func metadata(_ metadata: Logger.Metadata, heldBack: Int) -> Logger.Metadata {
        heldBack > 0 ? metadata.merging(["repeated": "\(heldBack)"]) { $1 } : metadata
    }

    /// `message` with every run of digits as one `#`.
    static func shape(of message: String) -> String {
        var shape = ""
        var inNumber = false
        for character in message {
            if character.isASCII && character.isNumber {
                if !inNumber { shape.append("#") }
                inNumber = true
            } else {
                shape.append(character)
                inNumber = false
            }
        }
        return shape
    }
}
