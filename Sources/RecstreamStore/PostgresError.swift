/// An error from PostgreSQL or libpq, with the server's SQLSTATE when it sent one.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// Five-character SQLSTATE code (e.g. "23505"), nil for client-side errors.
    public let sqlState: String?
    /// The primary message, without the trailing newline libpq adds.
    public let message: String
    /// What recstream was doing.
    public let context: String

    public init(sqlState: String?, message: String, context: String) {
        self.sqlState = sqlState
        self.message = message.trimmingTrailingNewlines()
        self.context = context
    }

    /// Whether the server refused the data itself (SQLSTATE classes 22, data
    /// exception; 23, integrity constraint; 54, program limit such as an index
    /// entry too large): sending the same rows again fails again.
    public var refusesTheData: Bool {
        guard let sqlState else { return false }
        return ["22", "23", "54"].contains(String(sqlState.prefix(2)))
    }

    public var description: String {
        "postgres \(context) failed" + (sqlState.map { " [SQLSTATE \($0)]" } ?? "") + ": \(message)"
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" { text.removeLast() }
        return text
    }
}
