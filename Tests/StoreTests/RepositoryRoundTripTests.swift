import RecstreamModel
import RecstreamStore
import TestSupport
import Testing

@Suite("Repositories against a real server", .enabled(if: TestServices.postgresRequested))
struct RepositoryRoundTripTests {
    let dimension = 8

    func vectors(_ count: Int, seed: UInt64) -> [VectorRow] {
        var random = SplitMix64(seed: seed)
        let specials: [Float] = [-0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.ulpOfOne]
        return (0..<count).map { id in
            VectorRow(
                id: Int64(id),
                vector: (0..<dimension).map { k in
                    id == 0 && k < specials.count ? specials[k] : Float(bitPattern: UInt32(truncatingIfNeeded: random.next()) & 0xBEFF_FFFF)
                }, version: 7)
        }
    }

    /// A batch that writes one of everything.
    func batch(users: Int, offset: Int64, seed: UInt64) -> BatchWrites {
        var writes = BatchWrites()
        writes.users = (0..<users).map { UserRow(id: Int64($0), externalID: "user-\($0)") }
        writes.items = (0..<users).map {
            ItemRow(
                id: Int64($0), externalID: "item-\($0)", categories: ["c\($0 % 3)", "é \"quoted\""], uploader: $0 % 2 == 0 ? "up" : nil,
                title: "T\($0)")
        }
        writes.interactions = (0..<users).map {
            InteractionRow(user: Int64($0), item: Int64(($0 + 1) % users), weight: Float($0) + 0.5, lastSequence: Int64($0))
        }
        writes.userVectors = vectors(users, seed: seed)
        writes.itemVectors = vectors(users, seed: seed + 1)
        writes.centroids = [
            CentroidRow(kind: .category, key: "c0", sum: (0..<dimension).map { Double($0) / 3 }, count: 4),
            CentroidRow(kind: .global, key: "", sum: (0..<dimension).map { -Double($0) * .pi }, count: 9),
        ]
        writes.transitions = (0..<users).map {
            TransitionRow(from: Int64($0), to: Int64(($0 + 3) % users), weight: Float($0 % 7) + 1, modelVersion: 7)
        }
        writes.blendTuning = [(0, 0), (0.1, 0.5), (0.1, 2)].enumerated().map { index, weights in
            BlendTuningRow(
                popularityWeight: weights.0, transitionWeight: weights.1, hits: Double(index) * 1.25,
                wins: [0, 0.5 * Double(index), .pi], chosen: index == 1, tests: 40)
        }
        writes.deadLetters = [
            DeadLetter(topic: "t", partition: 2, offset: 41, key: [0xFF, 0x00], payload: [0xC3, 0x28, 0x7B], reason: "not valid JSON")
        ]
        writes.offsets = [
            PartitionOffset(topic: "t", partition: 0, nextOffset: offset), PartitionOffset(topic: "t", partition: 2, nextOffset: 42),
        ]
        writes.modelVersion = 7
        return writes
    }

    @Test func everyRepositoryRoundTripsAndVectorsStayBitIdentical() throws {
        let database = try FreshDatabase()
        let connection = try database.migrated()
        let state = StateRepository(connection: connection)
        try state.saveMetadata(dimension: dimension, hyperparameters: #"{"alpha": 1}"#, modelVersion: 7)
        let writes = batch(users: 300, offset: 10, seed: 1)
        try BatchTransaction(connection: connection).commit(writes)

        #expect(try state.loadUsers() == writes.users)
        #expect(try state.loadItems() == writes.items)
        #expect(try state.loadInteractions().sorted { $0.user < $1.user } == writes.interactions)
        let users = try state.loadVectors(side: .user)
        #expect(users.map(\.id) == writes.userVectors.map(\.id))
        #expect(zip(users, writes.userVectors).allSatisfy { $0.vector.map(\.bitPattern) == $1.vector.map(\.bitPattern) })
        #expect(
            try state.loadVectors(side: .item).map { $0.vector.map(\.bitPattern) } == writes.itemVectors.map { $0.vector.map(\.bitPattern) }
        )
        #expect(try state.loadCentroids().sorted { $0.kind.rawValue < $1.kind.rawValue } == writes.centroids)
        #expect(try state.loadDeadLetters() == writes.deadLetters)
        #expect(try state.loadOffsets() == writes.offsets)
        #expect(try state.loadTransitions().sorted { ($0.from, $0.to) < ($1.from, $1.to) } == writes.transitions)
        #expect(try state.loadBlendTuning() == writes.blendTuning)
        let metadata = try #require(try state.loadMetadata())
        #expect(metadata.dimension == dimension && metadata.modelVersion == 7 && metadata.hyperparameters.contains("alpha"))

        // A second batch updates in place.
        var update = BatchWrites()
        update.users = [UserRow(id: 5, externalID: "renamed")]
        update.interactions = [InteractionRow(user: 5, item: 6, weight: 9.25, lastSequence: 98)]
        update.transitions = [TransitionRow(from: 5, to: 8, weight: 12, modelVersion: 8)]
        update.offsets = [PartitionOffset(topic: "t", partition: 0, nextOffset: 11)]
        update.modelVersion = 8
        try BatchTransaction(connection: connection).commit(update)
        #expect(try state.loadUsers()[5].externalID == "user-5", "a stored user never changes")
        #expect(try state.loadInteractions().first { $0.user == 5 }?.weight == 9.25)
        func count(_ from: Int64, _ to: Int64) throws -> Float {
            try state.loadTransitions().filter { $0.from == from && $0.to == to }.map(\.weight).reduce(0, +)
        }
        #expect(try count(5, 8) == 6 + 12, "a batch adds its weights to the stored ones")
        #expect(try state.loadOffsets().first { $0.partition == 0 }?.nextOffset == 11)

        // The same batch again (a retry after a lost acknowledgement) counts once.
        try BatchTransaction(connection: connection).commit(update)
        #expect(try count(5, 8) == 18)
        #expect(try state.loadTransitions().count == 301)
    }

    @Test func foldingTransitionRowsKeepsEveryCountAndSparesConcurrentBatches() throws {
        let database = try FreshDatabase()
        let connection = try database.migrated()
        let state = StateRepository(connection: connection)
        // Three batches add to overlapping steps; the counts are their sums.
        var expected: [TransitionCounts.Transition: Float] = [:]
        var writes = BatchWrites()
        for version in Int64(1)...3 {
            writes = BatchWrites()
            writes.modelVersion = version
            writes.transitions = (0..<50).map { index in
                let step = TransitionCounts.Transition(from: Int32(index % 10), to: Int32(10 + (index * Int(version)) % 7))
                return TransitionRow(from: Int64(step.from), to: Int64(step.to), weight: 0.25 * Float(index % 4 + 1), modelVersion: version)
            }
            for row in writes.transitions { expected[.init(from: Int32(row.from), to: Int32(row.to)), default: 0] += row.weight }
            try BatchTransaction(connection: connection).commit(writes)
        }
        func stored() throws -> [TransitionCounts.Transition: Float] {
            try state.loadTransitions().reduce(into: [:]) { $0[.init(from: Int32($1.from), to: Int32($1.to)), default: 0] += $1.weight }
        }
        #expect(try stored() == expected)
        let pairs = expected.count

        // A batch in flight while the rows are folded is neither folded nor lost.
        let other = try database.connect()
        try other.execute("begin")
        try StateRepository(connection: other).appendTransitions(
            [TransitionRow(from: 0, to: 10, weight: 4, modelVersion: 4)], modelVersion: 4)
        let epoch = try #require(try connection.execute("select epoch from leadership").text(row: 0, column: 0).flatMap { Int64($0) })
        let (before, after) = try BatchTransaction(connection: connection).compactTransitions(fencedBy: epoch)
        try other.execute("commit")
        expected[.init(from: 0, to: 10), default: 0] += 4
        #expect(before == 150 && after == pairs && pairs < 150)
        #expect(try stored() == expected)
        #expect(try state.loadTransitions().count == pairs + 1)
        // Folded rows keep the newest version: a retry of the last batch still counts once.
        try BatchTransaction(connection: connection).commit(writes)
        #expect(try stored() == expected)
        #expect(throws: WriterFenced.self) { try BatchTransaction(connection: connection).compactTransitions(fencedBy: epoch + 1) }
    }

    @Test func recommendationListsAndTheirFlatViews() throws {
        let database = try FreshDatabase()
        let connection = try database.migrated()
        let recommendations = RecommendationRepository(connection: connection)
        let row = try storeItems(["m1", "m,2", "m\"3", "m2", "m7"], connection: connection)
        try connection.transaction {
            try recommendations.publishUserLists([
                ListRow(id: "alice", itemRows: [row["m1"]!, row["m,2"]!, row["m\"3"]!], scores: [0.9, 0.5, -0.25], modelVersion: 3),
                ListRow(id: "bob", itemRows: [], scores: [], modelVersion: 3),
            ])
            try recommendations.publishRelatedLists([ListRow(id: "m1", itemRows: [row["m2"]!], scores: [0.75], modelVersion: 3)])
            try recommendations.replacePopular(itemIDs: ["m9", "m1"], scores: [12, 7.5], modelVersion: 3)
        }
        // Written by row id, read back by external id.
        #expect(
            try recommendations.userList("alice") == RankedList(id: "alice", itemIDs: ["m1", "m,2", "m\"3"], scores: [0.9, 0.5, -0.25]))
        #expect(try recommendations.userList("bob") == RankedList(id: "bob", itemIDs: [], scores: []))
        #expect(try recommendations.userList("nobody") == nil)
        #expect(try recommendations.relatedList("m1")?.itemIDs == ["m2"])
        #expect(try recommendations.popular() == RankedList(id: "popular", itemIDs: ["m9", "m1"], scores: [12, 7.5]))
        let flat = try connection.execute(
            "select rank, item_id, score from user_recommendations_flat where user_id = $1 order by rank", ["alice"])
        #expect((0..<flat.rowCount).map { flat.text(row: $0, column: 1)! } == ["m1", "m,2", "m\"3"])
        #expect(flat.text(row: 2, column: 0) == "3" && flat.text(row: 2, column: 2) == "-0.25")
        // Republishing replaces the whole list.
        try connection.transaction {
            try recommendations.publishUserLists([ListRow(id: "alice", itemRows: [row["m7"]!], scores: [1], modelVersion: 4)])
        }
        #expect(try recommendations.userList("alice")?.itemIDs == ["m7"])
    }

    @Test func aFailureInsideTheBatchLeavesNoTraceAndOffsetsUnchanged() throws {
        let database = try FreshDatabase()
        let connection = try database.migrated()
        let state = StateRepository(connection: connection)
        try state.saveMetadata(dimension: dimension, hyperparameters: "{}", modelVersion: 1)
        let first = batch(users: 50, offset: 10, seed: 1)
        try BatchTransaction(connection: connection).commit(first)

        // Everything valid except the very last statement: an offset below zero.
        var failing = batch(users: 80, offset: 20, seed: 2)
        failing.offsets.append(PartitionOffset(topic: "t", partition: 1, nextOffset: -1))
        #expect(throws: PostgresError.self) { try BatchTransaction(connection: connection).commit(failing) }
        // A vector of the wrong dimension in the middle fails the same way.
        var wrongDimension = batch(users: 80, offset: 30, seed: 3)
        wrongDimension.itemVectors[7].vector.removeLast()
        do {
            try BatchTransaction(connection: connection).commit(wrongDimension)
            Issue.record("a vector of the wrong dimension must be refused")
        } catch let error as PostgresError {
            #expect(error.sqlState == "23514")
            #expect(error.message.contains("the model dimension is 8"))
        }

        for poison: Float in [.nan, .infinity, -.infinity] {
            var nonFinite = batch(users: 80, offset: 40, seed: 4)
            nonFinite.userVectors[3].vector[5] = poison
            #expect(sqlState(of: { try BatchTransaction(connection: connection).commit(nonFinite) }) == "23514", "\(poison)")
        }

        #expect(try state.loadUsers() == first.users)
        #expect(try state.loadVectors(side: .user).map(\.vector) == first.userVectors.map(\.vector))
        #expect(try state.loadDeadLetters().count == 1)
        #expect(try state.loadOffsets() == first.offsets)
    }

    /// The dedup window: one row per batch, loaded newest ids first up to
    /// the limit (returned oldest first), trimmed by whole batches.
    @Test func eventIDWindowSpansBatchesAndTrimsWholeBatches() throws {
        let database = try FreshDatabase()
        let state = StateRepository(connection: try database.migrated())
        let batches = [(0..<5), (5..<8), (8..<14)].map { range in range.map { "e\($0)" } }
        for ids in batches { try state.recordEventIDs(ids) }
        try state.recordEventIDs([])
        let all = batches.flatMap { $0 }
        #expect(try state.loadRecentEventIDs(limit: 100) == all)
        #expect(try state.loadRecentEventIDs(limit: 7) == Array(all.suffix(7)), "the limit cuts inside a batch")
        #expect(try state.loadRecentEventIDs(limit: 0) == [])
        // Keep 7: the newest batch (6 ids) and the one that reaches 7; the oldest goes.
        try state.trimEventIDs(keep: 7)
        #expect(try state.loadRecentEventIDs(limit: 100) == Array(all.dropFirst(5)))
        try state.trimEventIDs(keep: 6)
        #expect(try state.loadRecentEventIDs(limit: 100) == batches[2])
    }

    /// A list computed from an older model never replaces a newer one (a slow
    /// full recompute racing per-batch refreshes).
    @Test func anOlderModelVersionNeverOverwritesANewerList() throws {
        let database = try FreshDatabase()
        let connection = try database.migrated()
        let repository = RecommendationRepository(connection: connection)
        let row = try storeItems(["new", "old", "same"], connection: connection)
        try connection.transaction {
            try repository.publishUserLists([ListRow(id: "u", itemRows: [row["new"]!], scores: [2], modelVersion: 20)])
        }
        try connection.transaction {
            try repository.publishUserLists([ListRow(id: "u", itemRows: [row["old"]!], scores: [1], modelVersion: 10)])
        }
        #expect(try repository.userList("u")?.itemIDs == ["new"])
        try connection.transaction {
            try repository.publishUserLists([ListRow(id: "u", itemRows: [row["same"]!], scores: [3], modelVersion: 20)])
        }
        #expect(try repository.userList("u")?.itemIDs == ["same"], "the same version replaces (a recompute after train)")
    }

    @Test func theReaderRoleReadsRecommendationsAndNothingElse() throws {
        let database = try FreshDatabase()
        let owner = try database.migrated()
        let row = try storeItems(["i"], connection: owner)
        try owner.transaction {
            try RecommendationRepository(connection: owner).publishUserLists([
                ListRow(id: "u", itemRows: [row["i"]!], scores: [1], modelVersion: 1)
            ])
            try RecommendationRepository(connection: owner).replacePopular(itemIDs: ["i"], scores: [1], modelVersion: 1)
        }
        let login = TestServices.uniqueName("app_reader")
        try owner.execute("create role \(login) login in role recstream_reader")
        defer { _ = try? owner.execute("drop role if exists \(login)") }
        // In a key=value conninfo the last setting of a keyword wins.
        let reader = try PostgresConnection(conninfo: database.url + " user=\(login)")

        for readable in [
            "user_recommendations", "user_recommendations_flat", "item_related", "item_related_flat", "popular_items", "item_attributes",
        ] {
            #expect(throws: Never.self) { try reader.execute("select * from \(readable)") }
        }
        for hidden in [
            "user_embeddings", "item_embeddings", "interactions", "users", "consumer_offsets", "dead_letters",
            "user_recommendation_lists", "item_related_lists",
        ] {
            #expect(sqlState(of: { try reader.execute("select * from \(hidden)") }) == "42501", "\(hidden)")
        }
        #expect(
            sqlState(of: { try reader.execute("insert into popular_items (rank, item_id, score, model_version) values (9, 'x', 1, 1)") })
                == "42501")
        #expect(sqlState(of: { try reader.execute("update user_recommendations set scores = '{2}'") }) == "42501")
        #expect(sqlState(of: { try reader.execute("delete from user_recommendations") }) == "42501")
        #expect(sqlState(of: { try reader.execute("create table sneaky (id int)") }) == "42501")
    }

    /// The README's query: a user's list among one category, in rank order, as the reader reads it.
    @Test func theReaderFiltersAUsersListByCategory() throws {
        let database = try FreshDatabase()
        let owner = try database.migrated()
        var writes = BatchWrites()
        writes.items = (0..<40).map { index in
            ItemRow(
                id: Int64(index), externalID: "i\(index)", categories: index % 3 == 0 ? ["shoes", "sale"] : ["hats"], uploader: "shop",
                title: nil)
        }
        try BatchTransaction(connection: owner).commit(writes)
        // The list ranks rows 39, 38, ..., 0: the shoes among them are the multiples of 3, highest first.
        let ranked = Array((0..<40).reversed())
        try owner.transaction {
            try RecommendationRepository(connection: owner).publishUserLists([
                ListRow(id: "u42", itemRows: ranked.map { Int64($0) }, scores: ranked.map { Float($0) }, modelVersion: 1)
            ])
        }
        let login = TestServices.uniqueName("app_reader")
        try owner.execute("create role \(login) login in role recstream_reader")
        defer { _ = try? owner.execute("drop role if exists \(login)") }
        let reader = try PostgresConnection(conninfo: database.url + " user=\(login)")

        let result = try reader.execute(
            """
            select f.rank, f.item_id from user_recommendations_flat f join item_attributes a using (item_id)
            where f.user_id = $1 and $2 = any(a.categories) order by f.rank limit 10
            """, ["u42", "shoes"])
        let expected = ranked.enumerated().filter { $0.element % 3 == 0 }.prefix(10)
        #expect((0..<result.rowCount).map { result.text(row: $0, column: 1)! } == expected.map { "i\($0.element)" })
        #expect((0..<result.rowCount).map { Int(result.text(row: $0, column: 0)!)! } == expected.map { $0.offset + 1 })
    }

    @Test func aLostConnectionIsReplacedOnTheNextAttempt() throws {
        let database = try FreshDatabase()
        _ = try database.migrated()
        let client = ReconnectingConnection(conninfo: database.url)
        let firstPID = try client.run { try $0.execute("select pg_backend_pid()").text(row: 0, column: 0)! }
        let admin = try database.connect()
        try admin.execute("select pg_terminate_backend($1::int)", [firstPID])
        let secondPID = try client.run(attempts: 5) { try $0.execute("select pg_backend_pid()").text(row: 0, column: 0)! }
        #expect(secondPID != firstPID)
        // A statement error is not a lost connection: thrown at once, no retry.
        var calls = 0
        #expect(throws: PostgresError.self) {
            try client.run(attempts: 5) { connection in
                calls += 1
                return try connection.execute("select no_such_column from users")
            }
        }
        #expect(calls == 1)
    }

    @Test func hostileAndUnusualIdsComeBackVerbatim() throws {
        let database = try FreshDatabase()
        let connection = try database.migrated()
        let state = StateRepository(connection: connection)
        let ids = [
            "x'); DROP TABLE users;--", "\u{200B}", "\u{FEFF}\u{00A0} ", "e\u{301}", "é", "👩‍👩‍👧", "tab\tnew\nline\\", "\"quoted\", {braces}",
            String(repeating: "ü", count: 512), String(repeating: "k", count: 1_024),
        ]
        var writes = BatchWrites()
        writes.users = ids.enumerated().map { UserRow(id: Int64($0.offset), externalID: $0.element) }
        writes.items = ids.enumerated().map {
            ItemRow(id: Int64($0.offset), externalID: $0.element, categories: [$0.element], uploader: $0.element, title: $0.element)
        }
        try BatchTransaction(connection: connection).commit(writes)
        #expect(try state.loadUsers().map(\.externalID) == ids)
        let items = try state.loadItems()
        #expect(items.map(\.externalID) == ids && items.map(\.categories) == ids.map { [$0] } && items.map(\.uploader) == ids)
        let recommendations = RecommendationRepository(connection: connection)
        try connection.transaction {
            try recommendations.publishUserLists(
                ids.map { ListRow(id: $0, itemRows: ids.indices.map(Int64.init), scores: ids.map { _ in 1 }, modelVersion: 1) })
        }
        for id in ids { #expect(try recommendations.userList(id)?.itemIDs == ids, "\(id.prefix(20))") }
        #expect(try connection.execute("select count(*) from users").text(row: 0, column: 0) == String(ids.count))
    }

    /// Stores items with these external ids; their row ids by external id.
    func storeItems(_ ids: [String], connection: PostgresConnection) throws -> [String: Int64] {
        var writes = BatchWrites()
        writes.items = ids.enumerated().map {
            ItemRow(id: Int64($0.offset), externalID: $0.element, categories: [], uploader: nil, title: nil)
        }
        try BatchTransaction(connection: connection).commit(writes)
        return Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($0.element, Int64($0.offset)) })
    }

    func sqlState(of body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as PostgresError {
            return error.sqlState
        } catch {
            return "?"
        }
    }
}
