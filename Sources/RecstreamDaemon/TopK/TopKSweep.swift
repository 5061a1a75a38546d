import RecstreamModel
import RecstreamStore

/// A full recompute cut into slices of `publisher.chunk` lists: first every
/// user's list, then every item's related list, each slice one transaction
/// computed from the model as it is when the slice runs. The daemon runs one
/// slice between batches, so a full recompute never stalls ingestion for
/// longer than one slice.
struct TopKSweep {
    let publisher: TopKPublisher
    private(set) var nextUser = 0
    private(set) var nextItem = 0

    init(publisher: TopKPublisher) {
        self.publisher = publisher
    }

    /// Publishes the next slice; true once every list has been published.
    /// Users and items that appeared since the sweep began are included.
    mutating func publishNextSlice(
        _ model: RecommenderModel, modelVersion: Int64, connection: PostgresConnection, progress: (String) -> Void
    ) throws -> Bool {
        if nextUser < model.users.count {
            let end = min(nextUser + publisher.chunk, model.users.count)
            try publisher.publishUsers(model, rows: Array(Int32(nextUser)..<Int32(end)), modelVersion: modelVersion, connection: connection)
            nextUser = end
            progress("user lists: \(end) of \(model.users.count)")
        } else if nextItem < model.items.count {
            let end = min(nextItem + publisher.chunk, model.items.count)
            let lists = publisher.relatedLists(model, rows: Array(Int32(nextItem)..<Int32(end)))
            let repository = RecommendationRepository(connection: connection)
            try connection.transaction { try repository.publishRelatedLists(lists, modelVersion: modelVersion) }
            nextItem = end
            progress("related lists: \(end) of \(model.items.count)")
        }
        return nextUser >= model.users.count && nextItem >= model.items.count
    }
}
