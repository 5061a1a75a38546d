import Foundation
import RecstreamIngest

/// What `/healthz` and `/readyz` answer, derived from one health snapshot.
struct HealthStatus {
    let snapshot: PipelineHealth.Snapshot
    let stallSeconds: Int
    var now = Date()

    /// The batch in flight has waited longer than `stallSeconds` to be
    /// committed (PostgreSQL refuses or stays away): retrying is not progress.
    var stuck: Bool { snapshot.commitWaitingSince.map { now.timeIntervalSince($0) > Double(stallSeconds) } ?? false }

    /// Liveness: the pipeline loop polled, committed or retried recently, and
    /// no batch is stuck.
    var live: Bool { now.timeIntervalSince(snapshot.lastProgress) <= Double(stallSeconds) && !stuck }

    /// Why the pipeline is not live, for `/healthz`; nil while it is.
    var stallReason: String? {
        if let since = snapshot.commitWaitingSince, stuck {
            let error = snapshot.postgres.lastError.map { "; last PostgreSQL error: \($0)" } ?? ""
            return "stuck: a batch has waited to be committed since \(timestamp(since))\(error)"
        }
        return live ? nil : "stalled: no progress since \(timestamp(snapshot.lastProgress))"
    }

    var kafkaReady: Bool { !snapshot.assigned.isEmpty && snapshot.kafka.reachable == true }
    var databaseReady: Bool { snapshot.postgres.reachable == true }

    /// Readiness: leading the database, partitions assigned and the broker
    /// reachable, PostgreSQL reachable, the model loaded, and the loop live.
    var ready: Bool { snapshot.role == .leader && live && kafkaReady && databaseReady && snapshot.modelLoaded }

    /// The `/readyz` body: each component's status, last error and times.
    var readinessJSON: String {
        let partitions = snapshot.assigned.sorted().map { "\($0.topic)[\($0.partition)]" }
        var kafka = component(snapshot.kafka, ready: kafkaReady)
        kafka["assigned_partitions"] = partitions
        var pipeline: [String: Any] = [
            "status": stuck ? "stuck" : live ? "ok" : "stalled", "last_progress": timestamp(snapshot.lastProgress),
        ]
        if let since = snapshot.commitWaitingSince { pipeline["commit_waiting_since"] = timestamp(since) }
        // Behind the freshness target: lists still flow, scored approximately.
        pipeline["lists"] = snapshot.listsApproximate ? "approximate" : "exact"
        if let weights = snapshot.blendWeights {
            pipeline["popularity_weight"] = Double(weights.popularity)
            pipeline["transition_weight"] = Double(weights.transitions)
            pipeline["blend_tests"] = snapshot.blendTests
        }
        if let recompute = snapshot.lastFullRecompute {
            pipeline["last_full_topk_seconds"] = recompute.seconds
            pipeline["last_full_topk_finished"] = timestamp(recompute.finishedAt)
        }
        let body: [String: Any] = [
            "status": ready ? "ready" : "not ready",
            "role": snapshot.role.rawValue,
            "kafka": kafka,
            "postgres": component(snapshot.postgres, ready: databaseReady),
            "model": ["status": snapshot.modelLoaded ? "ok" : "loading"],
            "pipeline": pipeline,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private func component(_ dependency: PipelineHealth.DependencyStatus, ready: Bool) -> [String: Any] {
        var fields: [String: Any] = [
            "status": ready ? "ok" : dependency.reachable == nil ? "unknown" : dependency.reachable == true ? "waiting" : "unreachable"
        ]
        if let success = dependency.lastSuccess { fields["last_success"] = timestamp(success) }
        if let error = dependency.lastError { fields["last_error"] = error }
        if let at = dependency.lastErrorAt { fields["last_error_at"] = timestamp(at) }
        return fields
    }

    private func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
