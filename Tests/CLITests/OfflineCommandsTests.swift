import Foundation
import RecstreamModel
import RecstreamStore
import TestSupport
import Testing

/// The commands that work on the stored state without Kafka: `train`,
/// `topk` and `recommend`, run as the built executable against a database
/// of their own.
@Suite("train, topk and recommend", .enabled(if: TestServices.postgresRequested))
struct OfflineCommandsTests {
    /// `kafka.brokers` is required by every command that reads the settings; these never connect to it.
    func environment(_ database: FreshDatabase) -> [String: String] {
        ["RECSTREAM_DATABASE_URL": database.url, "RECSTREAM_KAFKA_BROKERS": "127.0.0.1:1", "RECSTREAM__MODEL__DIMENSION": "8"]
    }

    /// 60 users and 40 items with interactions but no vectors yet.
    func storeInteractions(_ connection: PostgresConnection) throws {
        var writes = BatchWrites()
        writes.users = (0..<60).map { UserRow(id: Int64($0), externalID: "u\($0)") }
        writes.items = (0..<40).map { ItemRow(id: Int64($0), externalID: "i\($0)", categories: ["g\($0 % 3)"]) }
        var random = SplitMix64(seed: 11)
        var pairs = Set<[Int64]>()
        while pairs.count < 600 { pairs.insert([Int64.random(in: 0..<60, using: &random), Int64.random(in: 0..<40, using: &random)]) }
        var sequence: [Int64: Int64] = [:]
        writes.interactions = pairs.sorted { $0.lexicographicallyPrecedes($1) }.map { pair in
            defer { sequence[pair[0], default: 0] += 1 }
            return InteractionRow(user: pair[0], item: pair[1], weight: 1 + Float(pair[1] % 3), lastSequence: sequence[pair[0], default: 0])
        }
        try BatchTransaction(connection: connection).commit(writes)
    }

    /// The objective printed after each sweep.
    func objectives(_ output: String) -> [Double] {
        output.split(separator: "\n").filter { $0.hasPrefix("sweep ") }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
    }

    @Test func trainNeverRaisesTheObjectiveAndStoresEveryVectorThenTopKPublishesEveryList() throws {
        let database = try FreshDatabase()
        let connection = try database.migrated()
        try storeInteractions(connection)
        let state = StateRepository(connection: connection)

        let first = try RecstreamProcess.run(["train", "--sweeps", "3"], environment: environment(database))
        #expect(first.status == 0, "\(first.output)")
        let firstObjectives = objectives(first.output)
        #expect(firstObjectives.count == 3)
        #expect(zip(firstObjectives, firstObjectives.dropFirst()).allSatisfy { $1 <= $0 * (1 + 1e-6) }, "\(firstObjectives)")
        #expect(first.output.contains("wrote 60 user and 40 item vectors"))
        let trained = try state.loadVectors(side: .item)
        #expect(trained.count == 40 && trained.allSatisfy { $0.vector.count == 8 })

        // A second run goes on from the stored vectors.
        let second = try RecstreamProcess.run(["train", "--sweeps", "2"], environment: environment(database))
        let secondObjectives = objectives(second.output)
        #expect(second.status == 0 && secondObjectives.count == 2)
        #expect(secondObjectives.allSatisfy { $0 <= firstObjectives.last! * (1 + 1e-6) }, "\(secondObjectives) after \(firstObjectives)")
        #expect(try state.loadVectors(side: .item).map(\.vector) != trained.map(\.vector))

        let topk = try RecstreamProcess.run(["topk"], environment: environment(database))
        #expect(topk.status == 0, "\(topk.output)")
        #expect(topk.output.contains("user lists: 60 of 60") && topk.output.contains("related lists: 40 of 40"))
        let counts = try connection.execute("select (select count(*) from user_recommendations), (select count(*) from item_related)")
        #expect(counts.text(row: 0, column: 0) == "60" && counts.text(row: 0, column: 1) == "40")
    }

    @Test func recommendPrintsWhatAnAppReadsWithTheReaderRole() throws {
        let database = try FreshDatabase()
        let connection = try database.migrated()
        try connection.transaction {
            try StateRepository(connection: connection).upsertItems((0..<4).map { ItemRow(id: Int64($0), externalID: "m\($0)") })
            let lists = RecommendationRepository(connection: connection)
            try lists.publishUserLists([ListRow(id: "alice", itemRows: [2, 0, 3], scores: [0.75, 0.5, -0.25], modelVersion: 1)])
            try lists.publishRelatedLists([ListRow(id: "m0", itemRows: [1], scores: [0.5], modelVersion: 1)])
            try lists.replacePopular(itemIDs: ["m3", "m1"], scores: [9, 4], modelVersion: 1)
        }
        let alice = try RecstreamProcess.run(["recommend", "--user", "alice", "--k", "2"], environment: environment(database))
        #expect(alice.status == 0)
        #expect(alice.output == "(read as recstream_reader)\nrecommendations for user alice\n1\tm2\t0.75\n2\tm0\t0.5\n")
        let stranger = try RecstreamProcess.run(["recommend", "--user", "nobody"], environment: environment(database))
        #expect(stranger.output.hasSuffix("user nobody has no list yet (no history): the popular items\n1\tm3\t9.0\n2\tm1\t4.0\n"))
        let item = try RecstreamProcess.run(["recommend", "--item", "m0"], environment: environment(database))
        #expect(item.output.hasSuffix("items related to m0\n1\tm1\t0.5\n"))
    }
}
