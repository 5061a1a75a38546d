import Foundation
import RecstreamIngest

/// What `/healthz` and `/readyz` answer, derived from one health snapshot.
struct HealthStatus {
    let snapshot: PipelineHealth.Snapshot
    let stallSeconds: Int
    var now = Date()

    var lastProgress: Date { snapshot.lastProgress }

    /// Liveness: the pipeline loop polled, committed or retried recently.
    var live: Bool { now.timeIntervalSince(snapshot.lastProgress) <= Double(stallSeconds) }

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
        var pipeline: [String: Any] = ["status": live ? "ok" : "stalled", "last_progress": timestamp(snapshot.lastProgress)]
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
