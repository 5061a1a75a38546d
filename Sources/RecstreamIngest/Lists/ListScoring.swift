import Dispatch
import RecstreamModel

/// How a batch's lists are scored. Exactly while the pipeline keeps up;
/// while it is behind its freshness target (the batch's oldest event is
/// older than half the target), each user is scored against the best
/// `topk.overload_probe_fraction` of the item clusters only
/// (`ItemClusters`), about that fraction of the scoring work, until the
/// oldest event is younger than a quarter of the target again. The mode is
/// reported (`/readyz`, `recstream_lists_approximate`); the next full
/// recompute publishes every list exactly.
struct ListScoring {
    let freshnessTargetMs: Int64
    let probeFraction: Double
    private(set) var approximate = false
    private var clusters: ItemClusters?
    private var clustersBuiltAt: UInt64 = 0
    /// Clusters older than this are rebuilt (item vectors move as they learn).
    private static let clusterLifetimeNanoseconds: UInt64 = 600 * 1_000_000_000

    init(freshnessTargetMs: Int, probeFraction: Double) {
        self.freshnessTargetMs = Int64(freshnessTargetMs)
        self.probeFraction = probeFraction
    }

    /// Switches the mode by the age of the batch's oldest event (nil: a
    /// batch without engagement events leaves it as it is).
    mutating func observe(oldestEventAgeMs: Int64?) {
        guard probeFraction > 0, let age = oldestEventAgeMs else { return }
        if approximate {
            approximate = age >= freshnessTargetMs / 4
        } else {
            approximate = age > freshnessTargetMs / 2
        }
    }

    /// The clusters no longer describe the model's item rows (it was reloaded).
    mutating func forgetClusters() {
        clusters = nil
    }

    /// The lists of `rows` and the popular list, in the current mode.
    mutating func userUpdate(_ model: RecommenderModel, rows: [Int32], modelVersion: Int64, k: Int) -> ListPublisher.UserListUpdate {
        let publisher = ListPublisher(k: k)
        guard approximate else { return publisher.userUpdate(model, rows: rows, modelVersion: modelVersion) }
        let now = DispatchTime.now().uptimeNanoseconds
        // Rebuilt when a tenth of the items came after them (those are
        // candidates of every user until then) or when they are old.
        let stale = clusters.map {
            $0.coveredItems < model.items.count * 9 / 10 || now - clustersBuiltAt >= Self.clusterLifetimeNanoseconds
        }
        if stale ?? true {
            clusters = ItemClusters(items: model.itemFactors)
            clustersBuiltAt = now
        }
        guard let clusters else { return publisher.userUpdate(model, rows: rows, modelVersion: modelVersion) }
        let probes = max(1, Int((Double(clusters.count) * probeFraction).rounded(.up)))
        return publisher.userUpdate(model, rows: rows, modelVersion: modelVersion, clusters: clusters, probes: probes)
    }
}
