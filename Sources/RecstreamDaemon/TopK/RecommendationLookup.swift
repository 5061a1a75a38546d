import RecstreamStore

/// `recstream recommend`: what an app reads for a user or an item, read with
/// the reader role's rights (`set role recstream_reader`) when the
/// connecting role may take them.
public enum RecommendationLookup {
    public enum Subject: Sendable {
        case user(String)
        case item(String)
    }

    /// Lines to print: a header, then one line per rank.
    public static func lines(conninfo: String, subject: Subject, k: Int?) throws -> [String] {
        let connection = try PostgresConnection(conninfo: conninfo)
        var lines: [String] = []
        do {
            try connection.execute("set role recstream_reader")
            lines.append("(read as recstream_reader)")
        } catch {
            lines.append("(read as the connecting role: it may not take recstream_reader)")
        }
        let repository = RecommendationRepository(connection: connection)
        let list: RankedList?
        switch subject {
        case .user(let id):
            list = try repository.userList(id)
            if list == nil {
                let popular = try repository.popular()
                lines.append("user \(id) has no list yet (no history): the popular items")
                return lines + ranked(popular, k: k)
            }
            lines.append("recommendations for user \(id)")
        case .item(let id):
            list = try repository.relatedList(id)
            guard list != nil else { return lines + ["item \(id) has no related list yet"] }
            lines.append("items related to \(id)")
        }
        return lines + ranked(list!, k: k)
    }

    private static func ranked(_ list: RankedList, k: Int?) -> [String] {
        zip(list.itemIDs, list.scores).prefix(k ?? list.itemIDs.count).enumerated().map { rank, entry in
            "\(rank + 1)\t\(entry.0)\t\(entry.1)"
        }
    }
}
