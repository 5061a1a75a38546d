import Foundation
import RecstreamModel
import RecstreamStore

/// `recstream bench store`: bulk writes and reads of the state tables on a
/// scratch database of the configured server (created, migrated, dropped).
public struct StoreBenchmark {
    public var dimension = 64
    public var vectors = 100_000
    /// Rows in the table when loading is timed.
    public var loadedVectors = 1_000_000
    public var interactions = 500_000
    /// Rows written one parameterised upsert at a time, the baseline.
    public var singleRowUpserts = 5_000

    public init() {}

    public func run(conninfo: String, log: (String) -> Void) throws -> [String: Double] {
        let database = try ScratchDatabase(server: conninfo, name: "recstream_bench_\(UUID().uuidString.prefix(8).lowercased())")
        let connection = try database.migrated()
        let state = StateRepository(connection: connection)
        try state.saveMetadata(dimension: dimension, hyperparameters: "{}", modelVersion: 1)
        log(
            "server \(connection.serverVersion / 10_000).\(connection.serverVersion % 10_000); \(vectors) vectors of d = \(dimension), \(interactions) interactions"
        )

        var random = SplitMix64(seed: 1)
        let users = (0..<vectors).map { UserRow(id: Int64($0), externalID: "u\($0)") }
        let rows = (0..<vectors).map { id in
            VectorRow(id: Int64(id), vector: (0..<dimension).map { _ in Float.random(in: -1...1, using: &random) }, version: 1)
        }
        var results: [String: Double] = [:]
        try connection.transaction { try state.insertUsers(users) }

        let insertSeconds = try timed { try connection.transaction { try state.upsertVectors(rows, side: .user) } }
        results["embedding_insert_rows_per_s"] = Double(vectors) / insertSeconds
        let updated = rows.map { VectorRow(id: $0.id, vector: $0.vector, version: 2) }
        let updateSeconds = try timed { try connection.transaction { try state.upsertVectors(updated, side: .user) } }
        results["embedding_update_rows_per_s"] = Double(vectors) / updateSeconds
        results["embedding_upsert_rows_per_s"] = min(results["embedding_insert_rows_per_s"]!, results["embedding_update_rows_per_s"]!)
        log(
            String(
                format: "upsert of %d embeddings in one transaction by COPY binary + merge: as inserts %.0f rows/s, as updates %.0f rows/s",
                vectors, results["embedding_insert_rows_per_s"]!, results["embedding_update_rows_per_s"]!))
        // Grow the table to `loadedVectors` rows (untimed), then time loading all of them.
        for start in stride(from: vectors, to: loadedVectors, by: vectors) {
            let ids = start..<min(start + vectors, loadedVectors)
            try connection.transaction {
                try state.insertUsers(ids.map { UserRow(id: Int64($0), externalID: "u\($0)") })
                try state.upsertVectors(ids.map { VectorRow(id: Int64($0), vector: rows[$0 % vectors].vector, version: 1) }, side: .user)
            }
        }
        var loaded = 0
        let loadSeconds = try timed { loaded = try state.loadVectors(side: .user).count }
        results["embedding_load_rows_per_s"] = Double(loaded) / loadSeconds
        log(String(format: "load of %d embeddings by COPY binary: %.0f rows/s", loaded, results["embedding_load_rows_per_s"]!))

        let single = Array(rows.prefix(singleRowUpserts))
        let singleSeconds = try timed {
            try connection.transaction {
                for row in single {
                    try connection.execute(
                        "insert into user_embeddings (user_id, vector, version) values ($1, $2::real[], 3) on conflict (user_id) do update set vector = excluded.vector, version = 3",
                        [String(row.id), "{" + row.vector.map { "\($0)" }.joined(separator: ",") + "}"])
                }
            }
        }
        results["embedding_single_row_upserts_per_s"] = Double(single.count) / singleSeconds
        results["embedding_copy_vs_single_row_ratio"] =
            results["embedding_update_rows_per_s"]! / results["embedding_single_row_upserts_per_s"]!
        log(
            String(
                format: "the same upsert one parameterised statement per row: %.0f rows/s (COPY + merge is %.1fx)",
                results["embedding_single_row_upserts_per_s"]!, results["embedding_copy_vs_single_row_ratio"]!))

        let items = (0..<2_000).map { ItemRow(id: Int64($0), externalID: "i\($0)") }
        try connection.transaction { try state.upsertItems(items) }
        var pairs = Set<Int64>()
        var interactionRows: [InteractionRow] = []
        interactionRows.reserveCapacity(interactions)
        while interactionRows.count < interactions {
            let user = Int64.random(in: 0..<Int64(vectors), using: &random)
            let item = Int64.random(in: 0..<2_000, using: &random)
            if pairs.insert(user * 2_000 + item).inserted {
                interactionRows.append(InteractionRow(user: user, item: item, weight: 1, lastSequence: 0))
            }
        }
        let interactionSeconds = try timed { try connection.transaction { try state.upsertInteractions(interactionRows) } }
        results["interaction_upsert_rows_per_s"] = Double(interactions) / interactionSeconds
        log(String(format: "interactions by COPY binary + merge: %.0f rows/s", results["interaction_upsert_rows_per_s"]!))
        return results
    }
}
