import Foundation
public import Logging
import RecstreamStore
import RecstreamStream
import Synchronization

/// Leadership of one database: only its holder writes the state. It is a
/// session advisory lock held on a connection of its own, and the writer
/// epoch the holder took when it got the lock (table `leadership`), which
/// every batch transaction checks (`BatchTransaction.commit(fencedBy:)`).
///
/// The server ends the leader's session when it stays silent longer than
/// `sessionTimeoutMs` (`idle_session_timeout`), which frees the lock of a
/// leader that was paused or cut off; a heartbeat thread, started with the
/// leadership (so that loading a large model cannot leave the session
/// silent), keeps a live leader's session busy. When the session is lost (a
/// database outage), the heartbeat takes the lock again with a new epoch,
/// but only when no other daemon led in between; otherwise the leadership
/// is lost for good and the `onLost` handler hears why.
///
/// Threads: the heartbeat runs on a thread of its own, `withEpoch` on the
/// committer's; they take turns on one lock. Any thread may read `epoch`.
public final class Leadership: Sendable {
    /// Who leads, as `leadership.holder` records it: host and process id.
    public let holder: String
    private let conninfo: String
    private let sessionTimeoutMs: Int
    private let logger: Logger
    private let state: Mutex<State>
    private let heartbeatStopped = Atomic<Bool>(false)

    private struct State {
        var session: PostgresConnection?
        var epoch: Int64
        /// Why the leadership is lost, once it is.
        var lost: String?
        var lostHandler: (@Sendable (String) -> Void)?
    }

    /// The advisory lock of leadership ("recstrml").
    static let lockKey: Int64 = 0x7265_6373_7472_6D6C

    private init(session: PostgresConnection, epoch: Int64, conninfo: String, holder: String, sessionTimeoutMs: Int, logger: Logger) {
        state = Mutex(State(session: session, epoch: epoch))
        self.conninfo = conninfo
        self.holder = holder
        self.sessionTimeoutMs = sessionTimeoutMs
        self.logger = logger
    }

    deinit {
        release()
    }

    /// Takes the leadership now with a new epoch, or returns nil when
    /// another daemon holds it. The database must be migrated.
    public static func acquire(
        conninfo: String, sessionTimeoutMs: Int, logger: Logger, holder: String = Leadership.processHolder
    ) throws -> Leadership? {
        let session = try session(conninfo, timeoutMs: sessionTimeoutMs)
        guard try takeLock(session) else { return nil }
        let epoch = try session.execute(
            "update leadership set epoch = epoch + 1, holder = $1, acquired_at = now() returning epoch", [holder]
        ).text(row: 0, column: 0).flatMap { Int64($0) }
        guard let epoch else { throw LeadershipLost(reason: "the leadership row is missing: migrate the database") }
        logger.info("leading the database", metadata: ["epoch": "\(epoch)", "holder": "\(holder)"])
        let leadership = Leadership(
            session: session, epoch: epoch, conninfo: conninfo, holder: holder, sessionTimeoutMs: sessionTimeoutMs, logger: logger)
        leadership.startHeartbeat()
        return leadership
    }

    /// This process, as `holder` names it.
    public static var processHolder: String { "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)" }

    /// The epoch this leader writes with.
    public var epoch: Int64 { state.withLock { $0.epoch } }

    /// Why the leadership is lost, nil while it holds.
    public var lostReason: String? { state.withLock { $0.lost } }

    /// Runs `body` with the current epoch, which no re-acquisition changes
    /// meanwhile; throws `LeadershipLost` once the leadership is lost.
    public func withEpoch<R>(_ body: (Int64) throws -> R) throws -> R {
        try state.withLock { state -> R in
            if let lost = state.lost { throw LeadershipLost(reason: lost) }
            return try body(state.epoch)
        }
    }

    /// Tells `handler` why, once, when the leadership is lost (at once if it
    /// is lost already). One handler; a later call replaces it.
    public func onLost(_ handler: @escaping @Sendable (String) -> Void) {
        let lost = state.withLock { state -> String? in
            if state.lost == nil { state.lostHandler = handler }
            return state.lost
        }
        if let lost { handler(lost) }
    }

    /// Keeps the session busy every fifth of the session timeout, on a
    /// thread of its own, until `release`.
    private func startHeartbeat() {
        let interval = max(0.1, Double(sessionTimeoutMs) / 5_000)
        Thread.detachNewThread { [weak self] in
            while let leadership = self, !leadership.heartbeatStopped.load(ordering: .relaxed) {
                if let reason = leadership.beat() {
                    leadership.state.withLock { $0.lostHandler.take() }?(reason)
                    return
                }
                Thread.sleep(forTimeInterval: interval)
            }
        }
    }

    /// Silences the session, as a frozen process would: the server ends it
    /// after the session timeout, which frees the lock.
    func stopHeartbeat() {
        heartbeatStopped.store(true, ordering: .relaxed)
    }

    /// Gives the leadership up: the heartbeat stops, the lock and its session close.
    public func release() {
        stopHeartbeat()
        state.withLock { state in
            if let session = state.session, session.isHealthy {
                _ = try? session.execute("select pg_advisory_unlock($1)", [String(Self.lockKey)])
            }
            state.session = nil
        }
    }

    /// One heartbeat: `select 1` on the session, or, when it is gone, the
    /// lock taken again. Returns why the leadership is lost when it just was.
    private func beat() -> String? {
        state.withLock { state -> String? in
            guard state.lost == nil, !heartbeatStopped.load(ordering: .relaxed) else { return nil }
            if let session = state.session, session.isHealthy, (try? session.execute("select 1")) != nil { return nil }
            state.session = nil
            do {
                let session = try Self.session(conninfo, timeoutMs: sessionTimeoutMs)
                guard try Self.takeLock(session) else {
                    state.lost = "another daemon took the lock while this one's session was lost"
                    return state.lost
                }
                let renewed = try session.execute(
                    "update leadership set epoch = epoch + 1, holder = $1, acquired_at = now() where epoch = $2 returning epoch",
                    [holder, String(state.epoch)]
                ).text(row: 0, column: 0).flatMap { Int64($0) }
                guard let renewed else {
                    state.lost = "another daemon led this database while this one's session was lost"
                    return state.lost
                }
                logger.notice("leading the database again after its session was lost", metadata: ["epoch": "\(renewed)"])
                state.session = session
                state.epoch = renewed
            } catch {
                // PostgreSQL is away: the next beat tries again, and batches wait meanwhile.
            }
            return nil
        }
    }

    /// A session the server ends after `timeoutMs` of silence.
    private static func session(_ conninfo: String, timeoutMs: Int) throws -> PostgresConnection {
        let session = try PostgresConnection(conninfo: conninfo)
        try session.execute("select set_config('idle_session_timeout', $1, false)", ["\(timeoutMs)ms"])
        return session
    }

    private static func takeLock(_ session: PostgresConnection) throws -> Bool {
        try session.execute("select pg_try_advisory_lock($1)", [String(lockKey)]).text(row: 0, column: 0) == "t"
    }
}

/// The leadership of the database is gone: this daemon must not write.
public struct LeadershipLost: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "leadership lost: \(reason)" }
}

/// Another daemon leads the database.
public struct LeadershipHeld: Error, CustomStringConvertible, Sendable {
    public init() {}
    public var description: String {
        "another daemon leads this database (it holds the leadership lock): stop it first, or run this one as its standby"
    }
}

extension Leadership {
    /// Waits as a standby until this daemon leads (returned) or
    /// `shouldStop()` holds (nil): migrates the database once PostgreSQL
    /// answers, then tries the lock every fifth of `sessionTimeoutMs`. Each
    /// try is progress for `/healthz`; failures are recorded in `health` and
    /// retried.
    public static func awaitLeadership(
        conninfo: String, sessionTimeoutMs: Int, health: PipelineHealth, logger: Logger, shouldStop: () -> Bool
    ) -> Leadership? {
        let interval = max(0.1, Double(sessionTimeoutMs) / 5_000)
        var migrated = false
        var announced = false
        let failures = LogThrottle()
        while !shouldStop() {
            health.beat()
            do {
                if !migrated {
                    let connection = try PostgresConnection(conninfo: conninfo)
                    let report = try Migrator(migrations: Migration.all).migrate(connection)
                    if !report.applied.isEmpty { logger.info("schema migrated", metadata: ["applied": "\(report.applied)"]) }
                    migrated = true
                }
                if let leadership = try acquire(conninfo: conninfo, sessionTimeoutMs: sessionTimeoutMs, logger: logger) {
                    health.succeeded(.postgres)
                    return leadership
                }
                health.succeeded(.postgres)
                if !announced {
                    logger.notice("standby: another daemon leads this database; taking over when it is gone")
                    announced = true
                }
            } catch {
                health.failed(.postgres, error: "\(error)")
                if let heldBack = failures.admit("\(error)") {
                    logger.warning(
                        "standby: cannot reach PostgreSQL", metadata: LogThrottle.metadata(["error": "\(error)"], heldBack: heldBack))
                }
            }
            Thread.sleep(forTimeInterval: interval)
        }
        return nil
    }
}
