import CLibPQ

/// Owns one libpq result (`PGresult`) and clears it in `deinit`. Read it on
/// the thread that ran the statement.
public final class PostgresResult {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        PQclear(pointer)
    }

    /// Number of rows returned.
    public var rowCount: Int { Int(PQntuples(pointer)) }

    /// Number of rows a command affected (INSERT/UPDATE/DELETE/COPY).
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(pointer))) ?? 0 }

    /// The text value at (row, column), nil for SQL NULL.
    public func text(row: Int, column: Int) -> String? {
        if PQgetisnull(pointer, Int32(row), Int32(column)) == 1 { return nil }
        return String(cString: PQgetvalue(pointer, Int32(row), Int32(column)))
    }

    /// Checks the status; throws the server's error otherwise.
    func checked(accepting accepted: [ExecStatusType], context: String) throws -> PostgresResult {
        let status = PQresultStatus(pointer)
        guard accepted.contains(status) else { throw error(context: context) }
        return self
    }

    func error(context: String) -> PostgresError {
        let sqlState = PQresultErrorField(pointer, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        return PostgresError(sqlState: sqlState, message: String(cString: PQresultErrorMessage(pointer)), context: context)
    }
}
