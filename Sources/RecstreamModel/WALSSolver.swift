import CBLAS

/// Exact WALS projection (implicit-ALS fold-in) of one entity against fixed
/// factors of the other side:
///
///     x = (w0 G + sum_j (c_j - w0) y_j y_j^T + lambda I)^-1 (sum_j c_j y_j + lambda p)
///
/// where `y_j` are the factors of the entity's observed neighbours with
/// confidences `c_j`, `G` the other side's Gramian, and `p` an optional prior
/// (0 by default: plain ridge shrinkage). Cholesky via LAPACK.
public struct WALSSolver: Sendable {
    public let dimension: Int
    public let unobservedWeight: Float
    public let regularization: Float
    /// `w0 G + lambda I`, d x d, symmetric.
    private let base: [Float]

    public init(gramian: Gramian, unobservedWeight: Float, regularization: Float) {
        dimension = gramian.dimension
        self.unobservedWeight = unobservedWeight
        self.regularization = regularization
        var base = gramian.values.map { Float($0) * unobservedWeight }
        for i in 0..<gramian.dimension { base[i * gramian.dimension + i] += regularization }
        self.base = base
    }

    /// Scratch space for one worker; reuse it across solves.
    public struct Workspace {
        var gathered: [Float] = []
        var weighted: [Float] = []
        var matrix: [Float] = []
        var rhs: [Float] = []

        public init() {}
    }

    /// Solves for one entity and writes its vector to `output`. Returns false
    /// (leaving `output` untouched) when the system is not positive definite
    /// or the solution is not finite.
    public func solve(
        neighbours: UnsafeBufferPointer<Int32>, confidences: UnsafeBufferPointer<Float>,
        factors: UnsafePointer<Float>, prior: UnsafePointer<Float>?,
        workspace: inout Workspace, output: UnsafeMutablePointer<Float>
    ) -> Bool {
        let d = dimension
        let n = neighbours.count
        if workspace.gathered.count < n * d {
            workspace.gathered = [Float](repeating: 0, count: n * d * 2)
            workspace.weighted = workspace.gathered
        }
        workspace.matrix = base
        if workspace.rhs.count != d { workspace.rhs = [Float](repeating: 0, count: d) }

        return workspace.gathered.withUnsafeMutableBufferPointer { gathered in
            workspace.weighted.withUnsafeMutableBufferPointer { weighted in
                workspace.matrix.withUnsafeMutableBufferPointer { matrix in
                    workspace.rhs.withUnsafeMutableBufferPointer { rhs in
                        // Y (n x d, row-major) = the neighbours' factors; W = Y scaled by (c - w0) row-wise.
                        for j in 0..<n {
                            let source = factors + Int(neighbours[j]) * d
                            let scale = confidences[j] - unobservedWeight
                            for k in 0..<d {
                                gathered[j * d + k] = source[k]
                                weighted[j * d + k] = source[k] * scale
                            }
                        }
                        if n > 0 {
                            // A += Y^T W (symmetric: W = diag(c - w0) Y). In column-major terms Y is d x n.
                            cblas_sgemm(
                                CblasColMajor, CblasNoTrans, CblasTrans, Int32(d), Int32(d), Int32(n),
                                1, gathered.baseAddress, Int32(d), weighted.baseAddress, Int32(d), 1, matrix.baseAddress, Int32(d))
                            // b = Y^T c
                            cblas_sgemv(
                                CblasColMajor, CblasNoTrans, Int32(d), Int32(n), 1, gathered.baseAddress, Int32(d),
                                confidences.baseAddress, 1, 0, rhs.baseAddress, 1)
                        } else {
                            for k in 0..<d { rhs[k] = 0 }
                        }
                        if let prior {
                            for k in 0..<d { rhs[k] += regularization * prior[k] }
                        }
                        let info = LAPACKE_sposv_work(
                            LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(d), 1,
                            matrix.baseAddress, Int32(d), rhs.baseAddress, Int32(d))
                        guard info == 0 else { return false }
                        for k in 0..<d where !rhs[k].isFinite { return false }
                        output.update(from: rhs.baseAddress!, count: d)
                        return true
                    }
                }
            }
        }
    }
}
