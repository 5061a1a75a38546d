import CBLAS
import CKernels

/// The exact projection of an entity with a short history through the
/// Woodbury identity. With `A0 = w0 G + (lambda + mu) I` shared by every
/// entity of a batch, `B = A0^-1` computed once, and `S = diag(sqrt(c - w0)) Y`
/// (n x d) for the entity's n neighbours,
///
///     A^-1 b = (A0 + S^T S)^-1 b = z - W^T (I + S W^T)^-1 S z,  z = B b,  W = S B,
///
/// which costs O(n d^2 + n^2 d) instead of the O(d^3) of factoring A: for
/// n well below d it is several times cheaper, and just as exact.
/// `I + S B S^T` has every eigenvalue >= 1, so the small system is well
/// conditioned.
extension WALSSolver {
    /// `A0^-1` without and with the prior term, computed once per batch.
    struct SharedInverse: Sendable {
        let plain: [Float]
        let withPrior: [Float]?

        init?(_ solver: WALSSolver, needsPrior: Bool) {
            guard let plain = Self.inverse(of: solver.base, dimension: solver.dimension, shift: 0) else { return nil }
            self.plain = plain
            if needsPrior && solver.priorWeight > 0 {
                guard let shifted = Self.inverse(of: solver.base, dimension: solver.dimension, shift: solver.priorWeight) else {
                    return nil
                }
                withPrior = shifted
            } else {
                withPrior = nil
            }
        }

        /// `(matrix + shift I)^-1` of a symmetric positive definite matrix, in
        /// double precision, both triangles filled; nil when not definite.
        private static func inverse(of matrix: [Float], dimension d: Int, shift: Float) -> [Float]? {
            var values = matrix.map(Double.init)
            for i in 0..<d { values[i * d + i] += Double(shift) }
            let uplo = Int8(UInt8(ascii: "U"))
            guard LAPACKE_dpotrf(LAPACK_COL_MAJOR, uplo, Int32(d), &values, Int32(d)) == 0,
                LAPACKE_dpotri(LAPACK_COL_MAJOR, uplo, Int32(d), &values, Int32(d)) == 0
            else { return nil }
            // Column-major upper triangle: element (i, j), i <= j, at j * d + i.
            for j in 0..<d { for i in 0..<j { values[i * d + j] = values[j * d + i] } }
            return values.map(Float.init)
        }
    }

    /// Histories up to this length take the Woodbury path. Measured on eval
    /// (median learning time of five A/B pairs, d = 64): d / 2 0.810 s,
    /// d / 3 0.823 s, d 0.849 s; another round, d / 6 0.871 s, d / 3 0.853 s,
    /// d / 2 0.833 s.
    var woodburyCutoff: Int { dimension / 2 }

    /// Solves like `solve(neighbours:...)`; nil when the Woodbury form does
    /// not apply (a confidence below w0 makes `S` imaginary).
    func solveShortHistory(
        neighbours: UnsafeBufferPointer<Int32>, confidences: UnsafeBufferPointer<Float>,
        factors: UnsafePointer<Float>, prior: UnsafePointer<Float>?, inverse: UnsafePointer<Float>,
        workspace: inout Workspace, output: UnsafeMutablePointer<Float>
    ) -> Bool? {
        let d = dimension
        let n = neighbours.count
        if workspace.gathered.count < n * d {
            workspace.gathered = [Float](repeating: 0, count: n * d * 2)
            workspace.weighted = workspace.gathered
        }
        if workspace.rhs.count != d { workspace.rhs = [Float](repeating: 0, count: d) }
        if workspace.matrix.count < d { workspace.matrix = [Float](repeating: 0, count: d * d) }
        if workspace.small.count < n * n + n { workspace.small = [Double](repeating: 0, count: n * n + n) }

        return workspace.gathered.withUnsafeMutableBufferPointer { projected in
            workspace.weighted.withUnsafeMutableBufferPointer { weighted in
                workspace.rhs.withUnsafeMutableBufferPointer { rhs in
                    workspace.matrix.withUnsafeMutableBufferPointer { z in
                        workspace.small.withUnsafeMutableBufferPointer { small in
                            // b = sum_j c_j y_j (+ mu p); the rows of S.
                            guard
                                recstream_gather_projection(
                                    weighted.baseAddress, rhs.baseAddress, factors, neighbours.baseAddress, confidences.baseAddress,
                                    unobservedWeight, n, d) == 1
                            else { return nil }
                            if let prior, priorWeight > 0 {
                                for k in 0..<d { rhs[k] += priorWeight * prior[k] }
                            }
                            // z = B b; W^T = B S^T (column-major d x n, the rows of W).
                            cblas_sgemv(
                                CblasColMajor, CblasNoTrans, Int32(d), Int32(d), 1, inverse, Int32(d), rhs.baseAddress, 1, 0, z.baseAddress,
                                1)
                            if n > 0 {
                                cblas_sgemm(
                                    CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(d), Int32(n), Int32(d),
                                    1, inverse, Int32(d), weighted.baseAddress, Int32(d), 0, projected.baseAddress, Int32(d))
                            }
                            // K = I + S W^T (n x n) and t = S z by one sgemm and one sgemv (K's
                            // eigenvalues are >= 1: single precision suffices), then K u = t by
                            // Cholesky in double.
                            let t = small.baseAddress! + n * n
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: n * n + n) { product in
                                let k = product.baseAddress!
                                cblas_sgemm(
                                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(d),
                                    1, weighted.baseAddress, Int32(d), projected.baseAddress, Int32(d), 0, k, Int32(n))
                                cblas_sgemv(
                                    CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, weighted.baseAddress, Int32(d), z.baseAddress, 1, 0,
                                    k + n * n, 1)
                                for i in 0..<n {
                                    t[i] = Double(k[n * n + i])
                                    for j in 0...i { small[i * n + j] = Double(k[i * n + j]) + (i == j ? 1 : 0) }
                                }
                            }
                            guard Self.choleskySolve(small.baseAddress!, n: n, rhs: t) else { return false }
                            // x = z - W^T u.
                            for j in 0..<n {
                                let column = projected.baseAddress! + j * d
                                let u = Float(t[j])
                                for k in 0..<d { z[k] -= u * column[k] }
                            }
                            for k in 0..<d where !z[k].isFinite { return false }
                            output.update(from: z.baseAddress!, count: d)
                            return true
                        }
                    }
                }
            }
        }
    }

    /// Solves `K u = t` in place (`t` becomes `u`) for a symmetric positive
    /// definite n x n `K` given by its lower triangle (row-major); false when
    /// `K` is not positive definite. Written out rather than LAPACK's
    /// `dposv`: for these n <= d / 3 systems the call cost more than the
    /// solve (`model_only_events_per_s` 135-167k with `dposv`, 177-179k
    /// with this, same machine, back to back).
    private static func choleskySolve(_ k: UnsafeMutablePointer<Double>, n: Int, rhs t: UnsafeMutablePointer<Double>) -> Bool {
        // K = L L^T, L overwriting the lower triangle.
        for j in 0..<n {
            var diagonal = k[j * n + j]
            for p in 0..<j { diagonal -= k[j * n + p] * k[j * n + p] }
            guard diagonal > 0 else { return false }
            let pivot = diagonal.squareRoot()
            k[j * n + j] = pivot
            for i in (j + 1)..<max(n, j + 1) {
                var value = k[i * n + j]
                for p in 0..<j { value -= k[i * n + p] * k[j * n + p] }
                k[i * n + j] = value / pivot
            }
        }
        for i in 0..<n {
            var value = t[i]
            for p in 0..<i { value -= k[i * n + p] * t[p] }
            t[i] = value / k[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var value = t[i]
            for p in (i + 1)..<max(n, i + 1) { value -= k[p * n + i] * t[p] }
            t[i] = value / k[i * n + i]
        }
        return true
    }
}
