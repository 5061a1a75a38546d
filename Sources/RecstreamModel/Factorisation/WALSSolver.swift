import CBLAS
import CKernels

/// Exact WALS projection (implicit-ALS fold-in) of one entity against fixed
/// factors of the other side:
///
///     x = (w0 G + sum_j (c_j - w0) y_j y_j^T + (lambda + mu) I)^-1 (sum_j c_j y_j + mu p)
///
/// where `y_j` are the factors of the entity's observed neighbours with
/// confidences `c_j`, `G` the other side's Gramian, and `p` an optional prior
/// pulling with strength `mu` (the minimiser of the entity's loss plus
/// `mu |x - p|^2`; without a prior, mu = 0). Cholesky (`CKernels`), or
/// conjugate gradient warm-started from the entity's current vector.
public struct WALSSolver: Sendable {
    /// How the d x d system is solved.
    public enum Method: Sendable, Equatable {
        /// Form the matrix and factor it: exact, O(n d^2 + d^3).
        case cholesky
        /// At most `iterations` CG steps from the current vector, stopping
        /// early at a relative residual of 1e-5: O(iterations (n d + d^2)),
        /// exact in the limit (implicit uses 3 steps).
        case conjugateGradient(iterations: Int)
    }

    public let dimension: Int
    public var method = Method.cholesky
    public let unobservedWeight: Float
    public let regularization: Float
    /// mu: pull toward a prior, for the entities that have one.
    public let priorWeight: Float
    /// `w0 G + lambda I`, d x d, symmetric.
    let base: [Float]

    public init(gramian: Gramian, unobservedWeight: Float, regularization: Float, priorWeight: Float = 0) {
        dimension = gramian.dimension
        self.unobservedWeight = unobservedWeight
        self.regularization = regularization
        self.priorWeight = priorWeight
        let d = gramian.dimension
        base = gramian.values.withUnsafeBufferPointer { values in
            [Float](unsafeUninitializedCapacity: d * d) { base, count in
                for index in 0..<d * d { base[index] = Float(values[index]) * unobservedWeight }
                for i in 0..<d { base[i * d + i] += regularization }
                count = d * d
            }
        }
    }

    /// Scratch space for one worker; reuse it across solves.
    public struct Workspace {
        var gathered: [Float] = []
        var weighted: [Float] = []
        var matrix: [Float] = []
        var rhs: [Float] = []
        /// The small Woodbury system of a short history.
        var small: [Double] = []
        var conjugateGradient = ConjugateGradientWorkspace()

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
        if case .conjugateGradient(let iterations) = method {
            return solveByConjugateGradient(
                neighbours: neighbours, confidences: confidences, factors: factors, prior: prior,
                iterations: iterations, workspace: &workspace.conjugateGradient, output: output)
        }
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
                        // b = sum_j c_j y_j; A += Y^T diag(c - w0) Y. When every c_j >= w0
                        // (always, for w0 <= 1), A += S^T S with S = diag(sqrt(c - w0)) Y
                        // by ssyrk: half the flops of the general product.
                        let symmetric =
                            recstream_gather_projection(
                                weighted.baseAddress, rhs.baseAddress, factors, neighbours.baseAddress, confidences.baseAddress,
                                unobservedWeight, n, d) == 1
                        if n > 0 && symmetric {
                            // Column-major: S^T is d x n with leading dimension d; A (lower,
                            // which is the upper triangle row-major) += S^T S.
                            cblas_ssyrk(
                                CblasColMajor, CblasLower, CblasNoTrans, Int32(d), Int32(n),
                                1, weighted.baseAddress, Int32(d), 1, matrix.baseAddress, Int32(d))
                        } else if n > 0 {
                            for k in 0..<d { rhs[k] = 0 }
                            for j in 0..<n {
                                let source = factors + Int(neighbours[j]) * d
                                let c = confidences[j]
                                for k in 0..<d {
                                    rhs[k] += c * source[k]
                                    gathered[j * d + k] = source[k]
                                    weighted[j * d + k] = (c - unobservedWeight) * source[k]
                                }
                            }
                            // A += Y^T W with W = diag(c - w0) Y (column-major: Y is d x n).
                            cblas_sgemm(
                                CblasColMajor, CblasNoTrans, CblasTrans, Int32(d), Int32(d), Int32(n),
                                1, gathered.baseAddress, Int32(d), weighted.baseAddress, Int32(d), 1, matrix.baseAddress, Int32(d))
                        }
                        if let prior, priorWeight > 0 {
                            for k in 0..<d {
                                rhs[k] += priorWeight * prior[k]
                                matrix[k * d + k] += priorWeight
                            }
                        }
                        return Self.factorAndSolve(matrix: matrix.baseAddress!, rhs: rhs.baseAddress!, dimension: d, output: output)
                    }
                }
            }
        }
    }

    /// Solves `A x = b` for a symmetric positive definite d x d `A` (its
    /// upper triangle, row-major, is overwritten by the factor; `b` by `x`)
    /// and writes `x` to `output`. False, leaving `output` untouched, when
    /// `A` is not positive definite or `x` is not finite.
    static func factorAndSolve(
        matrix: UnsafeMutablePointer<Float>, rhs: UnsafeMutablePointer<Float>, dimension d: Int, output: UnsafeMutablePointer<Float>
    ) -> Bool {
        guard recstream_cholesky_solve(matrix, rhs, d) == 1 else { return false }
        for k in 0..<d where !rhs[k].isFinite { return false }
        output.update(from: rhs, count: d)
        return true
    }
}
