import Foundation
public import RecstreamEvents

/// A recorded interaction log with the catalog of its items, as `eval` and
/// `replay` read it: events in file order, catalog by item id.
public struct InteractionLog: Sendable {
    public var events: [EngagementEvent]
    public var catalog: [String: CatalogEvent]

    public init(events: [EngagementEvent] = [], catalog: [String: CatalogEvent] = [:]) {
        self.events = events
        self.catalog = catalog
    }

    /// Events stably sorted by timestamp (ties keep file order).
    public func timeOrdered() -> [EngagementEvent] {
        events.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
    }
}

/// The formats `eval` and `replay` read.
public enum InteractionLogFormat: String, CaseIterable, Sendable {
    /// MovieLens `ratings.csv` (userId,movieId,rating,timestamp) + `movies.csv` (genres become categories).
    case movielensCSV = "movielens-csv"
    /// Classic MovieLens 100k: `u.data` (tab-separated) + `u.item` (pipe-separated Latin-1, 19 genre flags).
    case movielens100k = "movielens-100k"
    /// Engagement events per `schemas/events/engagement.schema.json`, one per line, + optional catalog JSONL.
    case jsonl
}

/// A log file that cannot be read, with the place and the reason.
public struct InteractionLogError: Error, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var reason: String

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(reason)"
    }
}

extension InteractionLog {
    /// Reads `ratings` (and `items`, when given) in `format`. Every rating or
    /// event is one interaction; MovieLens ratings become views (the rating
    /// value is ignored, as EVAL.md prescribes).
    public static func load(ratings: String, items: String?, format: InteractionLogFormat) throws -> InteractionLog {
        switch format {
        case .movielensCSV: return try loadMovieLensCSV(ratings: ratings, movies: items)
        case .movielens100k: return try loadMovieLens100k(ratings: ratings, items: items)
        case .jsonl: return try loadJSONLines(events: ratings, catalog: items)
        }
    }

    static func lines(of path: String, encoding: String.Encoding = .utf8) throws -> [Substring] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InteractionLogError(file: path, reason: "cannot read the file")
        }
        guard let text = String(data: data, encoding: encoding) else {
            throw InteractionLogError(file: path, reason: "not valid \(encoding == .utf8 ? "UTF-8" : "Latin-1") text")
        }
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    private static func loadMovieLensCSV(ratings: String, movies: String?) throws -> InteractionLog {
        var log = InteractionLog()
        for (index, line) in try lines(of: ratings).enumerated() where !line.isEmpty {
            let fields = CSV.fields(line)
            if index == 0 && fields.first == "userId" { continue }
            guard fields.count >= 4, let seconds = Int64(fields[3]), !fields[0].isEmpty, !fields[1].isEmpty else {
                throw InteractionLogError(file: ratings, line: index + 1, reason: "expected userId,movieId,rating,timestamp")
            }
            log.events.append(
                EngagementEvent(
                    eventID: "ml-\(index)", userID: fields[0], itemID: fields[1], type: .view, timestamp: seconds * 1000))
        }
        guard let movies else { return log }
        for (index, line) in try lines(of: movies).enumerated() where !line.isEmpty {
            let fields = CSV.fields(line)
            if index == 0 && fields.first == "movieId" { continue }
            guard fields.count >= 3, !fields[0].isEmpty else {
                throw InteractionLogError(file: movies, line: index + 1, reason: "expected movieId,title,genres")
            }
            let genres = fields[2] == "(no genres listed)" ? [] : fields[2].split(separator: "|").map(String.init)
            log.catalog[fields[0]] = CatalogEvent(itemID: fields[0], categories: genres, title: fields[1])
        }
        return log
    }

    /// The 19 genre flags of `u.item`, in file order.
    static let movieLens100kGenres = [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
        "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ]

    private static func loadMovieLens100k(ratings: String, items: String?) throws -> InteractionLog {
        var log = InteractionLog()
        for (index, line) in try lines(of: ratings).enumerated() where !line.isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 4, let seconds = Int64(fields[3]), !fields[0].isEmpty, !fields[1].isEmpty else {
                throw InteractionLogError(file: ratings, line: index + 1, reason: "expected user<TAB>item<TAB>rating<TAB>timestamp")
            }
            log.events.append(
                EngagementEvent(
                    eventID: "ml100k-\(index)", userID: String(fields[0]), itemID: String(fields[1]), type: .view, timestamp: seconds * 1000
                ))
        }
        guard let items else { return log }
        for (index, line) in try lines(of: items, encoding: .isoLatin1).enumerated() where !line.isEmpty {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count >= 5 + movieLens100kGenres.count, !fields[0].isEmpty else {
                throw InteractionLogError(
                    file: items, line: index + 1, reason: "expected id|title|release|video release|URL|19 genre flags")
            }
            let flags = fields.suffix(movieLens100kGenres.count)
            let genres = zip(movieLens100kGenres, flags).filter { $0.1 == "1" && $0.0 != "unknown" }.map(\.0)
            log.catalog[String(fields[0])] = CatalogEvent(itemID: String(fields[0]), categories: genres, title: String(fields[1]))
        }
        return log
    }

    private static func loadJSONLines(events: String, catalog: String?) throws -> InteractionLog {
        var log = InteractionLog()
        for (index, line) in try lines(of: events).enumerated() where !line.allSatisfy(\.isWhitespace) {
            do {
                log.events.append(try EngagementEvent(json: Data(line.utf8)))
            } catch {
                throw InteractionLogError(file: events, line: index + 1, reason: error.reason)
            }
        }
        guard let catalog else { return log }
        for (index, line) in try lines(of: catalog).enumerated() where !line.allSatisfy(\.isWhitespace) {
            do {
                let event = try CatalogEvent(json: Data(line.utf8))
                log.catalog[event.itemID] = event
            } catch {
                throw InteractionLogError(file: catalog, line: index + 1, reason: error.reason)
            }
        }
        return log
    }
}

/// Splitting one CSV line (RFC 4180 quoting: "a, b" and "" for a quote).
enum CSV {
    static func fields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" {
                            current.append("\"")
                        } else {
                            quoted = false
                            if next == "," {
                                fields.append(current)
                                current = ""
                            } else {
                                current.append(next)
                            }
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.isEmpty {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
