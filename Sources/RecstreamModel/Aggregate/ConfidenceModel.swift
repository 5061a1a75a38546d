import Foundation

/// Confidence of an observed (user, item) pair:
/// `c = 1 + alpha * w * (1 + recencyBoost * exp(-k / recencyHorizon))`,
/// where `w` is the accumulated event weight and `k` the number of the
/// user's events after the pair's last one. Recency by event order, not
/// clock time (see EVAL.md: order helped, clock time hurt).
public struct ConfidenceModel: Sendable, Equatable, Codable {
    public var alpha: Float
    /// Extra weight of the most recent interactions; 0 turns recency off.
    public var recencyBoost: Float
    /// Number of later events over which the boost decays by a factor e.
    public var recencyHorizon: Float

    public init(alpha: Float = 1, recencyBoost: Float = 0, recencyHorizon: Float = 10) {
        self.alpha = alpha
        self.recencyBoost = recencyBoost
        self.recencyHorizon = recencyHorizon
    }

    public func confidence(weight: Float, eventsSince: Int64) -> Float {
        var boost: Float = 1
        if recencyCounts(eventsSince: eventsSince) {
            boost += recencyBoost * Float(exp(-Double(eventsSince) / Double(recencyHorizon)))
        }
        return 1 + alpha * weight * boost
    }

    /// Whether the recency term of a pair with `eventsSince` later events can
    /// still change its confidence. Beyond, `recencyBoost e^(-k / horizon)` is
    /// below 2^-25 (`recencyBoost` is below 2 to the power of its binary
    /// exponent + 1), and 1 plus it rounds to exactly 1 in single precision:
    /// leaving it out changes no result.
    public func recencyCounts(eventsSince: Int64) -> Bool {
        recencyBoost != 0 && Double(eventsSince) / Double(recencyHorizon) < 17.33 + Double(recencyBoost.exponent + 1) * 0.6932
    }
}
