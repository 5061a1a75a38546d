extension PostgresConnection {
    /// Bulk upsert: binary COPY of `rows` into a temporary copy of `table`
    /// (created once per session, emptied at every commit), then one
    /// `insert ... select ... on conflict`. Must run inside a transaction
    /// (`transaction`). Table, column and conflict texts are constants of the
    /// calling repository, never data.
    func copyMerge(
        into table: String, columns: [String], conflict: String, rows: Int, write: (inout BinaryCopyWriter) -> Void
    ) throws {
        guard rows > 0 else { return }
        let staging = "staging_\(table)"
        if !self.staging.created.contains(staging) {
            try execute("create temporary table if not exists \(staging) (like \(table) including defaults) on commit delete rows")
            self.staging.created.insert(staging)
        } else if self.staging.usedInTransaction.contains(staging) {
            try execute("truncate \(staging)")
        }
        self.staging.usedInTransaction.insert(staging)
        var writer = BinaryCopyWriter()
        write(&writer)
        let list = columns.joined(separator: ", ")
        try copyIn("copy \(staging) (\(list)) from stdin (format binary)", data: writer.finish())
        try execute("insert into \(table) (\(list)) select \(list) from \(staging) \(conflict)")
    }

    /// Rows of a binary `COPY (query) TO STDOUT`, each read by `read`.
    func copyRows<T>(_ query: String, read: (inout BinaryCopyReader) throws -> T) throws -> [T] {
        var reader = try BinaryCopyReader(try copyOut("copy (\(query)) to stdout (format binary)"))
        var rows: [T] = []
        while try reader.nextRow() != nil { rows.append(try read(&reader)) }
        return rows
    }
}

/// A column that must not be NULL was NULL in a stored row.
struct UnexpectedNull: Error, CustomStringConvertible {
    var column: String
    var description: String { "unexpected NULL in \(column)" }
}

extension Optional {
    func required(_ column: String) throws -> Wrapped {
        guard let value = self else { throw UnexpectedNull(column: column) }
        return value
    }
}
