import Foundation
public import RecstreamModel
public import RecstreamStore

/// A full recompute of every published list: first every user's list (with
/// the popular list), then every item's related list, in slices of
/// `sliceSize` lists, each slice one transaction computed from the model as
/// it is when the slice runs. It holds the database's full-recompute lock
/// (a session advisory lock on its connection) from start to end, so there
/// is one at a time per database. The daemon publishes one slice between two
/// batches (`FullRecomputeSchedule`); `recstream topk` runs one to the end.
/// A value that owns its connection: one thread drives it.
public struct FullRecompute {
    private let publisher: ListPublisher
    private let connection: PostgresConnection
    private var nextUser = 0
    private var nextItem = 0

    /// Takes the full-recompute lock on `connection`, or throws
    /// `FullRecomputeBusy` when another recompute holds it.
    public init(k: Int, sliceSize: Int = 10_000, connection: PostgresConnection) throws {
        let locked = try connection.execute("select pg_try_advisory_lock($1)", [String(Self.lockKey)]).text(row: 0, column: 0)
        guard locked == "t" else { throw FullRecomputeBusy() }
        publisher = ListPublisher(k: k, chunk: sliceSize)
        self.connection = connection
    }

    /// Publishes the next slice; true once every list has been published
    /// (and the lock released). Users and items that appeared since the
    /// recompute began are included.
    public mutating func publishNextSlice(_ model: RecommenderModel, modelVersion: Int64, progress: (String) -> Void) throws -> Bool {
        if nextUser < model.users.count {
            let end = min(nextUser + publisher.chunk, model.users.count)
            let update = publisher.userUpdate(model, rows: Array(Int32(nextUser)..<Int32(end)), modelVersion: modelVersion)
            try publisher.publish(update, connection: connection)
            nextUser = end
            progress("user lists: \(end) of \(model.users.count)")
        } else if nextItem < model.items.count {
            let end = min(nextItem + publisher.chunk, model.items.count)
            try publisher.publishRelated(
                model, rows: Array(Int32(nextItem)..<Int32(end)), modelVersion: modelVersion, connection: connection)
            nextItem = end
            progress("related lists: \(end) of \(model.items.count)")
        }
        let finished = nextUser >= model.users.count && nextItem >= model.items.count
        if finished { _ = try? connection.execute("select pg_advisory_unlock($1)", [String(Self.lockKey)]) }
        return finished
    }

    /// Every list of `model`, slice after slice, on `connection`.
    public static func run(
        _ model: RecommenderModel, modelVersion: Int64, k: Int, connection: PostgresConnection, progress: (String) -> Void
    ) throws {
        var recompute = try FullRecompute(k: k, connection: connection)
        while try !recompute.publishNextSlice(model, modelVersion: modelVersion, progress: progress) {}
    }

    /// The advisory lock of full recomputes ("recstrmk").
    static let lockKey: Int64 = 0x7265_6373_7472_6D6B
}

/// Another full recompute holds the database's lock.
public struct FullRecomputeBusy: Error, CustomStringConvertible {
    public var description: String { "another full recompute of the lists is running on this database" }
}
