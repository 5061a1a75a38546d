extension WALSSolver {
    /// Solves for a user from its kept terms, `(w0 G + lambda I + P + R) x = p + q`
    /// (see `UserGram`), and writes `x` to `output`.
    /// False, leaving `output` untouched, when the system is not positive
    /// definite or `x` is not finite.
    func solve(gram: UserGram, output: UnsafeMutablePointer<Float>) -> Bool {
        let d = dimension
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: d * d + d) { scratch in
            let matrix = scratch.baseAddress!
            let rhs = matrix + d * d
            gram.matrices.withUnsafeBufferPointer { terms in
                for i in 0..<d {
                    for j in 0..<d { matrix[i * d + j] = base[i * d + j] + Float(terms[i * 2 * d + j] + terms[i * 2 * d + d + j]) }
                }
            }
            for k in 0..<d { rhs[k] = Float(gram.sums[k] + gram.sums[d + k]) }
            return Self.factorAndSolve(matrix: matrix, rhs: rhs, dimension: d, output: output)
        }
    }
}
