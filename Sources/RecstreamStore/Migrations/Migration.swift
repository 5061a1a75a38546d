/// One versioned schema change, `Schema/NNN_name.sql`, compiled into the
/// binary: an installed recstream migrates with the SQL it was built with,
/// whatever directory it runs from.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String

    /// The file name it came from.
    public var fileName: String { "\(String(repeating: "0", count: max(0, 3 - String(version).count)))\(version)_\(name).sql" }

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// `fileName` (`NNN_name.sql`) holding `bytes` (UTF-8).
    init(fileName: String, bytes: [UInt8]) {
        let stem = fileName.dropLast(".sql".count)
        guard fileName.hasSuffix(".sql"), let underscore = stem.firstIndex(of: "_"), stem[..<underscore].count == 3,
            let version = Int(stem[..<underscore]), stem.index(after: underscore) < stem.endIndex
        else { preconditionFailure("migration files are named NNN_name.sql, not \(fileName)") }
        self.init(version: version, name: String(stem[stem.index(after: underscore)...]), sql: String(decoding: bytes, as: UTF8.self))
    }

    /// Every migration, in version order. A new one is a new file in
    /// `Sources/RecstreamStore/Schema` and a line here (a test checks that
    /// the two agree); an applied one never changes.
    public static let all: [Migration] = [
        Migration(fileName: "001_initial.sql", bytes: PackageResources._01_initial_sql),
        Migration(fileName: "002_processed_events.sql", bytes: PackageResources._02_processed_events_sql),
        Migration(fileName: "003_reader_membership.sql", bytes: PackageResources._03_reader_membership_sql),
        Migration(fileName: "004_batch_write_speed.sql", bytes: PackageResources._04_batch_write_speed_sql),
        Migration(fileName: "005_derived_event_counts.sql", bytes: PackageResources._05_derived_event_counts_sql),
        Migration(fileName: "006_lists_by_item_row.sql", bytes: PackageResources._06_lists_by_item_row_sql),
        Migration(fileName: "007_no_item_index_on_interactions.sql", bytes: PackageResources._07_no_item_index_on_interactions_sql),
        Migration(fileName: "008_leadership.sql", bytes: PackageResources._08_leadership_sql),
        Migration(fileName: "009_crash_guard.sql", bytes: PackageResources._09_crash_guard_sql),
        Migration(fileName: "010_transitions.sql", bytes: PackageResources._10_transitions_sql),
        Migration(fileName: "011_blend_weights.sql", bytes: PackageResources._11_blend_weights_sql),
        Migration(fileName: "012_transition_steps.sql", bytes: PackageResources._12_transition_steps_sql),
        Migration(fileName: "013_suspect_applications.sql", bytes: PackageResources._13_suspect_applications_sql),
        Migration(fileName: "014_item_attributes.sql", bytes: PackageResources._14_item_attributes_sql),
    ]
}

/// A migration problem, said so that an operator knows what to fix.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    public var reason: String

    public var description: String { reason }
}
