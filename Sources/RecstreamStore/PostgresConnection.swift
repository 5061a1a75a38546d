import CLibPQ
import Foundation

/// Owns one libpq connection (`PGconn`) and closes it in `deinit`.
///
/// Statements are always parameterised (`PQexecParams`) or COPY: no SQL is
/// ever built from data. One connection serves one task at a time.
public final class PostgresConnection: @unchecked Sendable {
    private let pointer: OpaquePointer
    /// The connection settings with any password removed, safe to log.
    public let redactedConninfo: String

    /// Connects with a `postgresql://` URL or a `key=value` conninfo string;
    /// settings it leaves out come from the standard `PG*` environment
    /// variables, as in every libpq client. An empty string uses them alone.
    ///
    /// - Parameter database: when given, overrides the database the conninfo names.
    public init(conninfo: String, database: String? = nil) throws {
        redactedConninfo = ConninfoRedaction.redact(conninfo) + (database.map { " (database \($0))" } ?? "")
        // expand_dbname: the first "dbname" may be a whole URL or conninfo; a
        // second "dbname" is a plain database name that overrides it.
        let keywords = ["dbname"] + (database == nil ? [] : ["dbname"])
        let values = [conninfo] + (database.map { [$0] } ?? [])
        let connection = withCStringArray(keywords + [nil]) { keywordPointers in
            withCStringArray(values + [nil]) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let pointer = connection else {
            throw PostgresError(sqlState: nil, message: "out of memory", context: "connect to \(redactedConninfo)")
        }
        guard PQstatus(pointer) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(pointer))
            PQfinish(pointer)
            throw PostgresError(sqlState: nil, message: message, context: "connect to \(redactedConninfo)")
        }
        // Notices ("relation ... already exists, skipping") are chatter, not
        // errors; libpq would print them to stderr.
        PQsetNoticeProcessor(pointer, { _, _ in }, nil)
        self.pointer = pointer
    }

    deinit {
        PQfinish(pointer)
    }

    /// Server version as PostgreSQL reports it, e.g. 150018 for 15.18.
    public var serverVersion: Int { Int(PQserverVersion(pointer)) }

    /// Whether the connection is still usable.
    public var isHealthy: Bool { PQstatus(pointer) == CONNECTION_OK }

    /// Runs one parameterised statement; parameters are sent as text, nil as NULL.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws -> PostgresResult {
        let result = withCStringArray(parameters) { values in
            PQexecParams(pointer, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try wrap(result, context: "statement").checked(accepting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK], context: "statement")
    }

    /// Runs a trusted SQL script (a migration file) that may hold several
    /// statements, through the simple query protocol. Never for data.
    public func executeScript(_ sql: String) throws {
        _ = try wrap(PQexec(pointer, sql), context: "script").checked(accepting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK], context: "script")
        drainResults()
    }

    /// Runs `body` inside BEGIN ... COMMIT; any error rolls the whole
    /// transaction back and is rethrown.
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        try execute("begin")
        defer { staging.usedInTransaction.removeAll() }
        do {
            let result = try body()
            try execute("commit")
            return result
        } catch {
            // A staging table created in this transaction is gone with it.
            staging.created.removeAll()
            if isHealthy { _ = try? execute("rollback") }
            throw error
        }
    }

    /// The session's staging tables for bulk upserts (`copyMerge`).
    struct StagingTables {
        /// Created in this session (they live until it ends, emptied at each commit).
        var created: Set<String> = []
        /// Filled in the current transaction (a second fill empties it first).
        var usedInTransaction: Set<String> = []
    }

    var staging = StagingTables()

    /// Runs `COPY ... FROM STDIN` and streams `data` to it; returns rows copied.
    @discardableResult
    public func copyIn(_ sql: String, data: [UInt8]) throws -> Int {
        _ = try wrap(PQexec(pointer, sql), context: "copy in").checked(accepting: [PGRES_COPY_IN], context: "copy in")
        let chunk = 1 << 20
        var start = 0
        var sendFailed = false
        while start < data.count && !sendFailed {
            let end = min(start + chunk, data.count)
            sendFailed = data[start..<end].withUnsafeBytes { bytes in
                PQputCopyData(pointer, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count)) != 1
            }
            start = end
        }
        let endResult = PQputCopyEnd(pointer, sendFailed ? "client failed to send data" : nil)
        let result = try wrap(PQgetResult(pointer), context: "copy in")
        drainResults()
        if endResult != 1 { throw connectionError(context: "copy in") }
        return try result.checked(accepting: [PGRES_COMMAND_OK], context: "copy in").affectedRows
    }

    /// Runs `COPY ... TO STDOUT` and returns everything it sent.
    public func copyOut(_ sql: String) throws -> [UInt8] {
        _ = try wrap(PQexec(pointer, sql), context: "copy out").checked(accepting: [PGRES_COPY_OUT], context: "copy out")
        var data: [UInt8] = []
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(pointer, &buffer, 0)
            if length > 0, let buffer {
                data.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                PQfreemem(buffer)
            } else if length == -1 {
                break
            } else {
                throw connectionError(context: "copy out")
            }
        }
        let result = try wrap(PQgetResult(pointer), context: "copy out")
        drainResults()
        _ = try result.checked(accepting: [PGRES_COMMAND_OK], context: "copy out")
        return data
    }

    private func wrap(_ result: OpaquePointer?, context: String) throws -> PostgresResult {
        guard let result else { throw connectionError(context: context) }
        return PostgresResult(result)
    }

    private func connectionError(context: String) -> PostgresError {
        PostgresError(sqlState: nil, message: String(cString: PQerrorMessage(pointer)), context: context)
    }

    /// Consumes results left after COPY so the connection is ready for the next command.
    private func drainResults() {
        while let extra = PQgetResult(pointer) { PQclear(extra) }
    }
}

/// Calls `body` with a C array of NUL-terminated strings (NULL for nil) that
/// stays valid for the duration of the call.
private func withCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let duplicates: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { for duplicate in duplicates { free(duplicate) } }
    let pointers = duplicates.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
