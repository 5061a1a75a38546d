import CBLAS

/// Buffers of one worker's conjugate-gradient solves.
public struct ConjugateGradientWorkspace {
    var gathered: [Float] = []
    var excess: [Float] = []
    var projected: [Float] = []
    var vectors: [Float] = []

    public init() {}
}

extension WALSSolver {
    /// CG on `A x = b` without forming A: `A v = (w0 G + lambda I) v + Y^T ((c - w0) * (Y v)) + mu v`,
    /// started from the vector already in `output`.
    func solveByConjugateGradient(
        neighbours: UnsafeBufferPointer<Int32>, confidences: UnsafeBufferPointer<Float>,
        factors: UnsafePointer<Float>, prior: UnsafePointer<Float>?, iterations: Int,
        workspace: inout ConjugateGradientWorkspace, output: UnsafeMutablePointer<Float>
    ) -> Bool {
        let d = dimension
        let n = neighbours.count
        if workspace.gathered.count < n * d { workspace.gathered = [Float](repeating: 0, count: 2 * n * d) }
        if workspace.excess.count < n {
            workspace.excess = [Float](repeating: 0, count: 2 * n)
            workspace.projected = workspace.excess
        }
        if workspace.vectors.count != 5 * d { workspace.vectors = [Float](repeating: 0, count: 5 * d) }
        let pull = prior != nil ? priorWeight : 0
        return base.withUnsafeBufferPointer { base in
            workspace.gathered.withUnsafeMutableBufferPointer { gathered in
                workspace.excess.withUnsafeMutableBufferPointer { excess in
                    workspace.projected.withUnsafeMutableBufferPointer { projected in
                        workspace.vectors.withUnsafeMutableBufferPointer { vectors in
                            let (x, b, r, p, ap) = (
                                vectors.baseAddress!, vectors.baseAddress! + d, vectors.baseAddress! + 2 * d,
                                vectors.baseAddress! + 3 * d, vectors.baseAddress! + 4 * d
                            )
                            for k in 0..<d {
                                x[k] = output[k]
                                b[k] = pull * (prior?[k] ?? 0)
                            }
                            for j in 0..<n {
                                let source = factors + Int(neighbours[j]) * d
                                let c = confidences[j]
                                excess[j] = c - unobservedWeight
                                for k in 0..<d {
                                    gathered[j * d + k] = source[k]
                                    b[k] += c * source[k]
                                }
                            }
                            /// out = A v
                            func multiply(_ v: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
                                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(d), Int32(d), 1, base.baseAddress, Int32(d), v, 1, 0, out, 1)
                                if pull > 0 { for k in 0..<d { out[k] += pull * v[k] } }
                                guard n > 0 else { return }
                                cblas_sgemv(
                                    CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, gathered.baseAddress, Int32(d), v, 1, 0,
                                    projected.baseAddress, 1)
                                for j in 0..<n { projected[j] *= excess[j] }
                                cblas_sgemv(
                                    CblasRowMajor, CblasTrans, Int32(n), Int32(d), 1, gathered.baseAddress, Int32(d), projected.baseAddress,
                                    1, 1, out, 1)
                            }
                            multiply(x, into: ap)
                            for k in 0..<d {
                                r[k] = b[k] - ap[k]
                                p[k] = r[k]
                            }
                            var residual = cblas_sdot(Int32(d), r, 1, r, 1)
                            let target = 1e-10 * cblas_sdot(Int32(d), b, 1, b, 1)
                            for _ in 0..<iterations where residual > target {
                                multiply(p, into: ap)
                                let curvature = cblas_sdot(Int32(d), p, 1, ap, 1)
                                guard curvature > 0 else { return false }
                                let step = residual / curvature
                                for k in 0..<d {
                                    x[k] += step * p[k]
                                    r[k] -= step * ap[k]
                                }
                                let next = cblas_sdot(Int32(d), r, 1, r, 1)
                                let beta = next / residual
                                for k in 0..<d { p[k] = r[k] + beta * p[k] }
                                residual = next
                            }
                            for k in 0..<d where !x[k].isFinite { return false }
                            output.update(from: x, count: d)
                            return true
                        }
                    }
                }
            }
        }
    }
}
