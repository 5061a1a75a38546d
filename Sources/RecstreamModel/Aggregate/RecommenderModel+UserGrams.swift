extension RecommenderModel {
    /// Projects the `rows` whose history is long enough from their kept terms
    /// (`UserGram`), in parallel, and returns the rows left for the plain
    /// projection. Kept terms are synced; missing or stale ones are built
    /// only when the item changes since `batchClock` (`UserGramCache.clock`
    /// when the batch began) touched little of the user's history
    /// (`UserGram.isWorthBuilding`).
    mutating func projectFromUserGrams(_ rows: [Int32], solver: WALSSolver, batchClock: UInt64) -> [Int32] {
        let minimumHistory = userGrams.minimumHistory
        let long = rows.filter { interactions.byUser[Int($0)].count >= minimumHistory }
        var rest = rows.filter { interactions.byUser[Int($0)].count < minimumHistory }
        guard !long.isEmpty else { return rest }
        let d = configuration.dimension
        var grams = long.map { userGrams.take($0) }
        let histories = long.map { interactions.byUser[Int($0)] }
        let eventCounts = long.map { interactions.userEventCounts[Int($0)] }
        let terms = UserGram.Terms(configuration)
        let itemStamps = userGrams.itemStamps
        let clock = userGrams.clock
        /// Per row: whether its terms were built, and whether it was solved,
        /// not solvable (vector kept) or left to the plain projection.
        struct Outcome {
            var built = false
            var solved: Bool?
        }
        var outcomes = [Outcome](repeating: Outcome(), count: long.count)
        grams.withUnsafeMutableBufferPointer { gramBuffer in
            outcomes.withUnsafeMutableBufferPointer { outcomeBuffer in
                itemFactors.withUnsafeValues { itemValues in
                    userFactors.withUnsafeMutableValues { userValues in
                        let grams = SharedPointer(gramBuffer.baseAddress!)
                        let outcomes = SharedPointer(outcomeBuffer.baseAddress!)
                        let items = SharedPointer(itemValues)
                        let users = SharedPointer(userValues)
                        parallelChunks(count: long.count) { range, _ in
                            for index in range {
                                let gram = grams.mutableBase + index
                                let synced =
                                    gram.pointee?.sync(
                                        history: histories[index], eventCount: eventCounts[index], items: items.base, dimension: d,
                                        terms: terms, itemStamps: itemStamps, clock: clock) ?? false
                                if !synced {
                                    gram.pointee = nil
                                    if UserGram.isWorthBuilding(history: histories[index], itemStamps: itemStamps, movedSince: batchClock) {
                                        outcomes.mutableBase[index].built = true
                                        gram.pointee = UserGram(
                                            history: histories[index], eventCount: eventCounts[index], items: items.base, dimension: d,
                                            terms: terms, clock: clock)
                                    }
                                }
                                guard let kept = gram.pointee else { continue }
                                let solved = solver.solve(gram: kept, output: users.mutableBase + Int(long[index]) * d)
                                outcomes.mutableBase[index].solved = solved
                            }
                        }
                    }
                }
            }
        }
        for (index, row) in long.enumerated() {
            if let gram = grams[index] { userGrams.put(row, gram) }
            if outcomes[index].built { statistics.userGramBuilds += 1 }
            switch outcomes[index].solved {
            case true?: statistics.userGramProjections += 1
            case false?: statistics.projectionFailures += 1
            case nil: rest.append(row)
            }
        }
        return rest
    }
}
