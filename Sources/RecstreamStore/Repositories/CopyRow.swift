/// A row the repositories write by binary COPY: the columns it fills,
/// declared once, in the order `encode` writes its fields. In `columns`,
/// `id` stands for the id column of the table the row goes to (`user_id`
/// in `user_embeddings`, `id` in `items`).
protocol CopyRow {
    static var columns: [String] { get }
    func encode(into writer: inout BinaryCopyWriter)
}

/// A row the repositories also read back by binary COPY, field by field in
/// `columns` order.
protocol CopyReadableRow: CopyRow {
    init(from reader: inout BinaryCopyReader) throws
}

/// A table that rows of `Row` are written to in bulk, and what happens to
/// a row whose key is stored already.
struct BulkTable<Row: CopyRow>: Sendable {
    enum Conflict: Sendable {
        /// Plain COPY into the table: every row is new.
        case none
        /// The stored row stays as it is.
        case keep(key: [String])
        /// The stored row takes every column but the key and `keeping`, sets
        /// `touching` to now(), and only when `onlyIf` holds (SQL over the
        /// table and `excluded`).
        case update(key: [String], keeping: [String] = [], touching: String? = nil, onlyIf: String? = nil)
    }

    let name: String
    /// The column `id` stands for in `Row.columns`.
    var idColumn = "id"
    let conflict: Conflict

    /// `Row.columns` with `id` named as this table names it.
    var columns: [String] { Row.columns.map { $0 == "id" ? idColumn : $0 } }

    /// The `on conflict` clause of the merge from the staging table.
    var conflictClause: String {
        switch conflict {
        case .none:
            return ""
        case .keep(let key):
            return "on conflict (\(key.joined(separator: ", "))) do nothing"
        case .update(let key, let keeping, let touching, let onlyIf):
            let assignments =
                columns.filter { !key.contains($0) && !keeping.contains($0) }.map { "\($0) = excluded.\($0)" }
                + (touching.map { ["\($0) = now()"] } ?? [])
            return "on conflict (\(key.joined(separator: ", "))) do update set \(assignments.joined(separator: ", "))"
                + (onlyIf.map { " where \($0)" } ?? "")
        }
    }
}

extension PostgresConnection {
    /// Writes `rows` into `table`: by one COPY when every row is new, else
    /// by a binary COPY into a temporary copy of the table (created once per
    /// session, emptied at every commit) and one `insert ... select ... on
    /// conflict`. Must run inside a transaction (`transaction`). Table and
    /// column names are constants of the repositories, never data.
    func write<Row: CopyRow>(_ rows: [Row], into table: BulkTable<Row>) throws {
        guard !rows.isEmpty else { return }
        var writer = BinaryCopyWriter()
        for row in rows {
            writer.beginRow(fieldCount: Row.columns.count)
            row.encode(into: &writer)
        }
        let list = table.columns.joined(separator: ", ")
        if case .none = table.conflict {
            try copyIn("copy \(table.name) (\(list)) from stdin (format binary)", data: writer.finish())
            return
        }
        let staging = "staging_\(table.name)"
        if !self.staging.created.contains(staging) {
            try execute("create temporary table if not exists \(staging) (like \(table.name) including defaults) on commit delete rows")
            self.staging.created.insert(staging)
        } else if self.staging.usedInTransaction.contains(staging) {
            try execute("truncate \(staging)")
        }
        self.staging.usedInTransaction.insert(staging)
        try copyIn("copy \(staging) (\(list)) from stdin (format binary)", data: writer.finish())
        try execute("insert into \(table.name) (\(list)) select \(list) from \(staging) \(table.conflictClause)")
    }

    /// The rows of `table` that `clauses` (`where`, `order by`, `limit`) select, in their order.
    func read<Row: CopyReadableRow>(_ table: BulkTable<Row>, _ clauses: String) throws -> [Row] {
        try copyRows("select \(table.columns.joined(separator: ", ")) from \(table.name) \(clauses)") { try Row(from: &$0) }
    }

    /// The rows of a binary `COPY (query) TO STDOUT`, each read by `read`.
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
