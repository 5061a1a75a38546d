import Testing

@testable import RecstreamModel

@Suite("SGD with gravity")
struct GravitySGDTests {
    let d = 12
    let w0: Float = 0.8
    let lambda: Float = 0.1

    /// loss_u(u) = c (1 - u.v)^2 + w0 u^T G u + lambda |u|^2, in double precision.
    func loss(_ u: [Double], _ v: [Float], c: Double, g: [Double]) -> Double {
        let score = zip(u, v).reduce(0) { $0 + $1.0 * Double($1.1) }
        var gravity = 0.0
        for i in 0..<d { for j in 0..<d { gravity += u[i] * g[i * d + j] * u[j] } }
        return c * (1 - score) * (1 - score) + Double(w0) * gravity + Double(lambda) * u.reduce(0) { $0 + $1 * $1 }
    }

    @Test func gradientMatchesFiniteDifferences() {
        var random = SplitMix64(seed: 3)
        let items = random.table(rows: 50, dimension: d, scale: 0.4)
        let gramian = Gramian(exactOf: items)
        let g = gramian.floatValues
        let u = (0..<d).map { _ in random.gaussian() * 0.3 }
        let v = items.vector(5)
        let c: Float = 3
        let sgd = GravitySGD(learningRate: 0.5, unobservedWeight: w0, regularization: lambda)
        var gradient = [Float](repeating: 0, count: d)
        sgd.gradient(of: u, partner: v, confidence: c, partnerGramian: g, dimension: d, into: &gradient)
        let h = 1e-4
        for k in 0..<d {
            var plus = u.map(Double.init)
            var minus = plus
            plus[k] += h
            minus[k] -= h
            let numeric = (loss(plus, v, c: Double(c), g: gramian.values) - loss(minus, v, c: Double(c), g: gramian.values)) / (2 * h)
            #expect(abs(Double(gradient[k]) - numeric) <= 1e-3 * max(1, abs(numeric)), "coordinate \(k)")
        }
    }

    @Test func oneSmallStepLowersTheEventLoss() {
        var random = SplitMix64(seed: 4)
        let users = random.table(rows: 40, dimension: d, scale: 0.4)
        let items = random.table(rows: 60, dimension: d, scale: 0.4)
        let userGramian = Gramian(exactOf: users)
        let itemGramian = Gramian(exactOf: items)
        var u = users.vector(1)
        var v = items.vector(2)
        let (oldU, oldV) = (u, v)
        let c: Float = 2
        let sgd = GravitySGD(learningRate: 0.1, unobservedWeight: w0, regularization: lambda)
        var scratch = [Float](repeating: 0, count: 4 * d)
        let accepted = sgd.step(
            user: &u, item: &v, confidence: c, userGramian: userGramian.floatValues, itemGramian: itemGramian.floatValues,
            lambdaMaxUser: Float(userGramian.largestEigenvalue()), lambdaMaxItem: Float(itemGramian.largestEigenvalue()),
            dimension: d, scratch: &scratch)
        #expect(accepted)
        #expect(u != oldU && v != oldV)
        #expect(
            loss(u.map(Double.init), oldV, c: 2, g: itemGramian.values) < loss(oldU.map(Double.init), oldV, c: 2, g: itemGramian.values))
        #expect(
            loss(v.map(Double.init), oldU, c: 2, g: userGramian.values) < loss(oldV.map(Double.init), oldU, c: 2, g: userGramian.values))
    }

    @Test func nonFiniteResultIsRejectedAndVectorsStayUnchanged() {
        var u = [Float](repeating: 1e30, count: d)
        var v = [Float](repeating: 1e30, count: d)
        let identity = (0..<d * d).map { $0 % (d + 1) == 0 ? Float(1) : 0 }
        var scratch = [Float](repeating: 0, count: 4 * d)
        let sgd = GravitySGD(learningRate: 1, unobservedWeight: w0, regularization: lambda)
        let accepted = sgd.step(
            user: &u, item: &v, confidence: 1, userGramian: identity, itemGramian: identity,
            lambdaMaxUser: 1, lambdaMaxItem: 1, dimension: d, scratch: &scratch)
        #expect(!accepted)
        #expect(u.allSatisfy { $0 == 1e30 } && v.allSatisfy { $0 == 1e30 })
    }
}
