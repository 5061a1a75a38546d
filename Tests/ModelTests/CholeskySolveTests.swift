import Testing

@testable import RecstreamModel

@Suite("Small Cholesky solve (CKernels)")
struct CholeskySolveTests {
    /// Sizes below, at and between the kernel's 8-row blocks and 16-column
    /// vectors, and the default dimension.
    @Test(arguments: [1, 5, 8, 13, 16, 31, 64, 70])
    func solvesLikeGaussianEliminationInDouble(dimension d: Int) {
        var random = SplitMix64(seed: UInt64(d))
        // A = B^T B + I: symmetric positive definite, moderately conditioned.
        let b = (0..<d * d).map { _ in random.gaussian() }
        var a = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for i in 0..<d {
            for j in 0..<d {
                for k in 0..<d { a[i][j] += Double(b[k * d + i]) * Double(b[k * d + j]) }
            }
            a[i][i] += 1
        }
        let rhs = (0..<d).map { _ in random.gaussian() }
        // The kernel reads the upper triangle only: the lower one holds NaN.
        var matrix = [Float](repeating: .nan, count: d * d)
        for i in 0..<d { for j in i..<d { matrix[i * d + j] = Float(a[i][j]) } }
        var values = rhs
        var output = [Float](repeating: 0, count: d)
        let solved = WALSSolver.factorAndSolve(matrix: &matrix, rhs: &values, dimension: d, output: &output)
        #expect(solved)
        let expected = Reference.solve(a, rhs.map(Double.init))
        #expect(Reference.relativeError(output, expected) < 1e-4, "d = \(d)")
    }

    @Test func refusesAMatrixThatIsNotPositiveDefinite() {
        let d = 12
        // Symmetric with a negative eigenvalue: identity with one -1 on the diagonal.
        var matrix = [Float](repeating: 0, count: d * d)
        for i in 0..<d { matrix[i * d + i] = i == 9 ? -1 : 1 }
        var values = [Float](repeating: 1, count: d)
        var output = [Float](repeating: 42, count: d)
        #expect(!WALSSolver.factorAndSolve(matrix: &matrix, rhs: &values, dimension: d, output: &output))
        #expect(output.allSatisfy { $0 == 42 }, "output untouched")
    }
}
