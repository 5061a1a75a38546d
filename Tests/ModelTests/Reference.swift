import Foundation

@testable import RecstreamModel

/// Independent double-precision computations the model is checked against.
enum Reference {
    /// Solves A x = b by Gaussian elimination with partial pivoting.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        var a = a
        var b = b
        let n = b.count
        for column in 0..<n {
            let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) }!
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in column + 1..<n {
                let factor = a[row][column] / a[column][column]
                for k in column..<n { a[row][k] -= factor * a[column][k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = b[row]
            for k in row + 1..<n { sum -= a[row][k] * x[k] }
            x[row] = sum / a[row][row]
        }
        return x
    }

    /// The user's projection rebuilt from its event history alone: confidences
    /// from summed type weights and recency by order, normal equations in double.
    static func userVector(_ model: RecommenderModel, user: String, history: [Engagement]) -> [Double] {
        let configuration = model.configuration
        let d = configuration.dimension
        let mine = history.filter { $0.user == user }
        var weight: [String: Double] = [:]
        var lastIndex: [String: Int] = [:]
        for (index, event) in mine.enumerated() {
            weight[event.item, default: 0] += Double(configuration.eventWeights.weight(of: event.type))
            lastIndex[event.item] = index
        }
        let w0 = Double(configuration.unobservedWeight)
        var a = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        var b = [Double](repeating: 0, count: d)
        for row in 0..<model.itemFactors.count {
            let v = model.itemFactors.vector(row).map(Double.init)
            for i in 0..<d { for j in 0..<d { a[i][j] += w0 * v[i] * v[j] } }
        }
        for (item, total) in weight {
            let since = Double(mine.count - 1 - lastIndex[item]!)
            let recency = 1 + Double(configuration.confidence.recencyBoost) * exp(-since / Double(configuration.confidence.recencyHorizon))
            let c = 1 + Double(configuration.confidence.alpha) * total * recency
            let v = model.itemFactors.vector(Int(model.items.row(of: item)!)).map(Double.init)
            for i in 0..<d {
                b[i] += c * v[i]
                for j in 0..<d { a[i][j] += (c - w0) * v[i] * v[j] }
            }
        }
        for i in 0..<d { a[i][i] += Double(configuration.regularization) }
        return solve(a, b)
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    static func relativeError(_ actual: [Float], _ expected: [Double]) -> Double {
        let difference = zip(actual, expected).reduce(0) { $0 + (Double($1.0) - $1.1) * (Double($1.0) - $1.1) }
        let norm = expected.reduce(0) { $0 + $1 * $1 }
        return norm == 0 ? difference.squareRoot() : (difference / norm).squareRoot()
    }

    /// The objective summed naively over every (user, item) pair: O(m n d).
    static func objective(users: EmbeddingTable, items: EmbeddingTable, observed: [Int: [Int: Double]], w0: Double, lambda: Double)
        -> Double
    {
        var total = 0.0
        for u in 0..<users.count {
            let userVector = users.vector(u)
            for i in 0..<items.count {
                let score = dot(userVector, items.vector(i))
                if let c = observed[u]?[i] { total += c * (1 - score) * (1 - score) } else { total += w0 * score * score }
            }
        }
        let norms = (users.values + items.values).reduce(0) { $0 + Double($1) * Double($1) }
        return total + lambda * norms
    }
}

extension SplitMix64 {
    mutating func gaussian() -> Float {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }

    mutating func table(rows: Int, dimension: Int, scale: Float) -> EmbeddingTable {
        var table = EmbeddingTable(dimension: dimension)
        for _ in 0..<rows { table.append((0..<dimension).map { _ in scale * gaussian() }) }
        return table
    }
}
