/// What one `apply` (or sweep) changed, for the store to persist.
public struct ModelChanges: Sendable {
    /// User rows whose vectors changed.
    public var users: Set<Int32> = []
    /// Item rows whose vectors changed.
    public var items: Set<Int32> = []
    /// (user, item) pairs whose accumulated weight changed.
    public var pairs: Set<Pair> = []
    /// The weight this batch added to each step between items it changed.
    public var transitions: [TransitionCounts.Transition: Float] = [:]
    /// Whether the blend's tests changed (`BlendTuner.hits`).
    public var blendTested = false
    /// Rows a sweep projected in this batch (their vectors changed): a slice
    /// of a sweep in progress, or every row after a whole one.
    public var sweptUsers: Range<Int32> = 0..<0
    public var sweptItems: Range<Int32> = 0..<0

    public struct Pair: Sendable, Hashable {
        public var user: Int32
        public var item: Int32
    }

    public init(sweptUsers: Range<Int32> = 0..<0, sweptItems: Range<Int32> = 0..<0) {
        self.sweptUsers = sweptUsers
        self.sweptItems = sweptItems
    }
}

extension RecommenderModel {
    /// The training steps with this model's hyperparameters.
    public var training: WALSTraining {
        WALSTraining(
            unobservedWeight: configuration.unobservedWeight, regularization: configuration.regularization,
            confidence: configuration.confidence)
    }

    /// Learns one batch of events, in order: each event adds its weight to
    /// the pair and takes an SGD step on both vectors; then every user the
    /// batch touched is projected exactly (fold-in from the full history);
    /// touched items are projected every `itemProjectionInterval` batches
    /// (otherwise, with `coldItemProjection`, the touched items not yet warm);
    /// a full sweep runs every `sweepInterval` events, or every users + items
    /// events when the model has more rows than that.
    @discardableResult
    public mutating func apply(_ events: [Engagement]) -> ModelChanges {
        var changes = ModelChanges()
        let batchClock = userGrams.clock
        let sgd = GravitySGD(
            learningRate: configuration.sgdLearningRate, unobservedWeight: configuration.unobservedWeight,
            regularization: configuration.regularization)
        if sgd.learningRate > 0 && curvature.isStale(eventsNow: statistics.events) {
            curvature.refresh(userGramian: userGramian, itemGramian: itemGramian, eventsNow: statistics.events)
        }
        var scratch = [Float](repeating: 0, count: 4 * configuration.dimension)
        if configuration.blendTuning && testBlend(before: events) { changes.blendTested = true }
        for event in events {
            let user = resolveUser(event.user)
            let item = resolveItem(event.item).row
            let weight = configuration.eventWeights.weight(of: event.type) * (event.weight ?? 1)
            recordTransitions(user: user, item: item, into: &changes)
            let pair = interactions.record(user: user, item: item, weight: weight)
            popularity.record(item: item)
            statistics.events += 1
            changes.users.insert(user)
            changes.pairs.insert(ModelChanges.Pair(user: user, item: item))
            pendingItems.insert(item)
            if sgd.learningRate > 0 {
                let c = configuration.confidence.confidence(weight: pair.weight, eventsSince: 0)
                if sgdStep(sgd, user: user, item: item, confidence: c, scratch: &scratch) {
                    changes.items.insert(item)
                } else {
                    statistics.sgdRejected += 1
                }
            }
        }
        foldItemChanges()
        projectUsers(changes.users.sorted(), keptTermsSince: batchClock)
        foldUserChanges()
        batchesSinceItemProjection += 1
        let touchedItems = Set(changes.pairs.map(\.item)).sorted()
        if configuration.itemProjectionInterval > 0 && batchesSinceItemProjection >= configuration.itemProjectionInterval {
            let rows = pendingItems.sorted()
            projectItems(rows)
            changes.items.formUnion(rows)
            pendingItems.removeAll()
            batchesSinceItemProjection = 0
        } else if configuration.coldItemProjection {
            // Items not yet warm: a projection from their few users (pulled
            // toward their centroid) is worth more than SGD steps on them.
            let cold = touchedItems.filter { !warm[Int($0)] }
            projectItems(cold)
            changes.items.formUnion(cold)
        }
        foldItemChanges()
        for item in touchedItems { promoteIfWarm(item) }
        eventsSinceSweep += events.count
        if configuration.sweepInterval > 0 && eventsSinceSweep >= max(configuration.sweepInterval, users.count + items.count)
            && sweep == nil
        {
            sweep = SweepProgress()
        }
        if sweep != nil {
            (changes.sweptUsers, changes.sweptItems) = continueSweep(rowBudget: configuration.sweepSliceRows)
        }
        popularity.refreshLogCounts()
        return changes
    }

    /// One full WALS sweep, now and whole: every user, then every item with
    /// interactions (fresh items take their current centroid vector);
    /// Gramians recomputed exactly and centroids rebuilt from the warm items,
    /// dropping any drift. A sweep in progress is finished.
    public mutating func fullSweep() {
        if sweep == nil { sweep = SweepProgress() }
        _ = continueSweep(rowBudget: .max)
    }

    /// Projects the next `rowBudget` rows of the sweep in progress (users
    /// first, then items), folding each slice into the Gramians; the sweep
    /// ends with exact Gramians and rebuilt centroids. Returns the rows projected.
    mutating func continueSweep(rowBudget: Int) -> (users: Range<Int32>, items: Range<Int32>) {
        guard var progress = sweep else { return (0..<0, 0..<0) }
        var budget = rowBudget
        var userRows = progress.nextUser..<progress.nextUser
        var itemRows = progress.nextItem..<progress.nextItem
        if Int(progress.nextUser) < users.count {
            let end = Int32(min(users.count, Int(progress.nextUser) + min(budget, users.count)))
            userRows = progress.nextUser..<end
            projectUsers(Array(userRows))
            budget -= userRows.count
            progress.nextUser = end
            if Int(end) == users.count {
                // Recomputed exactly: folding the changes first would be wasted.
                unfoldedUsers.removeAll()
                userGramian = Gramian(exactOf: userFactors)
            } else {
                foldUserChanges()
            }
        }
        if Int(progress.nextUser) >= users.count && budget > 0 && Int(progress.nextItem) < items.count {
            let end = Int32(min(items.count, Int(progress.nextItem) + min(budget, items.count)))
            itemRows = progress.nextItem..<end
            // The Gramian and the centroids are recomputed exactly when the
            // sweep ends: its last slice does not track the old vectors.
            let endsSweep = Int(end) == items.count
            projectItems(itemRows.filter { interactionUsers(ofItem: $0) > 0 }, trackChanges: !endsSweep)
            if configuration.freshItemCentroids {
                let fresh = itemRows.filter { interactionUsers(ofItem: $0) == 0 }
                for (row, centroid) in zip(fresh, centroidVectors(of: fresh)) {
                    guard let centroid else { continue }
                    if !endsSweep { unfoldedItems.willChange(row, in: itemFactors) }
                    itemFactors.set(Int(row), to: centroid)
                }
            }
            progress.nextItem = end
            if endsSweep {
                // Changes not folded yet are covered by the recompute too.
                userGrams.itemsChanged(Array(itemRows) + unfoldedItems.take().rows)
            } else {
                foldItemChanges()
            }
        }
        if Int(progress.nextUser) >= users.count && Int(progress.nextItem) >= items.count {
            itemGramian = Gramian(exactOf: itemFactors)
            rebuildCentroids()
            pendingItems.removeAll()
            eventsSinceSweep = 0
            statistics.sweeps += 1
            sweep = nil
        } else {
            sweep = progress
        }
        return (userRows, itemRows)
    }

    var solverMethod: WALSSolver.Method {
        configuration.conjugateGradientSteps > 0 ? .conjugateGradient(iterations: configuration.conjugateGradientSteps) : .cholesky
    }

    /// Exact projections of `rows` against the current item vectors (`G_V`
    /// must be folded). With `keptTermsSince` (`UserGramCache.clock` when
    /// the batch began), users with long histories are solved from their
    /// kept terms (`UserGram`); a sweep, which moves every item right
    /// after, does without.
    mutating func projectUsers(_ rows: [Int32], trackChanges: Bool = true, keptTermsSince batchClock: UInt64? = nil) {
        guard !rows.isEmpty else { return }
        var solver = WALSSolver(
            gramian: itemGramian, unobservedWeight: configuration.unobservedWeight, regularization: configuration.regularization)
        solver.method = solverMethod
        if trackChanges {
            for row in rows { unfoldedUsers.willChange(row, in: userFactors) }
        }
        var plain = rows
        if let batchClock, userGrams.isEnabled, solver.method == .cholesky {
            plain = projectFromUserGrams(rows, solver: solver, batchClock: batchClock)
        }
        guard !plain.isEmpty else { return }
        statistics.projectionFailures += solver.solve(
            training.userBatch(plain, interactions: interactions), factors: itemFactors, into: &userFactors)
    }

    /// Exact projections of `rows` against the current user vectors (`G_U`
    /// must be folded); items not yet warm are pulled toward their centroid vector.
    mutating func projectItems(_ rows: [Int32], trackChanges: Bool = true) {
        guard !rows.isEmpty else { return }
        let priors = configuration.freshItemCentroids ? centroidVectors(of: rows, where: { !warm[Int($0)] }) : nil
        let batch = training.itemBatch(rows, interactions: interactions, priors: priors)
        var solver = WALSSolver(
            gramian: userGramian, unobservedWeight: configuration.unobservedWeight,
            regularization: configuration.regularization, priorWeight: configuration.freshItemPriorWeight)
        solver.method = solverMethod
        if trackChanges {
            for row in rows { unfoldedItems.willChange(row, in: itemFactors) }
        }
        statistics.projectionFailures += solver.solve(batch, factors: userFactors, into: &itemFactors)
    }

    /// SGD with gravity on one observed pair; false when refused (non-finite).
    private mutating func sgdStep(_ sgd: GravitySGD, user: Int32, item: Int32, confidence: Float, scratch: inout [Float]) -> Bool {
        let d = configuration.dimension
        unfoldedUsers.willChange(user, in: userFactors)
        unfoldedItems.willChange(item, in: itemFactors)
        let curvature = self.curvature
        return scratch.withUnsafeMutableBufferPointer { scratch in
            userFactors.withUnsafeMutableValues { userValues in
                itemFactors.withUnsafeMutableValues { itemValues in
                    sgd.step(
                        user: userValues + Int(user) * d, item: itemValues + Int(item) * d, confidence: confidence,
                        userGramian: curvature.userGramian, itemGramian: curvature.itemGramian,
                        lambdaMaxUser: curvature.userLambdaMax, lambdaMaxItem: curvature.itemLambdaMax,
                        dimension: d, scratch: scratch.baseAddress!)
                }
            }
        }
    }

    mutating func rebuildCentroids() {
        centroids = ColdStartCentroids(dimension: configuration.dimension)
        for row in 0..<items.count where warm[row] {
            centroids.add(itemFactors.vector(row), categories: profiles[row].categories, uploader: profiles[row].uploader)
        }
    }
}
