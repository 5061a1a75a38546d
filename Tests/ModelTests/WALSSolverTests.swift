import Testing

@testable import RecstreamModel

@Suite("WALS projection")
struct WALSSolverTests {
    let d = 16
    let w0: Float = 0.7
    let lambda: Float = 0.05
    let mu: Float = 0.8

    /// Builds the normal equations naively in double precision and solves them.
    func referenceProjection(items: EmbeddingTable, neighbours: [Int32], confidences: [Float], prior: [Float]?, w0: Float? = nil)
        -> [Double]
    {
        let w0 = w0 ?? self.w0
        var a = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        var b = [Double](repeating: 0, count: d)
        for row in 0..<items.count {
            let v = items.vector(row)
            for i in 0..<d { for j in 0..<d { a[i][j] += Double(w0) * Double(v[i]) * Double(v[j]) } }
        }
        for (row, c) in zip(neighbours, confidences) {
            let v = items.vector(Int(row))
            for i in 0..<d {
                b[i] += Double(c) * Double(v[i])
                for j in 0..<d { a[i][j] += Double(c - w0) * Double(v[i]) * Double(v[j]) }
            }
        }
        for i in 0..<d {
            a[i][i] += Double(lambda)
            if let prior {
                a[i][i] += Double(mu)
                b[i] += Double(mu) * Double(prior[i])
            }
        }
        return Reference.solve(a, b)
    }

    @Test(arguments: [0, 1, 60])
    func matchesNaiveNormalEquations(interactionCount: Int) throws {
        var random = SplitMix64(seed: UInt64(100 + interactionCount))
        let items = random.table(rows: 120, dimension: d, scale: 0.3)
        let solver = WALSSolver(gramian: Gramian(exactOf: items), unobservedWeight: w0, regularization: lambda, priorWeight: mu)
        let neighbours = (0..<interactionCount).map { _ in Int32.random(in: 0..<120, using: &random) }
        let confidences = neighbours.map { _ in Float.random(in: 1...5, using: &random) }
        // Uses the batch API (parallel path) for two targets with the same inputs, one with a prior.
        let prior = (0..<d).map { _ in random.gaussian() * 0.2 }
        var batch = ProjectionBatch()
        batch.append(target: 0, neighbours: neighbours, confidences: confidences)
        batch.append(target: 1, neighbours: neighbours, confidences: confidences, prior: prior)
        var output = EmbeddingTable(dimension: d)
        output.appendZero()
        output.appendZero()
        #expect(solver.solve(batch, factors: items, into: &output) == 0)

        let expected = referenceProjection(items: items, neighbours: neighbours, confidences: confidences, prior: nil)
        let expectedWithPrior = referenceProjection(items: items, neighbours: neighbours, confidences: confidences, prior: prior)
        #expect(Reference.relativeError(output.vector(0), expected) < 1e-4)
        #expect(Reference.relativeError(output.vector(1), expectedWithPrior) < 1e-4)
        if interactionCount == 0 {
            #expect(output.vector(0).allSatisfy { $0 == 0 }, "no history and no prior: the zero vector")
        }
    }

    /// With w0 > 1 some confidences fall below it: `A` gains terms with
    /// negative weights, which the symmetric ssyrk form cannot express, and
    /// the general product must give the same exact projection.
    @Test func confidencesBelowTheUnobservedWeightAreSolvedExactly() throws {
        var random = SplitMix64(seed: 9)
        let items = random.table(rows: 120, dimension: d, scale: 0.3)
        let heavyW0: Float = 2.5
        let solver = WALSSolver(gramian: Gramian(exactOf: items), unobservedWeight: heavyW0, regularization: lambda)
        let neighbours = (0..<60).map { _ in Int32.random(in: 0..<120, using: &random) }
        let confidences = neighbours.map { _ in Float.random(in: 1...5, using: &random) }
        #expect(confidences.contains { $0 < heavyW0 } && confidences.contains { $0 > heavyW0 })
        var batch = ProjectionBatch()
        batch.append(target: 0, neighbours: neighbours, confidences: confidences)
        var output = EmbeddingTable(dimension: d)
        output.appendZero()
        #expect(solver.solve(batch, factors: items, into: &output) == 0)
        let expected = referenceProjection(items: items, neighbours: neighbours, confidences: confidences, prior: nil, w0: heavyW0)
        #expect(Reference.relativeError(output.vector(0), expected) < 1e-4)
    }

    /// A batch with enough short histories takes the Woodbury path (shared
    /// inverse, small system per target); each result must still equal the
    /// naive normal equations, short and long histories, with and without prior.
    @Test func shortHistoriesInALargeBatchMatchNaiveNormalEquations() throws {
        var random = SplitMix64(seed: 7)
        let items = random.table(rows: 200, dimension: d, scale: 0.3)
        let solver = WALSSolver(gramian: Gramian(exactOf: items), unobservedWeight: w0, regularization: lambda, priorWeight: mu)
        let lengths = (0..<40).map { $0 % 10 == 9 ? 40 : $0 % (solver.woodburyCutoff + 1) }
        #expect(lengths.filter { $0 <= solver.woodburyCutoff }.count >= WALSSolver.woodburyMinimumBatch, "the Woodbury path is taken")
        var batch = ProjectionBatch()
        var inputs: [(neighbours: [Int32], confidences: [Float], prior: [Float]?)] = []
        var output = EmbeddingTable(dimension: d)
        for (target, length) in lengths.enumerated() {
            let neighbours = (0..<length).map { _ in Int32.random(in: 0..<200, using: &random) }
            let confidences = neighbours.map { _ in Float.random(in: 1...30, using: &random) }
            let prior: [Float]? = target % 3 == 0 ? (0..<d).map { _ in random.gaussian() * 0.2 } : nil
            batch.append(target: Int32(target), neighbours: neighbours, confidences: confidences, prior: prior)
            inputs.append((neighbours, confidences, prior))
            output.appendZero()
        }
        #expect(solver.solve(batch, factors: items, into: &output) == 0)
        for (target, input) in inputs.enumerated() {
            let expected = referenceProjection(
                items: items, neighbours: input.neighbours, confidences: input.confidences, prior: input.prior)
            let error = Reference.relativeError(output.vector(target), expected)
            #expect(error < 1e-4, "target \(target) with \(input.neighbours.count) neighbours: relative error \(error)")
        }
    }

    @Test func singularSystemIsRejectedAndLeavesTheRowUnchanged() {
        let items = EmbeddingTable(dimension: 4)
        let solver = WALSSolver(gramian: Gramian(exactOf: items), unobservedWeight: 1, regularization: 0)
        var batch = ProjectionBatch()
        batch.append(target: 0, neighbours: [], confidences: [])
        var output = EmbeddingTable(dimension: 4)
        output.append([1, 2, 3, 4])
        #expect(solver.solve(batch, factors: items, into: &output) == 1)
        #expect(output.vector(0) == [1, 2, 3, 4])
    }

    @Test func conjugateGradientConvergesToTheExactProjection() {
        var random = SplitMix64(seed: 77)
        let items = random.table(rows: 200, dimension: d, scale: 0.3)
        var solver = WALSSolver(gramian: Gramian(exactOf: items), unobservedWeight: w0, regularization: lambda, priorWeight: mu)
        let neighbours = (0..<40).map { _ in Int32.random(in: 0..<200, using: &random) }
        let confidences = neighbours.map { _ in Float.random(in: 1...5, using: &random) }
        let prior = (0..<d).map { _ in random.gaussian() * 0.2 }
        var batch = ProjectionBatch()
        batch.append(target: 0, neighbours: neighbours, confidences: confidences, prior: prior)
        let expected = referenceProjection(items: items, neighbours: neighbours, confidences: confidences, prior: prior)
        // From a random start (the entity's old vector), 3 steps get close and 3 d steps converge.
        var start = EmbeddingTable(dimension: d)
        start.append((0..<d).map { _ in random.gaussian() })
        var errors: [Double] = []
        for steps in [3, 3 * d] {
            solver.method = .conjugateGradient(iterations: steps)
            var output = start
            #expect(solver.solve(batch, factors: items, into: &output) == 0)
            errors.append(Reference.relativeError(output.vector(0), expected))
        }
        #expect(errors[1] < 1e-4, "converged error \(errors[1])")
        #expect(errors[0] > errors[1], "three steps are an approximation: \(errors)")
    }
}
