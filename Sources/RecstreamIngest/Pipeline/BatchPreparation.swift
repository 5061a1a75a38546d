import Foundation
import RecstreamEvents
import RecstreamModel
import RecstreamStore
import RecstreamStream

/// One batch between the two halves of the pipeline: learned by the model
/// (`PipelineLoop.prepare`, on the pipeline thread), then written
/// (`BatchWriter.write`, on the committer's thread) while its users' lists
/// are scored and the next batch is learned.
struct PreparedBatch: Sendable {
    var writes: BatchWrites
    /// The touched users' new lists, when incremental top-k is on.
    var lists: PendingLists?
    var records = 0
    var applied = 0
    var catalogApplied = 0
    var duplicates = 0
    /// The distinct steps between items the model counts after the batch.
    var transitionSteps = 0
    var observed = PipelineMetrics.Batch()
    /// The batch's record when it has only one (isolating a refused batch
    /// comes down to single records).
    var source: KafkaMessage?
}

extension PipelineLoop {
    /// Decodes each record (an invalid one becomes a dead letter), drops
    /// duplicates, applies catalog events, learns the engagements, and turns
    /// what changed into the batch's rows.
    func prepare(_ messages: [KafkaMessage]) -> PreparedBatch {
        var deadLetters: [DeadLetter] = []
        var engagements: [Engagement] = []
        var eventIDs: [String] = []
        var catalogEvents: [CatalogEvent] = []
        var duplicates = 0
        var nextOffsets: [TopicPartition: Int64] = [:]
        var observed = PipelineMetrics.Batch()
        observed.records = messages.count
        for message in messages {
            let partition = TopicPartition(topic: message.topic, partition: message.partition)
            nextOffsets[partition] = max(nextOffsets[partition] ?? 0, message.offset + 1)
            observed.consumedByTopic[message.topic, default: 0] += 1
            func deadLetter(_ reason: String) {
                observed.deadLetteredByTopic[message.topic, default: 0] += 1
                deadLetters.append(
                    DeadLetter(
                        topic: message.topic, partition: message.partition, offset: message.offset, key: message.key,
                        payload: message.value, reason: reason))
            }
            guard message.value.count <= configuration.maxEventBytes else {
                deadLetter("payload of \(message.value.count) bytes exceeds batch.max_event_bytes (\(configuration.maxEventBytes))")
                continue
            }
            do {
                if message.topic == configuration.catalogTopic {
                    catalogEvents.append(try CatalogEvent(json: Data(message.value), limits: configuration.eventLimits))
                    observed.appliedByType["catalog", default: 0] += 1
                } else {
                    let event = try EngagementEvent(json: Data(message.value), limits: configuration.eventLimits)
                    if let crashOnItem, event.engagement.item == crashOnItem {
                        fatalError("RECSTREAM_TEST_CRASH_ON_ITEM: crashing on \(message.topic)[\(message.partition)]@\(message.offset)")
                    }
                    if deduplicator.admit(event.eventID) {
                        engagements.append(event.engagement)
                        eventIDs.append(event.eventID)
                        observed.appliedByType[event.type.rawValue, default: 0] += 1
                        if let timestamp = message.timestampMs { observed.eventTimestampsMs.append(timestamp) }
                    } else {
                        duplicates += 1
                        observed.duplicatesByType[event.type.rawValue, default: 0] += 1
                    }
                }
            } catch {
                deadLetter(error.reason)
            }
        }
        let firstNewUser = Int32(model.users.count)
        let firstNewItem = Int32(model.items.count)
        var catalogRows = Set<Int32>()
        for event in catalogEvents { catalogRows.insert(model.upsertItem(event.itemID, profile: event.profile)) }
        let changes = model.apply(engagements)
        modelVersion += Int64(engagements.count)
        var writes = ModelPersistence.writes(
            model, changes: changes, catalogItems: catalogRows, centroids: model.takeCentroidChanges(), firstNewUser: firstNewUser,
            firstNewItem: firstNewItem, modelVersion: modelVersion)
        writes.deadLetters = deadLetters
        writes.eventIDs = configuration.dedupWindowEvents > 0 ? eventIDs : []
        writes.offsets = nextOffsets.keys.sorted().map {
            PartitionOffset(topic: $0.topic, partition: $0.partition, nextOffset: nextOffsets[$0]!)
        }
        metrics.recordModel(model)
        var batch = PreparedBatch(writes: writes, records: messages.count, observed: observed)
        if messages.count == 1 { batch.source = messages[0] }
        if configuration.topKIncremental && !changes.users.isEmpty {
            batch.lists = PendingLists(users: changes.users.sorted())
        }
        batch.applied = engagements.count
        batch.catalogApplied = catalogEvents.count
        batch.duplicates = duplicates
        batch.transitionSteps = model.transitions.count
        return batch
    }
}
