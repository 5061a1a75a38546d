import Dispatch
import Foundation
import RecstreamModel
import RecstreamStore
import RecstreamStream

/// One batch between the two halves of the pipeline: learned by the model
/// (`prepare`, on the pipeline thread), then written (`write`, on the
/// committer's thread) while its users' lists are scored and the next batch
/// is learned.
struct PreparedBatch: Sendable {
    var writes: BatchWrites
    /// The touched users' new lists, when incremental top-k is on.
    var lists: PendingLists?
    var records = 0
    var applied = 0
    var catalogApplied = 0
    var duplicates = 0
    var observed = PipelineMetrics.Batch()
}

extension IngestPipeline {
    /// Decodes, drops duplicates, learns, and turns the result into rows.
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
                deadLetters.append(DeadLetter(
                    topic: message.topic, partition: message.partition, offset: message.offset, key: message.key,
                    payload: message.value, reason: reason))
            }
            guard message.value.count <= configuration.maxEventBytes else {
                deadLetter("payload of \(message.value.count) bytes exceeds batch.max_event_bytes (\(configuration.maxEventBytes))")
                continue
            }
            do {
                if message.topic == configuration.catalogTopic {
                    catalogEvents.append(try CatalogEvent(json: Data(message.value)))
                    observed.appliedByType["catalog", default: 0] += 1
                } else {
                    let event = try EngagementEvent(json: Data(message.value))
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
            model, changes: changes, catalogItems: catalogRows, firstNewUser: firstNewUser, firstNewItem: firstNewItem)
        writes.deadLetters = deadLetters
        writes.eventIDs = configuration.dedupWindowEvents > 0 ? eventIDs : []
        writes.offsets = nextOffsets.keys.sorted().map { PartitionOffset(topic: $0.topic, partition: $0.partition, nextOffset: nextOffsets[$0]!) }
        writes.modelVersion = modelVersion
        metrics.recordModelSize(model)
        var batch = PreparedBatch(writes: writes, records: messages.count, observed: observed)
        if configuration.topKIncremental && !changes.users.isEmpty {
            batch.lists = PendingLists(users: changes.users.sorted())
        }
        batch.applied = engagements.count
        batch.catalogApplied = catalogEvents.count
        batch.duplicates = duplicates
        return batch
    }

    /// Commits one batch (retrying while PostgreSQL is away: the batch is
    /// kept until it is written), publishes its users' lists once the
    /// pipeline has scored them, and reports it.
    func write(_ batch: PreparedBatch) throws {
        var attempts = 0
        let commitStart = DispatchTime.now().uptimeNanoseconds
        try database.run { connection in
            attempts += 1
            try BatchTransaction(connection: connection).commit(batch.writes)
        }
        let commitNanoseconds = DispatchTime.now().uptimeNanoseconds - commitStart
        health.succeeded(kafka: false)
        committedPositions.withLock { positions in
            for offset in batch.writes.offsets {
                positions[TopicPartition(topic: offset.topic, partition: offset.partition)] = offset.nextOffset
            }
        }
        if counters.withLock({ $0.batches }) % 100 == 99 {
            try? database.run(attempts: 1) { try StateRepository(connection: $0).trimEventIDs(keep: configuration.dedupWindowEvents) }
        }
        if let lists = batch.lists {
            let update = lists.wait()
            let publisher = TopKPublisher(k: configuration.topK)
            try database.run { connection in
                try publisher.publish(update, modelVersion: batch.writes.modelVersion, connection: connection)
            }
        }
        var observed = batch.observed
        observed.commitNanoseconds = Int64(commitNanoseconds)
        metrics.recordFreshness(eventTimestampsMs: observed.eventTimestampsMs, visibleAt: Date())
        metrics.record(observed)
        try? consumer?.commitAsync(batch.writes.offsets.map {
            TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: $0.nextOffset)
        })
        counters.withLock {
            $0.batches += 1
            $0.consumed += batch.records
            $0.applied += batch.applied
            $0.catalogApplied += batch.catalogApplied
            $0.deadLettered += batch.writes.deadLetters.count
            $0.duplicates += batch.duplicates
            $0.databaseRetries += attempts - 1
            if $0.commitMilliseconds.count >= 10_000 { $0.commitMilliseconds.removeFirst(5_000) }
            $0.commitMilliseconds.append(Double(commitNanoseconds) / 1e6)
        }
        if let first = batch.writes.deadLetters.first {
            logger.notice("records dead-lettered", metadata: [
                "count": "\(batch.writes.deadLetters.count)", "first": "\(first.topic)[\(first.partition)]@\(first.offset): \(first.reason)",
            ])
        }
    }
}
