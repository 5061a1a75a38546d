import CKernels

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
                gram.sums.withUnsafeBufferPointer { sums in
                    base.withUnsafeBufferPointer { base in
                        recstream_user_gram_system(matrix, rhs, base.baseAddress, terms.baseAddress, sums.baseAddress, d)
                    }
                }
            }
            return Self.factorAndSolve(matrix: matrix, rhs: rhs, dimension: d, output: output)
        }
    }
}
