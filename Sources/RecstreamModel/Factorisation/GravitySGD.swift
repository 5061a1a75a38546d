import CBLAS

/// One SGD step with gravity on an observed (user, item) pair. Per event,
/// with s = <u, v>:
///
///     loss_u(u) = c (1 - s)^2 + w0 u^T G_V u + lambda |u|^2
///     grad_u    = -2 c (1 - s) v + 2 w0 G_V u + 2 lambda u     (and symmetrically for v)
///
/// The gravity term `w0 G u` pulls toward 0 on every unobserved pair at once,
/// without negative sampling. A fixed step diverges once it exceeds the
/// inverse curvature, so each step is `learningRate / curvature` with
/// `curvature = 2 (c |v|^2 + w0 lambdaMax(G_V) + lambda)`, an upper bound of
/// the loss's largest Hessian eigenvalue: any learningRate in (0, 1] descends.
public struct GravitySGD: Sendable {
    public var learningRate: Float
    public var unobservedWeight: Float
    public var regularization: Float

    public init(learningRate: Float, unobservedWeight: Float, regularization: Float) {
        self.learningRate = learningRate
        self.unobservedWeight = unobservedWeight
        self.regularization = regularization
    }

    /// The gradient of `loss_u` at `u` (pass the item side's Gramian), written to `gradient`.
    public func gradient(
        of u: UnsafePointer<Float>, partner v: UnsafePointer<Float>, confidence c: Float,
        partnerGramian g: UnsafePointer<Float>, dimension d: Int, into gradient: UnsafeMutablePointer<Float>
    ) {
        let score = cblas_sdot(Int32(d), u, 1, v, 1)
        let observed = -2 * c * (1 - score)
        // gradient = 2 w0 G u, then + observed v + 2 lambda u.
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(d), Int32(d), 2 * unobservedWeight, g, Int32(d), u, 1, 0, gradient, 1)
        for i in 0..<d { gradient[i] += observed * v[i] + 2 * regularization * u[i] }
    }

    /// Updates `u` and `v` in place from their old values. Returns false and
    /// leaves both unchanged when a result is not finite.
    ///
    /// - Parameters:
    ///   - userGramian, itemGramian: `G_U`, `G_V` in single precision, row-major.
    ///   - lambdaMaxUser, lambdaMaxItem: their largest eigenvalues.
    ///   - scratch: at least `4 d` floats.
    public func step(
        user u: UnsafeMutablePointer<Float>, item v: UnsafeMutablePointer<Float>, confidence c: Float,
        userGramian: UnsafePointer<Float>, itemGramian: UnsafePointer<Float>,
        lambdaMaxUser: Float, lambdaMaxItem: Float, dimension d: Int, scratch: UnsafeMutablePointer<Float>
    ) -> Bool {
        let gradientU = scratch
        let gradientV = scratch + d
        let newU = scratch + 2 * d
        let newV = scratch + 3 * d
        gradient(of: u, partner: v, confidence: c, partnerGramian: itemGramian, dimension: d, into: gradientU)
        gradient(of: v, partner: u, confidence: c, partnerGramian: userGramian, dimension: d, into: gradientV)
        var normU: Float = 0
        var normV: Float = 0
        for k in 0..<d {
            normU += u[k] * u[k]
            normV += v[k] * v[k]
        }
        let stepU = learningRate / (2 * (c * normV + unobservedWeight * lambdaMaxItem + regularization))
        let stepV = learningRate / (2 * (c * normU + unobservedWeight * lambdaMaxUser + regularization))
        var finite = true
        for k in 0..<d {
            newU[k] = u[k] - stepU * gradientU[k]
            newV[k] = v[k] - stepV * gradientV[k]
            finite = finite && newU[k].isFinite && newV[k].isFinite
        }
        guard finite else { return false }
        u.update(from: newU, count: d)
        v.update(from: newV, count: d)
        return true
    }
}
