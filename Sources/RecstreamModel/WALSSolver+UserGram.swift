extension WALSSolver {
    /// Solves for a user from its kept terms, `(w0 G + lambda I + P + R) x = p + q`
    /// (see `UserGram`), in double precision, and writes `x` to `output`.
    /// False, leaving `output` untouched, when the system is not positive
    /// definite or `x` is not finite.
    func solve(gram: UserGram, output: UnsafeMutablePointer<Float>) -> Bool {
        let d = dimension
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: d * d + d) { scratch in
            let matrix = scratch.baseAddress!
            let rhs = matrix + d * d
            gram.matrices.withUnsafeBufferPointer { terms in
                for i in 0..<d {
                    for j in i..<d { matrix[i * d + j] = base[i * d + j] + Float(terms[i * 2 * d + j] + terms[i * 2 * d + d + j]) }
                }
            }
            for k in 0..<d { rhs[k] = Float(gram.sums[k] + gram.sums[d + k]) }
            guard Self.choleskySolve(upper: matrix, rhs: rhs, dimension: d) else { return false }
            for k in 0..<d where !rhs[k].isFinite { return false }
            output.update(from: rhs, count: d)
            return true
        }
    }

    /// Solves `A x = b` in place (`b` becomes `x`) for a symmetric positive
    /// definite d x d `A` given by its upper triangle (row-major), which the
    /// factor `U` (`A = U^T U`) overwrites; false when `A` is not positive
    /// definite. Every inner loop runs along a row, without a reduction, so it
    /// vectorises: several times faster than LAPACK's `spotrf` at d = 64,
    /// whose blocked algorithm is built for large matrices.
    static func choleskySolve(upper a: UnsafeMutablePointer<Float>, rhs b: UnsafeMutablePointer<Float>, dimension d: Int) -> Bool {
        for j in 0..<d {
            let diagonal = a[j * d + j]
            guard diagonal > 0 else { return false }
            let pivot = diagonal.squareRoot()
            let row = a + j * d
            row[j] = pivot
            for k in (j + 1)..<max(d, j + 1) { row[k] /= pivot }
            // Trailing update: A[i][k] -= U[j][i] U[j][k] for j < i <= k.
            for i in (j + 1)..<max(d, j + 1) {
                let factor = row[i]
                let target = a + i * d
                for k in i..<d { target[k] -= factor * row[k] }
            }
        }
        // U^T z = b, by columns of U^T (rows of U).
        for j in 0..<d {
            b[j] /= a[j * d + j]
            let row = a + j * d
            let value = b[j]
            for k in (j + 1)..<max(d, j + 1) { b[k] -= row[k] * value }
        }
        // U x = z, by columns of U.
        for i in stride(from: d - 1, through: 0, by: -1) {
            b[i] /= a[i * d + i]
            let value = b[i]
            for k in 0..<i { b[k] -= a[k * d + i] * value }
        }
        return true
    }
}
