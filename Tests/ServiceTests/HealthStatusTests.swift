import Foundation
import RecstreamStream
import Testing

@testable import RecstreamIngest
@testable import RecstreamService

/// What /healthz and /readyz answer for given states of the pipeline.
@Suite("Health and readiness")
struct HealthStatusTests {
    @Test func readyOnlyWhenEveryComponentIsAndAliveUntilTheLoopStalls() throws {
        let health = PipelineHealth(role: .leader)
        func status(after seconds: Double = 0) -> HealthStatus {
            HealthStatus(snapshot: health.snapshot, stallSeconds: 30, now: Date().addingTimeInterval(seconds))
        }
        #expect(status().live && !status().ready, "alive at start, not ready: nothing loaded or reached")
        health.modelLoaded()
        health.succeeded(.postgres)
        health.succeeded(.kafka)
        #expect(!status().ready, "no partitions assigned yet")
        let partition = TopicPartition(topic: "t", partition: 0)
        health.assigned([partition])
        #expect(status().ready)
        health.failed(.postgres, error: "connection refused")
        #expect(!status().ready && status().live)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status().readinessJSON.utf8)) as? [String: Any])
        #expect(report["status"] as? String == "not ready")
        let postgres = try #require(report["postgres"] as? [String: Any])
        #expect(postgres["status"] as? String == "unreachable" && postgres["last_error"] as? String == "connection refused")
        #expect((report["kafka"] as? [String: Any])?["assigned_partitions"] as? [String] == ["t[0]"])
        health.succeeded(.postgres)
        #expect(status().ready)
        #expect(!status(after: 31).live && !status(after: 31).ready, "no progress for longer than stall_seconds: wedged")
        health.beat()
        #expect(status(after: 29).live)
        health.revoked([partition])
        #expect(!status().ready)
        health.assigned([partition])
        #expect(status().ready)
        // A batch that has waited longer than stall_seconds to commit: not live, however busy the retries are.
        health.commitStarted()
        #expect(status(after: 29).live)
        health.beat()
        #expect(!status(after: 31).live && status(after: 31).stallReason?.hasPrefix("stuck: a batch has waited") == true)
        health.commitFinished()
        #expect(status().live && status().stallReason == nil)
        func lists() throws -> String? {
            let body = try #require(try JSONSerialization.jsonObject(with: Data(status().readinessJSON.utf8)) as? [String: Any])
            return (body["pipeline"] as? [String: Any])?["lists"] as? String
        }
        #expect(try lists() == "exact")
        health.setListsApproximate(true)
        #expect(try lists() == "approximate" && status().ready, "behind the freshness target: degraded, still ready")
        health.setListsApproximate(false)
        #expect(try lists() == "exact")
        for role in [PipelineHealth.Role.standby, .fenced] {
            health.setRole(role)
            #expect(!status().ready && status().live, "a \(role) is alive but not ready")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(status().readinessJSON.utf8)) as? [String: Any])
            #expect(body["role"] as? String == role.rawValue)
        }
    }
}
